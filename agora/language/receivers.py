"""Every citizen message is classified as it arrives.

Small batches (a webhook, a few events) are classified at once, inside the ingestion
transaction, so that a threat alert goes out with the message. Large ones (file imports,
polling backfills) are recorded in the batch's own transaction as an outbox row that a worker
runs after the commit (``agora.core.outbox``): ingestion keeps its pace, and a task lost with a
worker runs again. Classifying twice gives the same result. Edited messages are
classified again (except those a person corrected). Nothing here may fail the ingestion: with
no trained model, or on any error, the messages stay unclassified and the error is logged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from agora.core.outbox import enqueue_on_commit
from agora.inbox.signals import messages_ingested

log = logging.getLogger(__name__)

# At most this many new or edited messages in a batch are classified synchronously.
SYNC_LIMIT = 200


@receiver(messages_ingested, dispatch_uid="language.classify_on_ingestion")
def classify_on_ingestion(
    sender: Any, result: Any, is_demo: bool = False, now: datetime | None = None, **kwargs: Any
) -> None:
    count = len(result.new_keys) + len(result.edited_ids)
    if not count:
        return
    try:
        if count <= SYNC_LIMIT:
            from agora.language import services

            # A savepoint: whatever goes wrong here, the batch itself is kept.
            with transaction.atomic():
                services.messages_classify(
                    message_ids=result.message_ids(), reclassify_ids=result.edited_ids, now=now
                )
        else:
            enqueue_classification(sorted(result.conversation_ids), list(result.edited_ids))
    except Exception:
        log.exception("No se pudo clasificar un lote de %s mensajes al ingresar", count)


def enqueue_classification(conversation_ids: list[int], edited_ids: list[int]) -> None:
    """Records the classification in the current transaction (run by a worker after it)."""
    enqueue_on_commit("agora.language.tasks.classify_ingested", conversation_ids, edited_ids)
