"""Background jobs of the language module (django-q2)."""

from __future__ import annotations

from agora.language import services


def classify_ingested(conversation_ids: list[int], edited_ids: list[int]) -> int:
    """Classifies what a large ingestion batch brought (and moderates it)."""
    return services.messages_classify_conversations(
        conversation_ids=conversation_ids, reclassify_ids=edited_ids
    )
