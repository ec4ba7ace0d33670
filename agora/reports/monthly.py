"""The monthly reports of every entity, split so that each piece fits the queue's timeout and
none is mailed twice.

The national job (``monthly_reports_fan_out``, run by the schedule on the first of the month)
only writes, in one transaction, one ``MonthlyReportDelivery`` row per entity with messages in
the period and one outbox task per new row. Each task (``monthly_report_deliver``) builds one
entity's report and mails it: it claims its row (``enviando``, committed) before the mail goes
out, so a retried, repeated or concurrent task finds the row taken and sends nothing. A failing
entity is retried by the outbox with a growing wait (and shown on the rector's dashboard when
it keeps failing); the others go on. Running the national job again adds only the entities it
had not seen.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError
from agora.core.notifications import mail_each
from agora.core.outbox import enqueue_on_commit
from agora.core.siteurl import site_url
from agora.reports.document import summary as document_summary
from agora.reports.models import (
    DailyRollup,
    DeliveryStatus,
    MonthlyReportDelivery,
    ReportRun,
    RunStatus,
)
from agora.reports.periods import period_name

log = logging.getLogger(__name__)
DELIVER_TASK = "agora.reports.monthly.monthly_report_deliver"


class MonthlyReportError(DomainError):
    """This entity's report could not be built or mailed now: the task is tried again."""


def monthly_reports_fan_out(*, start: date, end: date) -> int:
    """Queues the report of every entity with messages in the range (one delivery row and
    one task each, written together). Returns how many entities it queued: those queued by an
    earlier run are not queued again."""
    with transaction.atomic():
        entity_ids = set(
            DailyRollup.objects.filter(day__gte=start, day__lte=end, received__gt=0)
            .values_list("entity_id", flat=True)
            .distinct()
        )
        known = set(
            MonthlyReportDelivery.objects.filter(start=start, end=end).values_list(
                "entity_id", flat=True
            )
        )
        new = sorted(entity_ids - known)
        MonthlyReportDelivery.objects.bulk_create(
            [MonthlyReportDelivery(entity_id=pk, start=start, end=end) for pk in new],
            ignore_conflicts=True,  # a concurrent run of the same job: one row per entity
        )
        queued = 0
        rows = MonthlyReportDelivery.objects.filter(
            start=start, end=end, entity_id__in=new, status=DeliveryStatus.PENDIENTE
        ).order_by("entity_id")
        for pk in rows.values_list("pk", flat=True):
            enqueue_on_commit(DELIVER_TASK, pk)
            queued += 1
    return queued


def _run_for(delivery: MonthlyReportDelivery) -> ReportRun:
    """The delivery's report run, created once (the row is locked while it is chosen)."""
    with transaction.atomic():
        locked = MonthlyReportDelivery.objects.select_for_update().get(pk=delivery.pk)
        run = ReportRun.objects.filter(pk=locked.run_id).first() if locked.run_id else None
        if run is None:
            run = ReportRun.objects.filter(
                entity_id=locked.entity_id, start=locked.start, end=locked.end, scheduled=True
            ).first() or ReportRun.objects.create(
                entity_id=locked.entity_id, start=locked.start, end=locked.end, scheduled=True
            )
            MonthlyReportDelivery.objects.filter(pk=locked.pk).update(run=run)
    return run


def monthly_report_deliver(delivery_id: int) -> str:
    """Builds one entity's report of the period and mails it, as a PDF, to its managers, at
    most once. Raises ``MonthlyReportError`` when the report failed or no address took the
    mail (nothing sent: the task is tried again). Must run outside a transaction: the claim
    is committed before the mail goes out."""
    from agora.reports.services import manager_emails, report_run_execute

    delivery = MonthlyReportDelivery.objects.select_related("entity").filter(pk=delivery_id).first()
    if delivery is None:
        return "no existe"
    if delivery.status != DeliveryStatus.PENDIENTE:
        # Sent, or taken by a run that may have sent it (a worker that died mid-mail): the
        # row keeps when, and nobody gets it twice.
        return str(delivery.status)
    entity = delivery.entity
    recipients = manager_emails(entity)
    if not recipients:
        MonthlyReportDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDIENTE
        ).update(status=DeliveryStatus.SIN_DESTINATARIOS)
        return DeliveryStatus.SIN_DESTINATARIOS
    run = report_run_execute(run=_run_for(delivery))
    if run.status != RunStatus.LISTO or not run.pdf:
        raise MonthlyReportError(
            _("El informe de %(entity)s no se pudo generar (estado: %(status)s).")
            % {"entity": entity.name, "status": run.get_status_display()}
        )
    claimed = MonthlyReportDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDIENTE
    ).update(status=DeliveryStatus.ENVIANDO, claimed_at=timezone.now())
    if not claimed:
        return "tomado por otra tarea"
    start, end = delivery.start, delivery.end
    subject = _("Informe de %(entity)s: %(period)s") % {
        "entity": entity.name,
        "period": period_name(start, end),
    }
    summary = "\n\n".join(document_summary(run.data)) if run.data else ""
    body = _(
        "Adjuntamos el informe periódico de lo que la ciudadanía escribió a las cuentas "
        "oficiales de %(entity)s y de cómo se respondió. También puede verlo y descargarlo "
        "en %(url)s"
    ) % {"entity": entity.name, "url": site_url(f"/informes/{run.pk}/")}
    if summary:
        body = f"{summary}\n\n{body}"
    try:
        delivered = mail_each(
            subject,
            body,
            recipients,
            attachments=[
                (f"informe-{entity.code}-{start:%Y-%m}.pdf", bytes(run.pdf), "application/pdf")
            ],
        )
    except Exception:
        # Nothing can be said of what went out: the row stays taken (never twice).
        log.exception("Falló el envío del informe mensual %s", delivery.pk)
        raise
    if not delivered:
        # No address took it (logged by mail_each): nothing went out, give the row back.
        MonthlyReportDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.ENVIANDO).update(
            status=DeliveryStatus.PENDIENTE, claimed_at=None
        )
        raise MonthlyReportError(
            _("No se pudo entregar el informe de %(entity)s a ningún gestor.")
            % {"entity": entity.name}
        )
    with transaction.atomic():
        MonthlyReportDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.ENVIADO, recipients=delivered, sent_at=timezone.now()
        )
        audit_record(
            actor=None,
            verb="informe.enviado",
            instance=run,
            scope=entity.code,
            after={"para": delivered},
        )
    return DeliveryStatus.ENVIADO
