"""Background jobs of the reports (django-q2): generating a report run, the monthly reports
e-mailed to each entity's managers, and the hourly refresh of rollups whose deadlines passed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from agora.core.calendar import LIMA
from agora.reports.forms import previous_month
from agora.reports.models import ReportRun


def enqueue_run(run_id: int) -> None:
    async_task("agora.reports.tasks.run_report", run_id)


def run_report(run_id: int) -> str:
    from agora.reports.services import report_run_execute

    run = ReportRun.objects.select_related("entity").filter(pk=run_id).first()
    if run is None:
        return "no existe"
    return report_run_execute(run=run).status


def monthly_reports() -> int:
    """Last month's reports, on the first day of each month."""
    from agora.reports.services import monthly_reports_send

    start, end = previous_month(timezone.localdate())
    return monthly_reports_send(start=start, end=end)


def rollups_refresh() -> int:
    from agora.reports.rollups import rollups_refresh_due

    return rollups_refresh_due()


def rollups_ingested(
    conversation_ids: list[int], new_keys: Sequence[Sequence[str]], now: str | None = None
) -> int:
    """Adds what a large ingestion batch brought to the rollups (queued after its commit)."""
    from agora.reports.rollups import rollups_update

    keys = [(platform, key) for platform, key in new_keys]
    moment = datetime.fromisoformat(now) if now else None
    return rollups_update(conversation_ids=conversation_ids, new_keys=keys, now=moment)


def schedules_ensure() -> None:
    """The periodic jobs, created once (called after migrate)."""
    Schedule.objects.update_or_create(
        name="informes-resumenes",
        defaults={
            "func": "agora.reports.tasks.rollups_refresh",
            "schedule_type": Schedule.HOURLY,
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
