"""Reads of the language module that other parts show: how many citizen messages are still
waiting for a classification (the rector's dashboard and the metrics)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from agora.inbox.models import Direction, Message

# Younger messages may still be in their ingestion's classification task.
UNCLASSIFIED_AFTER = timedelta(minutes=5)


def messages_unclassified(
    *, older_than: timedelta, now: datetime | None = None
) -> QuerySet[Message]:
    """The citizen messages received more than ``older_than`` ago without scores: never
    classified (no model, a lost task), classified before messages kept their scores, or
    corrected by a person before any model read them. What the sweep
    (``services.messages_unclassified_sweep``) works through; the partial index
    ``inbox_msg_unscored`` keeps it cheap once the backlog is gone."""
    cutoff = (now or timezone.now()) - older_than
    return Message.objects.filter(
        direction=Direction.ENTRANTE, scores__isnull=True, received_at__lte=cutoff
    )


def unclassified_count(
    older_than: timedelta = UNCLASSIFIED_AFTER, *, now: datetime | None = None
) -> int:
    """How many citizen messages received more than ``older_than`` ago (five minutes by
    default) still wait for a classification or for their scores: 0 when the five-minute
    sweep keeps up. Not scoped to a person: a figure of the whole installation, for the
    rector's dashboard and the metrics."""
    return messages_unclassified(older_than=older_than, now=now).count()
