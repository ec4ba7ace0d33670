"""Every write of the reports app: asking for a report (validated, authorised, audited and
queued), generating it with progress, and the monthly reports e-mailed to managers."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.outbox import enqueue_on_commit
from agora.directory import roles
from agora.directory.models import Entity
from agora.reports import permissions
from agora.reports.exports import report_pdf
from agora.reports.models import ReportRun, RunStatus
from agora.reports.report import report_data

log = logging.getLogger(__name__)
MAX_DAYS = 366


def _validate_range(start: date, end: date) -> None:
    if end < start:
        raise DomainError(_("La fecha final es anterior a la inicial."))
    if (end - start).days + 1 > MAX_DAYS:
        raise DomainError(_("El período no puede pasar de %(days)s días.") % {"days": MAX_DAYS})
    if start > timezone.localdate():
        raise DomainError(_("El período empieza en el futuro."))


@transaction.atomic
def report_run_request(*, actor: User, entity: Entity, start: date, end: date) -> ReportRun:
    """Queues an entity report. Entity staff only for their own entities; rector staff for
    any entity."""
    if not permissions.may_request_report(actor, entity):
        raise PermissionDeniedError(_("No tiene acceso a los informes de esta entidad."))
    _validate_range(start, end)
    run = ReportRun.objects.create(entity=entity, start=start, end=end, requested_by=actor)
    audit_record(
        actor=actor,
        verb="informe.pedido",
        instance=run,
        scope=entity.code,
        after={"desde": start.isoformat(), "hasta": end.isoformat()},
    )
    # Recorded with the run, in its transaction: a worker builds it after the commit, and the
    # sweeper again if that task is lost.
    enqueue_on_commit("agora.reports.tasks.run_report", run.pk)
    return run


def _progress(run_id: int, value: int) -> None:
    ReportRun.objects.filter(pk=run_id).update(progress=min(99, value))


def report_run_execute(*, run: ReportRun, with_pdf: bool = True) -> ReportRun:
    """Builds the report data (progress saved as it goes), then the PDF. A failure is saved
    on the run with its message; nothing else changes."""
    claimed = ReportRun.objects.filter(
        pk=run.pk, status__in=[RunStatus.PENDIENTE, RunStatus.FALLIDO]
    ).update(status=RunStatus.EN_CURSO, progress=1, error="")
    if not claimed:
        run.refresh_from_db()
        return run
    try:
        data = report_data(
            entity=run.entity,
            start=run.start,
            end=run.end,
            progress=lambda value: _progress(run.pk, int(value * 0.8)),
        )
        pdf = report_pdf(data) if with_pdf else None
    except Exception:
        # A background job: record the failure on the run (staff see it) and keep the
        # traceback in the worker's log, never on the page.
        log.exception("report run %s failed", run.pk)
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FALLIDO,
            error=_("Error interno al generar el informe. Vuelva a pedirlo más tarde."),
            finished_at=timezone.now(),
        )
    else:
        ReportRun.objects.filter(pk=run.pk).update(
            status=RunStatus.LISTO,
            progress=100,
            data=data,
            pdf=pdf,
            finished_at=timezone.now(),
        )
    run.refresh_from_db()
    return run


def manager_emails(entity: Entity) -> list[str]:
    """The addresses of the entity's active managers."""
    return sorted({user.email for user in roles.managers_of(entity) if user.email})


def monthly_reports_send(*, start: date, end: date) -> int:
    """Queues the report of every entity with messages in the range, to be e-mailed as a PDF
    to the entity's managers, one task per entity (agora/reports/monthly.py). Returns how many
    entities it queued."""
    from agora.reports.monthly import monthly_reports_fan_out

    return monthly_reports_fan_out(start=start, end=end)
