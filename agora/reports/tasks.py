"""Background jobs of the reports (django-q2): generating a report run, the monthly reports
e-mailed to each entity's managers, and the hourly refresh of rollups whose deadlines passed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import Schedule
from django_q.tasks import async_task

from agora.core.calendar import LIMA
from agora.core.outbox import batched_task, enqueue_on_commit
from agora.reports.forms import previous_month
from agora.reports.models import ReportRun, RunStatus
from agora.reports.services import report_run_execute


def enqueue_run(run_id: int) -> None:
    async_task("agora.reports.tasks.run_report", run_id)


def run_report(run_id: int) -> str:
    run = ReportRun.objects.select_related("entity").filter(pk=run_id).first()
    if run is None:
        return "no existe"
    return report_run_execute(run=run).status


# A run still "generándose" this long after it was asked for was lost with its worker (a run
# takes minutes at most: the queue stops a task after 300 s).
STUCK_AFTER = timedelta(minutes=15)
# Past this, it is failed with a message rather than tried again.
GIVE_UP_AFTER = timedelta(hours=3)


def runs_recover(now: datetime | None = None) -> dict[str, int]:
    """Every 10 minutes: report runs left pending or in progress by a lost task are built
    again (the run is claimed before it is built, so a second delivery builds nothing); those
    asked for hours ago are marked failed, with a message the person sees."""
    now = now or timezone.now()
    stuck = ReportRun.objects.filter(
        status__in=[RunStatus.PENDIENTE, RunStatus.EN_CURSO], created_at__lte=now - STUCK_AFTER
    )
    failed = stuck.filter(created_at__lte=now - GIVE_UP_AFTER).update(
        status=RunStatus.FALLIDO,
        error=_("No se pudo generar el informe. Vuelva a pedirlo."),
        finished_at=now,
    )
    again = 0
    for pk in stuck.values_list("pk", flat=True):
        with transaction.atomic():
            if (
                ReportRun.objects.filter(pk=pk, status=RunStatus.EN_CURSO).update(
                    status=RunStatus.PENDIENTE, progress=0
                )
                or ReportRun.objects.filter(pk=pk, status=RunStatus.PENDIENTE).exists()
            ):
                enqueue_on_commit("agora.reports.tasks.run_report", pk)
                again += 1
    return {"de_nuevo": again, "fallidos": failed}


def monthly_reports() -> int:
    """Last month's reports, on the first day of each month: queues one task per entity
    (agora/reports/monthly.py), each small and mailing its report at most once."""
    from agora.reports.monthly import monthly_reports_fan_out

    start, end = previous_month(timezone.localdate())
    return monthly_reports_fan_out(start=start, end=end)


def rollups_refresh() -> int:
    from agora.reports.rollups import rollups_refresh_due

    return rollups_refresh_due()


def rollups_ingested(
    conversation_ids: list[int], new_keys: Sequence[Sequence[str]], now: str | None = None
) -> int:
    """Brings the rollups up to date with one ingestion batch (tasks queued before the
    outbox existed; new ones go through ``rollups_pending``)."""
    return rollups_pending([[conversation_ids, new_keys, now]])


@batched_task
def rollups_pending(items: Sequence[Sequence[Any]]) -> int:
    """Brings the rollups up to date with every batch recorded since the last run (an outbox
    task: the rows of many webhooks counted at once, in one transaction with the deletion of
    those rows). Idempotent: see ``agora.reports.receivers``."""
    from agora.reports.rollups import rollups_lock, rollups_update

    conversation_ids: set[int] = set()
    keys: set[tuple[str, str]] = set()
    moments: list[datetime] = []
    for ids, new_keys, now in items:
        conversation_ids.update(ids)
        keys.update((platform, key) for platform, key in new_keys)
        if now:
            moments.append(datetime.fromisoformat(now))
    rollups_lock()
    return rollups_update(
        conversation_ids=sorted(conversation_ids),
        new_keys=sorted(keys),
        now=max(moments) if moments else None,
        recount=True,
    )


def schedules_ensure() -> None:
    """The periodic jobs, created once (called after migrate)."""
    Schedule.objects.update_or_create(
        name="informes-resumenes",
        defaults={
            "func": "agora.reports.tasks.rollups_refresh",
            "schedule_type": Schedule.HOURLY,
        },
    )
    Schedule.objects.update_or_create(
        name="informes-recuperar",
        defaults={
            "func": "agora.reports.tasks.runs_recover",
            "schedule_type": Schedule.MINUTES,
            "minutes": 10,
        },
    )
    if not Schedule.objects.filter(name="informes-mensuales").exists():
        # Monthly from the next first of the month at 07:00 in Lima (django-q2 adds a month
        # to next_run after each run; no cron library needed).
        today = timezone.localdate()
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        Schedule.objects.create(
            name="informes-mensuales",
            func="agora.reports.tasks.monthly_reports",
            schedule_type=Schedule.MONTHLY,
            next_run=datetime.combine(first, time(7, 0), tzinfo=LIMA),
        )
