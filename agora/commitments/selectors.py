"""Every read of the commitments app: public lists with constant query counts, the staff
queues scoped to who asks, and the rows of the open-data files."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agora.commitments import permissions
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    CommitmentUpdate,
    Evidence,
    GroupStatus,
    Milestone,
    MilestoneStatus,
    PolicyArea,
    Proposal,
    ProposalGroup,
    UpdateStatus,
    Workshop,
    WorkshopParticipation,
)
from agora.core.models import User
from agora.directory.models import Entity

PAGE_SIZE = 30


def today() -> datetime.date:
    return timezone.localdate()


@dataclass
class CommitmentFilters:
    plan: int | None = None
    entity: str = ""
    area: str = ""
    status: str = ""
    q: str = ""


def commitments_public(
    filters: CommitmentFilters | None = None, *, on: datetime.date | None = None
) -> QuerySet[Commitment]:
    """Commitments for the public list, with their plan, lead entity, policy areas and the
    ``overdue`` flag, filtered. Three queries whatever the number of rows."""
    filters = filters or CommitmentFilters()
    queryset = (
        Commitment.objects.with_overdue(on or today())
        .select_related("plan", "lead_entity")
        .prefetch_related(Prefetch("policy_areas", queryset=PolicyArea.objects.order_by("name_es")))
        .order_by("-plan__cycle", "code")
    )
    if filters.plan:
        queryset = queryset.filter(plan__cycle=filters.plan)
    if filters.entity:
        queryset = queryset.filter(
            Q(lead_entity__code=filters.entity) | Q(supporting_entities__code=filters.entity)
        ).distinct()
    if filters.area:
        queryset = queryset.filter(policy_areas__slug=filters.area)
    if filters.status == "vencido":
        queryset = queryset.filter(overdue=True)  # type: ignore[misc]
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.q:
        queryset = queryset.filter(
            Q(code__icontains=filters.q)
            | Q(title__icontains=filters.q)
            | Q(title_translation__icontains=filters.q)
            | Q(ogp_title__icontains=filters.q)
        )
    return queryset


def dashboard_version() -> str:
    """Changes whenever a plan or commitment changes (progress included), or one is removed:
    the key of the cached public dashboard."""
    row = ActionPlan.objects.aggregate(
        n_plans=Count("id", distinct=True),
        plan_at=Max("updated_at"),
        n_commitments=Count("commitments", distinct=True),
        commitment_at=Max("commitments__updated_at"),
    )
    return "|".join(str(row[k]) for k in ("n_plans", "plan_at", "n_commitments", "commitment_at"))


def plans_summary() -> list[ActionPlan]:
    """Every plan with its number of commitments, mean progress and overdue commitments, in
    one query."""
    first_of_month = today().replace(day=1)
    late = Milestone.objects.filter(
        commitment__plan=OuterRef("pk"), end_month__lt=first_of_month
    ).exclude(status__in=[MilestoneStatus.COMPLETADO, MilestoneStatus.SIN_DATO])
    return list(
        ActionPlan.objects.annotate(
            commitment_count=Count("commitments", distinct=True),
            mean_progress=Avg("commitments__progress"),
            has_overdue=Exists(late),
        ).order_by("-cycle")
    )


def plan_get_public(*, cycle: int) -> ActionPlan:
    plan = (
        ActionPlan.objects.filter(cycle=cycle)
        .select_related("commission")
        .prefetch_related(
            Prefetch(
                "workshops",
                queryset=Workshop.objects.prefetch_related(
                    Prefetch(
                        "participation",
                        queryset=WorkshopParticipation.objects.order_by("organisation_type"),
                    )
                ),
            )
        )
        .first()
    )
    if plan is None:
        raise Http404
    return plan


def commission_members(plan: ActionPlan) -> list[Any]:
    """The current members of the plan's commission (a participation forum), voting members
    first; empty when the plan has no forum yet."""
    if plan.commission is None:
        return []
    members = list(plan.commission.current_memberships())
    return sorted(members, key=lambda m: (not m.has_vote, m.organisation.name))


def plan_timeline(plan: ActionPlan) -> list[Commitment]:
    """The plan's commitments with their milestones, for the plan's timeline chart."""
    return list(
        plan.commitments.order_by("code").prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("order"))
        )
    )


def commitment_get_public(*, code: str) -> Commitment:
    commitment = (
        Commitment.objects.with_overdue(today())
        .select_related("plan", "lead_entity")
        .prefetch_related(
            "policy_areas",
            "supporting_entities",
            Prefetch("milestones", queryset=Milestone.objects.order_by("order")),
        )
        .filter(code=code)
        .first()
    )
    if commitment is None:
        raise Http404
    return commitment


def commitment_review(commitment: Commitment) -> Any:
    return getattr(commitment, "review", None)


def updates_public(commitment: Commitment) -> QuerySet[CommitmentUpdate]:
    """Only approved reports are public."""
    return (
        commitment.updates.filter(status=UpdateStatus.APROBADA)
        .select_related("entity", "milestone")
        .prefetch_related("files")
        .order_by("-reviewed_at", "-id")
    )


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    plans = [
        (str(c), str(c))
        for c in ActionPlan.objects.order_by("-cycle").values_list("cycle", flat=True)
    ]
    areas = list(
        PolicyArea.objects.filter(commitments__isnull=False)
        .distinct()
        .order_by("name_es")
        .values_list("slug", "name_es")
    )
    entities = list(
        Entity.objects.filter(
            Q(led_commitments__isnull=False) | Q(supported_commitments__isnull=False)
        )
        .distinct()
        .order_by("name")
        .values_list("code", "name")
    )
    return {"plans": plans, "areas": areas, "entities": entities}


# --- staff ------------------------------------------------------------------------------------


def commitments_for_manager(user: User) -> QuerySet[Commitment]:
    """Commitments whose lead or supporting entity the user manages."""
    ids = permissions.entities_managed_by(user)
    return (
        Commitment.objects.filter(Q(lead_entity_id__in=ids) | Q(supporting_entities__in=ids))
        .distinct()
        .select_related("plan", "lead_entity")
        .order_by("-plan__cycle", "code")
    )


def commitment_for_update(*, user: User, code: str) -> Commitment:
    """A commitment the user may report on (404 otherwise, so codes do not leak)."""
    commitment = commitments_for_manager(user).filter(code=code).first()
    if commitment is None:
        raise Http404
    return commitment


def commitment_for_milestones(*, user: User, code: str) -> Commitment:
    """A commitment whose milestones the user may edit (rector staff, or a manager of its
    lead entity); 404 otherwise, so codes do not leak."""
    commitment = (
        Commitment.objects.filter(code=code)
        .select_related("plan", "lead_entity")
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("order")))
        .first()
    )
    if commitment is None or not permissions.may_edit_milestones(user, commitment):
        raise Http404
    return commitment


def evidence_get(*, user: User, pk: int) -> Evidence:
    """An evidence file: public once its report is approved; before that (or when it was
    rejected) only for rector staff and the staff of the entity that posted it. 404
    otherwise, so pending files do not leak."""
    evidence = Evidence.objects.filter(pk=pk).select_related("update", "update__commitment").first()
    if evidence is None:
        raise Http404
    update = evidence.update
    if update.status == UpdateStatus.APROBADA or permissions.may_see_pending_evidence(user, update):
        return evidence
    raise Http404


def updates_pending(user: User) -> QuerySet[CommitmentUpdate]:
    """The secretariat's approval queue; a manager sees their own entities' reports."""
    queryset = CommitmentUpdate.objects.select_related(
        "commitment", "entity", "author", "milestone"
    ).prefetch_related("files")
    if permissions.may_run_plans(user):
        return queryset.filter(status=UpdateStatus.PENDIENTE).order_by("created_at")
    return queryset.filter(entity_id__in=permissions.entities_managed_by(user)).order_by(
        "-created_at"
    )


def update_for_review(*, user: User, pk: int) -> CommitmentUpdate:
    if not permissions.may_run_plans(user):
        raise Http404
    update = updates_pending(user).filter(pk=pk).first()
    if update is None:
        update = (
            CommitmentUpdate.objects.filter(pk=pk).select_related("commitment", "entity").first()
        )
    if update is None:
        raise Http404
    return update


def plans_for_scoring(user: User) -> QuerySet[ActionPlan]:
    if permissions.may_run_plans(user):
        return ActionPlan.objects.order_by("-cycle")
    return ActionPlan.objects.filter(evaluators=user).order_by("-cycle")


def groups_pending(plan: ActionPlan) -> QuerySet[ProposalGroup]:
    return (
        ProposalGroup.objects.filter(plan=plan, status=GroupStatus.SUGERIDA)
        .select_related("representative")
        .prefetch_related("proposals")
    )


def proposal_for_scoring(*, user: User, pk: int) -> Proposal:
    proposal = (
        Proposal.objects.filter(pk=pk, plan__in=plans_for_scoring(user))
        .select_related("plan", "workshop", "entity")
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


# --- open data ----------------------------------------------------------------------------------


def commitments_export(filters: CommitmentFilters | None = None) -> list[dict[str, Any]]:
    """One row per commitment with its milestones: the CSV and JSON downloads."""
    rows = []
    queryset = commitments_public(filters).prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("order"))
    )
    for c in queryset:
        rows.append(
            {
                "codigo": c.code,
                "ciclo": c.plan.cycle,
                "plan": c.plan.title,
                "titulo": c.display_title,
                "titulo_es_traduccion": c.title_is_translation,
                "titulo_ogp": c.ogp_title,
                "entidad_responsable": c.lead_entity.code if c.lead_entity else "",
                "institucion_responsable": c.lead_institution,
                "areas_de_politica": [a.name_es for a in c.policy_areas.all()],
                "valores_ogp": list(c.ogp_values),
                "estado": c.status,
                "avance": float(c.progress),
                "vencido": bool(getattr(c, "overdue", False)),
                "demo": c.is_demo,
                "hitos": [
                    {
                        "actividad": m.activity,
                        "responsable": m.responsible,
                        "inicio": m.start_month.strftime("%Y-%m"),
                        "fin": m.end_month.strftime("%Y-%m"),
                        "estado": m.status,
                        "peso": m.weight,
                    }
                    for m in c.milestones.all()
                ],
            }
        )
    return rows
