"""Reads of the language module that other parts show (the rector's dashboard, metrics)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from agora.inbox.models import Direction, Message

# Younger messages may still be in their ingestion's classification task.
UNCLASSIFIED_AFTER = timedelta(minutes=5)


def unclassified_count(*, now: datetime | None = None) -> int:
    """Citizen messages received more than five minutes ago that no model has classified
    (their task was lost, or no model could be loaded): the hourly ``classify_pending``
    classifies them."""
    now = now or timezone.now()
    return Message.objects.filter(
        direction=Direction.ENTRANTE, kind="", received_at__lte=now - UNCLASSIFIED_AFTER
    ).count()
