"""Queueing an answer's send (the task ``agora.inbox.tasks.send_message``), by its dotted path:
the services that write an answer queue it without importing the task module, which imports
them (no import cycle). A send queued and lost with its worker is found again by the sweep of
unsent answers (``inbox_msg_unsent``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task, schedule

SEND_TASK = "agora.inbox.tasks.send_message"


def enqueue_send(message_id: int, delay_seconds: int = 0) -> None:
    if delay_seconds:
        schedule(
            SEND_TASK,
            message_id,
            schedule_type=Schedule.ONCE,
            next_run=timezone.now() + timedelta(seconds=delay_seconds),
            name=f"reintento-envio-{message_id}-{timezone.now().timestamp():.0f}",
        )
    else:
        async_task(SEND_TASK, message_id)
