"""What the inbox itself does after messages arrive (the ``prioridad`` step of
agora/inbox/pipeline.py) or an answer is confirmed: the priority rules (agora/inbox/priority.py)
run again on the conversations whose inputs changed, and on the author's other open
conversations (the repeated-citizen rule). Inside the sender's transaction, in bulk; a failure
here is logged and never loses the batch (a savepoint)."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


def _refresh(ids_in: set[int], now: datetime | None, decided: Collection[int] = ()) -> None:
    conversation_ids = ids_in
    if not conversation_ids:
        return
    from agora.inbox import priority

    try:
        with transaction.atomic():
            priority.priorities_refresh_with_authors(
                conversation_ids=conversation_ids, now=now, decided=decided
            )
    except Exception:
        log.exception("No se pudo recalcular la prioridad de %s conversaciones", len(ids_in))


def priority_step(result: Any, now: datetime) -> None:
    """The ``prioridad`` step of agora/inbox/pipeline.py (inside its savepoint). The
    conversations the batch created were written with the rules' priority."""
    from agora.inbox import priority

    if result.conversation_ids:
        priority.priorities_refresh_with_authors(
            conversation_ids=set(result.conversation_ids),
            now=now,
            decided=result.conversations_decided,
        )


def on_answer_confirmed(
    sender: Any, *, conversation_ids: Any, now: datetime | None = None, **kwargs: Any
) -> None:
    _refresh(set(conversation_ids), now)
