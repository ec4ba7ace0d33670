"""Keeps the rollups current: connected in ``ReportsConfig.ready`` to the inbox's signals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agora.reports.rollups import rollups_update


def on_messages_ingested(sender: Any, *, result: Any, now: datetime, **kwargs: Any) -> None:
    """Runs inside the ingestion transaction: the scoreboard changes with the batch."""
    if not result.conversation_ids and not result.new_keys:
        return
    rollups_update(conversation_ids=result.conversation_ids, new_keys=result.new_keys, now=now)


def on_answer_confirmed(
    sender: Any, *, conversation_ids: Iterable[int], now: datetime, **kwargs: Any
) -> None:
    rollups_update(conversation_ids=conversation_ids, now=now)
