"""Ingestion, by part: the events connectors hand over (``events``), their conversations
(``conversations``), their messages (``messages``) and the batch that stores them
(``batch``: ``messages_ingest``). Every public name is re-exported here; patch a name in
the module that owns it (``agora.inbox.ingest.batch._insert_messages``)."""

from __future__ import annotations

from agora.inbox.ingest.batch import (
    message_ingest,
    messages_ingest,
)
from agora.inbox.ingest.conversations import (
    CONVERSATIONS_INSERT_CHUNK,
    THREADS_CHUNK,
    URL_MAX,
    posts_store,
)
from agora.inbox.ingest.events import (
    MAX_TEXT,
    IncomingMessage,
    IncomingPost,
    IngestResult,
    RefusedEvent,
    incoming_problem,
)
from agora.inbox.ingest.messages import (
    _INSERT_COLUMNS,
    INSERT_CHUNK,
    QUARANTINE_WINDOW,
    quarantine_store,
)

__all__ = [
    "CONVERSATIONS_INSERT_CHUNK",
    "INSERT_CHUNK",
    "MAX_TEXT",
    "QUARANTINE_WINDOW",
    "THREADS_CHUNK",
    "URL_MAX",
    "_INSERT_COLUMNS",
    "IncomingMessage",
    "IncomingPost",
    "IngestResult",
    "RefusedEvent",
    "incoming_problem",
    "message_ingest",
    "messages_ingest",
    "posts_store",
    "quarantine_store",
]
