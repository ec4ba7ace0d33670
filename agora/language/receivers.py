"""Every citizen message is classified as it arrives: the ``lectura`` step of
agora/inbox/pipeline.py, registered in ``LanguageConfig.ready``.

A small batch (a webhook, a few events) is classified at once, inside the ingestion
transaction, so that a threat alert goes out with the message. A large one (file imports,
polling backfills) is recorded in the batch's own transaction as an outbox row that a worker
runs after the commit (``agora.core.outbox``): ingestion keeps its pace, and a task lost with a
worker runs again. Which is which is the pipeline's one rule (``pipeline.runs_now``).
Classifying twice gives the same result. Edited messages are classified again (except those a
person corrected). Nothing here may fail the ingestion: the pipeline runs the step in a
savepoint and logs any error; with no trained model the messages stay unclassified.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agora.core.outbox import enqueue_on_commit


def classify_now(result: Any, now: datetime) -> None:
    if not (result.new_keys or result.edited_ids):
        return
    from agora.language import services

    services.messages_classify(
        message_ids=result.message_ids(), reclassify_ids=result.edited_ids, now=now
    )


def classify_later(result: Any, now: datetime) -> None:
    if not (result.new_keys or result.edited_ids):
        return
    enqueue_classification(sorted(result.conversation_ids), list(result.edited_ids))


def enqueue_classification(conversation_ids: list[int], edited_ids: list[int]) -> None:
    """Records the classification in the current transaction (run by a worker after it)."""
    enqueue_on_commit("agora.language.tasks.classify_ingested", conversation_ids, edited_ids)
