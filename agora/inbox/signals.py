"""Signals the inbox sends to the modules that read it (language, reports).

``messages_ingested`` is sent inside the ingestion transaction, once per batch, with
``result`` (an ``IngestResult``: ``new_keys``, ``edited_ids``, ``conversation_ids``,
``message_ids()``), ``is_demo`` and ``now``. A receiver that does slow work should defer it
with ``transaction.on_commit`` and a queued task; an exception in a receiver rolls the batch
back, so receivers must not fail on bad data.

``answer_confirmed`` is sent inside the transaction that records a platform's confirmation
of an answer written in Ágora (the moment it starts to count as a response), with
``conversation_ids`` and ``now``.
"""

from __future__ import annotations

from django.dispatch import Signal

messages_ingested = Signal()
answer_confirmed = Signal()
