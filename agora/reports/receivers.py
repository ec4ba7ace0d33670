"""Keeps the rollups current: the ``cifras`` step of agora/inbox/pipeline.py and the receiver
of ``answer_confirmed``, both registered in ``ReportsConfig.ready``.

Small batches (a webhook, a few events) update the rollups at once, inside the ingestion
transaction, so the public scoreboard changes with them — on the embedded set-up (SQLite,
which writes one transaction at a time anyway). Large ones (file imports, polling backfills),
and every batch when ``AGORA_ROLLUPS_BY_WORKER`` is on (the default on PostgreSQL), are
recorded in the ingestion's own transaction as an outbox row (``agora.core.outbox``) that a
worker runs after the commit: the rows of many webhooks are counted together, so the busy
(entity, day) row is written by one worker at a time instead of inside every webhook's
transaction, and a task lost with a worker is run again by the sweeper. The task is idempotent:
facts are recomputed from the stored conversations and the day's received count is counted
again from the messages, so running it twice, or after a newer batch, leaves the rollups equal
to a rebuild.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings

from agora.core.outbox import enqueue_on_commit
from agora.reports.rollups import rollups_update

log = logging.getLogger(__name__)


def _changed(result: Any) -> bool:
    return bool(result.conversation_ids or result.new_keys)


def rollups_now(result: Any, now: datetime) -> None:
    """The ``cifras`` step of agora/inbox/pipeline.py, at once."""
    if _changed(result):
        rollups_update(conversation_ids=result.conversation_ids, new_keys=result.new_keys, now=now)


def rollups_later(result: Any, now: datetime) -> None:
    """The ``cifras`` step, by a worker after the commit."""
    if _changed(result):
        enqueue_rollups(
            sorted(result.conversation_ids),
            list(result.new_keys),
            now.isoformat() if now else None,
        )


def by_worker() -> bool:
    return bool(getattr(settings, "AGORA_ROLLUPS_BY_WORKER", False))


def enqueue_rollups(
    conversation_ids: list[int], new_keys: list[tuple[str, str]], now: str | None = None
) -> None:
    """Records the rollup update in the current transaction (run by a worker after it)."""
    enqueue_on_commit(
        "agora.reports.tasks.rollups_pending", conversation_ids, [list(k) for k in new_keys], now
    )


def on_answer_confirmed(
    sender: Any, *, conversation_ids: Iterable[int], now: datetime, **kwargs: Any
) -> None:
    if by_worker():
        enqueue_rollups(sorted(conversation_ids), [], now.isoformat() if now else None)
        return
    rollups_update(conversation_ids=conversation_ids, now=now)
