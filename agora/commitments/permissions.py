"""Who may do what with action plans and commitments (docs/arquitectura.md, roles), as named
predicates that services, selectors and views ask instead of repeating the checks:

- the **secretariat** (rector staff) runs the plans: workshops, proposals' grouping and
  selection, milestones' status, approval of progress reports, the independent review;
- the **managers** (``gestor``) of a commitment's lead entity plan its milestones; the
  managers of its lead or supporting entities report progress; a manager proposes in the
  name of their own entity (who manages what: ``agora.directory.roles``);
- a plan's **evaluators** score its proposals;
- the **staff** of the entity that sent a progress report see its evidence before approval.

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, selectors into a 404.
"""

from __future__ import annotations

from typing import Any

from agora.commitments.models import ActionPlan, Commitment, CommitmentUpdate
from agora.core.permissions import user_is_rector
from agora.directory import roles
from agora.directory.models import Entity, Membership


def _signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated)


def entities_managed_by(user: Any) -> set[int]:
    """Ids of the entities where ``user`` is an active communications manager."""
    return set(roles.managed_by(user).values_list("pk", flat=True))


def may_run_plans(user: Any) -> bool:
    """The secretariat: rector staff (or a superuser of its office), signed in and active."""
    return _signed_in(user) and user_is_rector(user)


def may_edit_milestones(user: Any, commitment: Commitment) -> bool:
    """The secretariat and the managers of the commitment's lead entity."""
    if not _signed_in(user):
        return False
    if user_is_rector(user):
        return True
    return bool(commitment.lead_entity_id) and commitment.lead_entity_id in entities_managed_by(
        user
    )


def may_set_milestone_status(user: Any) -> bool:
    """Only the secretariat; everyone else changes a status through a progress report."""
    return may_run_plans(user)


def may_propose_for(user: Any, entity: Entity) -> bool:
    """The secretariat, or a manager of ``entity``."""
    return may_run_plans(user) or roles.is_manager(user, entity)


def may_score(user: Any, plan: ActionPlan) -> bool:
    """The secretariat and the plan's evaluators (signed in)."""
    if not _signed_in(user):
        return False
    return user_is_rector(user) or plan.evaluators.filter(pk=user.pk).exists()


def may_see_pending_evidence(user: Any, update: CommitmentUpdate) -> bool:
    """Evidence of a report not (or not yet) approved: the secretariat and the active staff
    of the entity that sent it."""
    if user_is_rector(user):
        return True
    return bool(
        user.is_authenticated
        and Membership.objects.active().filter(user=user, entity_id=update.entity_id).exists()
    )
