"""Choosing the commitments: evaluators' SMART scores, the ranking with their disagreement,
and the secretariat's selection."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from agora.commitments import permissions
from agora.commitments.models import (
    SMART_RUBRIC,
    ActionPlan,
    Proposal,
    SmartCriterion,
    SmartScore,
)
from agora.commitments.services._common import _require_rector
from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User


def _require_evaluator(actor: User | None, plan: ActionPlan) -> None:
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(_("Debe ingresar para puntuar propuestas."))
    if permissions.may_score(actor, plan):
        return
    raise PermissionDeniedError(_("Usted no es evaluador de este plan de acción."))


@transaction.atomic
def smart_score_record(
    *, actor: User | None, proposal: Proposal, scores: Mapping[str, int | str | None]
) -> list[SmartScore]:
    """Records one evaluator's five SMART scores of a proposal (each within the rubric)."""
    _require_evaluator(actor, proposal.plan)
    assert actor is not None
    if proposal.merged_into_id:
        raise DomainError(_("Esta propuesta fue agrupada en otra: puntúe la representativa."))
    missing = [c for c in SmartCriterion.values if scores.get(c) in (None, "")]
    if missing:
        raise DomainError(
            _("Falta el puntaje de: %(criteria)s.")
            % {"criteria": ", ".join(str(SmartCriterion(c).label) for c in missing)}
        )
    unknown = set(scores) - set(SmartCriterion.values)
    if unknown:
        raise DomainError(_("Criterio desconocido: %(c)s.") % {"c": ", ".join(sorted(unknown))})
    values: dict[str, int] = {}
    for criterion in SmartCriterion.values:
        top = len(SMART_RUBRIC[criterion])
        try:
            value = int(str(scores[criterion]))
        except ValueError as exc:
            raise DomainError(
                _("El puntaje de «%(c)s» debe ser un número entero.")
                % {"c": SmartCriterion(criterion).label}
            ) from exc
        if not 0 <= value <= top:
            raise DomainError(
                _("El puntaje de «%(c)s» debe estar entre 0 y %(max)s según la rúbrica.")
                % {"c": SmartCriterion(criterion).label, "max": top}
            )
        values[criterion] = value
    previous = dict(
        SmartScore.objects.filter(proposal=proposal, evaluator=actor).values_list(
            "criterion", "value"
        )
    )
    saved = []
    for criterion, value in values.items():
        score, _created = SmartScore.objects.update_or_create(
            proposal=proposal, evaluator=actor, criterion=criterion, defaults={"value": value}
        )
        saved.append(score)
    audit_record(
        actor=actor,
        verb="propuesta.puntuada_smart",
        instance=proposal,
        before=previous or None,
        after=values,
    )
    return saved


@dataclass
class RankedProposal:
    proposal: Proposal
    evaluators: int
    mean: float | None
    stdev: float | None
    spread: int | None
    totals: list[int]
    position: int = 0


def proposals_rank(*, plan: ActionPlan) -> list[RankedProposal]:
    """Open proposals with each evaluator's total, the mean, the standard deviation and the
    range between evaluators (their disagreement), best mean first; unscored last."""
    proposals = list(
        Proposal.objects.filter(plan=plan, merged_into__isnull=True)
        .select_related("workshop", "entity")
        .order_by("id")
    )
    totals: dict[int, dict[int, int]] = {}
    for proposal_id, evaluator_id, value in SmartScore.objects.filter(
        proposal__plan=plan, proposal__merged_into__isnull=True
    ).values_list("proposal_id", "evaluator_id", "value"):
        per = totals.setdefault(proposal_id, {})
        per[evaluator_id] = per.get(evaluator_id, 0) + value
    ranked = []
    for proposal in proposals:
        values = sorted(totals.get(proposal.pk, {}).values())
        ranked.append(
            RankedProposal(
                proposal=proposal,
                evaluators=len(values),
                mean=round(statistics.fmean(values), 2) if values else None,
                stdev=round(statistics.pstdev(values), 2) if values else None,
                spread=(values[-1] - values[0]) if values else None,
                totals=values,
            )
        )
    ranked.sort(key=lambda r: (r.mean is None, -(r.mean or 0), r.stdev or 0, r.proposal.pk))
    for position, item in enumerate(ranked, start=1):
        item.position = position
    return ranked


@transaction.atomic
def proposals_select(
    *, actor: User | None, plan: ActionPlan, proposals: Sequence[Proposal]
) -> list[Proposal]:
    """Sets the plan's selection to exactly ``proposals`` (at most the plan's cap)."""
    _require_rector(actor)
    ids = {p.pk for p in proposals}
    if len(ids) > plan.selection_cap:
        raise DomainError(
            _("Puede seleccionar como máximo %(cap)s propuestas; eligió %(n)s.")
            % {"cap": plan.selection_cap, "n": len(ids)}
        )
    valid = set(
        Proposal.objects.filter(plan=plan, pk__in=ids, merged_into__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if valid != ids:
        raise DomainError(
            _("Solo puede seleccionar propuestas abiertas de este plan (no agrupadas en otra).")
        )
    before = sorted(Proposal.objects.filter(plan=plan, selected=True).values_list("pk", flat=True))
    Proposal.objects.filter(plan=plan).exclude(pk__in=ids).update(selected=False)
    Proposal.objects.filter(pk__in=ids).update(selected=True)
    audit_record(
        actor=actor,
        verb="propuestas.seleccionadas",
        instance=plan,
        before={"selected": before},
        after={"selected": sorted(ids)},
    )
    return list(Proposal.objects.filter(pk__in=ids))
