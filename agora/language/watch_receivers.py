"""Watch-list matching on ingestion: listens to the inbox's ``messages_ingested`` signal.

Small batches (a webhook, a poll) are matched at once inside the ingestion transaction, so the
alert is there when the message is; large ones (a file import) are matched by a background job
after the batch commits. A failure here never rolls back the ingestion.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from agora.core.outbox import enqueue_on_commit
from agora.inbox.signals import messages_ingested
from agora.language import watchlists
from agora.language.models import WatchList

log = logging.getLogger(__name__)

# Above this many new or edited messages the matching is deferred to a background job.
DEFER_AFTER = 500


def _defer(message_ids: list[int], now: datetime) -> None:
    """Recorded in the batch's transaction, run by a worker after it (``agora.core.outbox``)."""
    enqueue_on_commit("agora.language.watchlists.messages_watch_task", message_ids, now.isoformat())


@receiver(messages_ingested, dispatch_uid="language.watchlists")
def watch_ingested(
    sender: Any, *, result: Any, is_demo: bool, now: datetime, **kwargs: Any
) -> None:
    if not result.new_keys and not result.edited_ids:
        return
    try:
        if not WatchList.objects.filter(is_active=True).exists():
            return
        ids = result.message_ids()
        if len(ids) > DEFER_AFTER:
            _defer(ids, now)
            return
        with transaction.atomic():  # a savepoint: a failure leaves the batch intact
            watchlists.messages_watch(message_ids=ids, now=now)
    except Exception:
        log.exception("No se pudo cotejar el lote con las listas de vigilancia")
