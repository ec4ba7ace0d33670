"""Background jobs of publishing (django-q2): every minute, approved posts are scheduled and
those whose time has come are published (agora/publishing/publishing.py)."""

from __future__ import annotations

from django_q.models import Schedule

from agora.publishing import publishing

SCHEDULE_NAME = "publicaciones-programadas"


def publish_due() -> dict[str, int]:
    """Periodic: schedules approved posts and publishes those due, at most once each."""
    return publishing.posts_publish_due()


def schedules_ensure() -> None:
    """The periodic job, created once (after migrate); idempotent."""
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "agora.publishing.tasks.publish_due",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
    )
