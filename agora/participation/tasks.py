"""Background jobs of participation (django-q2): convocations, term-end reminders, overdue
agreements, and announcements to subscribers. Each job calls a service."""

from __future__ import annotations

from django_q.models import Schedule

from agora.participation import services


def convocations_send() -> int:
    return services.convocations_send()


def term_reminders_send() -> int:
    return services.term_reminders_send()


def agreements_overdue_remind() -> int:
    return services.agreements_overdue_remind()


def opportunities_announce() -> int:
    return services.opportunities_announce()


def schedules_ensure() -> None:
    """The periodic jobs, created once (called after migrate)."""
    jobs = {
        "participacion-convocatorias": ("convocations_send", Schedule.HOURLY),
        "participacion-mandatos": ("term_reminders_send", Schedule.DAILY),
        "participacion-acuerdos-vencidos": ("agreements_overdue_remind", Schedule.DAILY),
        "participacion-oportunidades": ("opportunities_announce", Schedule.DAILY),
    }
    for name, (func, kind) in jobs.items():
        Schedule.objects.update_or_create(
            name=name,
            defaults={"func": f"agora.participation.tasks.{func}", "schedule_type": kind},
        )
