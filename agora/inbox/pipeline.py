"""What happens after a batch of messages is stored (``services.messages_ingest``): the steps,
by name, in the order they run (docs/arquitectura.md, "El recorrido de un mensaje que llega").

1. ``prioridad`` (inbox, agora/inbox/receivers.py): the priority rules again on the batch's
   conversations and on their authors' other open conversations (repeated citizen);
2. ``lectura`` (language, agora/language/receivers.py): kind and flags of each new or edited
   citizen message, and the moderation that follows (hiding, threat alerts);
3. ``vigilancia`` (language, agora/language/watch_receivers.py): the watch-lists;
4. ``cifras`` (reports, agora/reports/receivers.py): the rollups behind the public scoreboard.

Apps above the inbox register their steps at start-up (``AppConfig.ready``); the inbox does
not import them. Every step runs inside the ingestion transaction in its own savepoint: a step
that fails is logged and rolled back alone, never the batch.

**One rule for now or after the commit.** A batch with at most ``NOW_LIMIT`` new or edited
messages and at most ``NOW_LIMIT`` changed conversations (a webhook, a poll) runs every step
now, so a threat alert or a scoreboard change goes out with the message. A larger batch (a file
import, a backfill) has each step that can wait record its task in the same transaction
(``agora.core.outbox``), run by a worker after the commit and again by the sweeper if the
worker dies. A step may ask to always wait (the rollups on PostgreSQL,
``AGORA_ROLLUPS_BY_WORKER``: one worker writes the busy (entity, day) row instead of every
webhook); a step without a deferred form (the priority rules, in bulk) always runs now."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from agora.inbox.services import IngestResult

log = logging.getLogger(__name__)

# The steps, in the order they run.
STEPS = ("prioridad", "lectura", "vigilancia", "cifras")
# At most this many new or edited messages, and changed conversations, run every step now.
NOW_LIMIT = 200

StepRun = Callable[["IngestResult", datetime], None]


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Step:
    name: str
    # Runs inside the ingestion transaction.
    now: StepRun
    # Records the step's task in the transaction, for a worker after it; None: always now.
    later: StepRun | None = None
    # True: always later (when ``later`` exists), whatever the batch's size.
    always_later: Callable[[], bool] = _never


_REGISTERED: dict[str, Step] = {}


def step_register(step: Step) -> None:
    if step.name not in STEPS:
        raise ValueError(f"paso desconocido: {step.name} (pasos: {', '.join(STEPS)})")
    _REGISTERED[step.name] = step


def step_remove(name: str) -> Step | None:
    """Takes a step out (a benchmark measures ingestion without it); returns it, to put back
    with ``step_register``."""
    return _REGISTERED.pop(name, None)


def steps() -> list[Step]:
    """The registered steps, in order."""
    return [_REGISTERED[name] for name in STEPS if name in _REGISTERED]


def runs_now(result: IngestResult) -> bool:
    """The one rule: a small batch runs its steps now, a large one after the commit."""
    changed = len(result.new_keys) + len(result.edited_ids)
    return changed <= NOW_LIMIT and len(result.conversation_ids) <= NOW_LIMIT


def after_ingest(result: IngestResult, *, now: datetime) -> None:
    """Runs the steps after ``result``'s batch was stored, in order (see the module)."""
    if not (result.new_keys or result.edited_ids or result.conversation_ids):
        return
    small = runs_now(result)
    for step in steps():
        deferred = step.later is not None and (not small or step.always_later())
        try:
            with transaction.atomic():  # a savepoint: the batch survives a failing step
                if deferred:
                    step.later(result, now)  # type: ignore[misc]
                else:
                    step.now(result, now)
        except Exception:
            log.exception(
                "Falló el paso «%s» después de guardar un lote de %s mensajes",
                step.name,
                len(result.new_keys) + len(result.edited_ids),
            )
