"""Signals the inbox sends to the modules that read it (language, reports).

``messages_ingested`` is sent inside the ingestion transaction, once per batch, with
``result`` (an ``IngestResult``: ``new_keys``, ``edited_ids``, ``conversation_ids``,
``message_ids()``), ``is_demo`` and ``now``. A receiver that does slow work should defer it
with ``transaction.on_commit`` and a queued task; an exception in a receiver rolls the batch
back, so receivers must not fail on bad data.
"""

from __future__ import annotations

from django.dispatch import Signal

messages_ingested = Signal()
