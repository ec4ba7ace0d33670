"""A commitment's milestones and its progress: their rules, adding and
editing them, and the weighted progress they give the commitment."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.commitments import permissions
from agora.commitments.models import (
    Commitment,
    CommitmentStatus,
    Milestone,
    MilestoneStatus,
)
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User

MILESTONE_FIELDS = ["activity", "responsible", "start_month", "end_month", "status", "weight"]


def _entity_scope(commitment: Commitment) -> str:
    return commitment.lead_entity.code if commitment.lead_entity is not None else ""


def _require_milestone_editor(actor: User | None, commitment: Commitment, *, status: str) -> None:
    """Managers of the lead entity plan the milestones; a milestone's status changes only
    through a progress report the secretariat approves (or by the secretariat itself)."""
    if not permissions.may_edit_milestones(actor, commitment):
        raise PermissionDeniedError(
            _(
                "Solo la secretaría y los responsables de la entidad a cargo del compromiso "
                "pueden editar sus hitos."
            )
        )
    if status and not permissions.may_set_milestone_status(actor):
        raise PermissionDeniedError(
            _(
                "El estado de un hito cambia con un reporte de avance aprobado por la "
                "secretaría; envíe un reporte de avance."
            )
        )


def month_parse(value: str | datetime.date | None, *, label: str) -> datetime.date:
    """``"2015-08"`` (or a date) → the first day of that month."""
    if isinstance(value, datetime.date):
        return value.replace(day=1)
    try:
        year, month = (int(part) for part in str(value or "").strip().split("-")[:2])
        return datetime.date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            _("%(label)s: indique el mes como AAAA-MM (por ejemplo, 2016-07).") % {"label": label}
        ) from exc


def commitment_progress_refresh(commitment: Commitment) -> Commitment:
    """Recomputes the weighted progress and the status from the milestones."""
    rows = list(commitment.milestones.values_list("weight", "status"))
    total = sum(weight for weight, _status in rows)
    done = sum(weight for weight, status in rows if status == MilestoneStatus.COMPLETADO)
    if not rows:
        progress, status = Decimal("0"), CommitmentStatus.SIN_HITOS
    else:
        progress = (Decimal(done * 100) / Decimal(total)).quantize(Decimal("0.1"))
        if all(s == MilestoneStatus.SIN_DATO for _w, s in rows):
            status = CommitmentStatus.SIN_DATO
        elif done == total:
            status = CommitmentStatus.COMPLETADO
        elif done or any(s == MilestoneStatus.EN_CURSO for _w, s in rows):
            status = CommitmentStatus.EN_CURSO
        else:
            status = CommitmentStatus.NO_INICIADO
    # Called after every milestone change: updated_at always moves, because it keys the cached
    # public dashboard (overdue milestones show there even when progress stays the same).
    Commitment.objects.filter(pk=commitment.pk).update(
        progress=progress, status=status, updated_at=timezone.now()
    )
    commitment.progress, commitment.status = progress, status
    return commitment


def milestone_check(
    *,
    activity: str,
    start_month: str | datetime.date | None,
    end_month: str | datetime.date | None,
    weight: int | None,
    status: str,
) -> tuple[datetime.date, datetime.date]:
    """The rules of a milestone, shared by the services and the admin: an activity, months
    as AAAA-MM, not ending before it starts, a weight of at least 1, a known status. Returns
    the start and end months (first day of each)."""
    if not (activity or "").strip():
        raise DomainError(_("Describa la actividad del hito."))
    start = month_parse(start_month, label=_("Mes de inicio"))
    end = month_parse(end_month, label=_("Mes de término"))
    if end < start:
        raise DomainError(
            _("El hito termina (%(end)s) antes de empezar (%(start)s).")
            % {"end": end.strftime("%Y-%m"), "start": start.strftime("%Y-%m")}
        )
    if weight is None or int(weight) < 1:
        raise DomainError(_("El peso del hito debe ser un entero mayor o igual a 1."))
    if status not in MilestoneStatus.values:
        raise DomainError(_("Estado de hito desconocido: %(s)s.") % {"s": status})
    return start, end


@transaction.atomic
def milestone_add(
    *,
    actor: User | None,
    commitment: Commitment,
    activity: str,
    start_month: str | datetime.date,
    end_month: str | datetime.date,
    responsible: str = "",
    weight: int = 1,
    status: str = MilestoneStatus.NO_INICIADO,
) -> Milestone:
    """Adds a milestone at the end (rector staff, or a manager of the lead entity: then it
    starts as not started)."""
    _require_milestone_editor(
        actor, commitment, status="" if status == MilestoneStatus.NO_INICIADO else status
    )
    start, end = milestone_check(
        activity=activity,
        start_month=start_month,
        end_month=end_month,
        weight=weight,
        status=status,
    )
    # The commitment's row is locked: two people adding at once get consecutive orders.
    Commitment.objects.select_for_update().filter(pk=commitment.pk).exists()
    last = commitment.milestones.order_by("-order").values_list("order", flat=True).first()
    milestone = Milestone.objects.create(
        commitment=commitment,
        order=(last or 0) + 1,
        activity=activity.strip(),
        responsible=responsible.strip(),
        start_month=start,
        end_month=end,
        weight=int(weight),
        status=status,
    )
    commitment_progress_refresh(commitment)
    audit_record(
        actor=actor,
        verb="hito.agregado",
        instance=milestone,
        scope=_entity_scope(commitment),
        after=snapshot(milestone, MILESTONE_FIELDS),
    )
    return milestone


@transaction.atomic
def milestone_update(*, actor: User | None, milestone: Milestone, **changes: Any) -> Milestone:
    """Edits a milestone (rector staff, or a manager of the lead entity for everything but
    the status); the same validation as when adding it."""
    new_status = changes.get("status", milestone.status)
    _require_milestone_editor(
        actor, milestone.commitment, status="" if new_status == milestone.status else new_status
    )
    unknown = set(changes) - set(MILESTONE_FIELDS)
    if unknown:
        raise DomainError(_("Campo desconocido: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    before = snapshot(milestone, MILESTONE_FIELDS)
    values = {name: changes.get(name, getattr(milestone, name)) for name in MILESTONE_FIELDS}
    start, end = milestone_check(
        activity=values["activity"],
        start_month=values["start_month"],
        end_month=values["end_month"],
        weight=values["weight"],
        status=values["status"],
    )
    milestone.activity = values["activity"].strip()
    milestone.responsible = (values["responsible"] or "").strip()
    milestone.start_month, milestone.end_month = start, end
    milestone.weight, milestone.status = int(values["weight"]), values["status"]
    milestone.save()
    commitment_progress_refresh(milestone.commitment)
    audit_record(
        actor=actor,
        verb="hito.actualizado",
        instance=milestone,
        scope=_entity_scope(milestone.commitment),
        before=before,
        after=snapshot(milestone, MILESTONE_FIELDS),
    )
    return milestone
