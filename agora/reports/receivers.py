"""Keeps the rollups current: connected in ``ReportsConfig.ready`` to the inbox's signals.

Small batches (a webhook, a few events) update the rollups at once, inside the ingestion
transaction, so the public scoreboard changes with them. Large ones (file imports, polling
backfills) are queued after the commit (django-q2): ingestion keeps its pace, and the task
adds the same difference later (facts are recomputed from the stored conversations, so a task
that runs after a newer small batch still leaves the rollups equal to a rebuild).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from agora.reports.rollups import rollups_update

log = logging.getLogger(__name__)

# Batches with at most this many new messages (and changed conversations) are counted at once.
SYNC_LIMIT = 200


def on_messages_ingested(sender: Any, *, result: Any, now: datetime, **kwargs: Any) -> None:
    if not result.conversation_ids and not result.new_keys:
        return
    if len(result.new_keys) <= SYNC_LIMIT and len(result.conversation_ids) <= SYNC_LIMIT:
        rollups_update(conversation_ids=result.conversation_ids, new_keys=result.new_keys, now=now)
        return
    conversation_ids = sorted(result.conversation_ids)
    new_keys = list(result.new_keys)
    moment = now.isoformat() if now else None
    transaction.on_commit(lambda: enqueue_rollups(conversation_ids, new_keys, moment))


def enqueue_rollups(
    conversation_ids: list[int], new_keys: list[tuple[str, str]], now: str | None = None
) -> None:
    from django_q.tasks import async_task

    try:
        async_task(
            "agora.reports.tasks.rollups_ingested",
            conversation_ids,
            new_keys,
            now,
            task_name=f"resumenes-{len(conversation_ids)}-conversaciones",
        )
    except Exception:
        log.exception(
            "No se pudo encolar la actualización de resúmenes de %s conversaciones",
            len(conversation_ids),
        )


def on_answer_confirmed(
    sender: Any, *, conversation_ids: Iterable[int], now: datetime, **kwargs: Any
) -> None:
    rollups_update(conversation_ids=conversation_ids, now=now)
