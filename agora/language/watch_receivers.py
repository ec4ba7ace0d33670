"""Watch-list matching on ingestion: the ``vigilancia`` step of agora/inbox/pipeline.py,
registered in ``LanguageConfig.ready``.

Small batches (a webhook, a poll) are matched at once inside the ingestion transaction, so the
alert is there when the message is; large ones (a file import) are matched by a background job
after the batch commits (the pipeline's one rule). A failure here never rolls back the
ingestion (the pipeline runs the step in a savepoint).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agora.core.outbox import enqueue_on_commit
from agora.language import watchlists
from agora.language.models import WatchList


def _defer(message_ids: list[int], now: datetime) -> None:
    """Recorded in the batch's transaction, run by a worker after it (``agora.core.outbox``)."""
    enqueue_on_commit("agora.language.watchlists.messages_watch_task", message_ids, now.isoformat())


def _wanted(result: Any) -> bool:
    if not result.new_keys and not result.edited_ids:
        return False
    return WatchList.objects.filter(is_active=True).exists()


def watch_now(result: Any, now: datetime) -> None:
    if _wanted(result):
        watchlists.messages_watch(message_ids=result.message_ids(), now=now)


def watch_later(result: Any, now: datetime) -> None:
    if _wanted(result):
        _defer(result.message_ids(), now)
