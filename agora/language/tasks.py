"""Background jobs of the language module (django-q2)."""

from __future__ import annotations

from agora.language import services


def classify_ingested(conversation_ids: list[int], edited_ids: list[int]) -> int:
    """Classifies what a large ingestion batch brought (and moderates it)."""
    return services.messages_classify_conversations(
        conversation_ids=conversation_ids, reclassify_ids=edited_ids
    )


def classify_pending() -> int:
    """Hourly: the citizen messages still without a classification."""
    return services.messages_classify_pending()


def schedules_ensure() -> None:
    """The periodic jobs, created once (called after migrate)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name="lenguaje-pendientes",
        defaults={
            "func": "agora.language.tasks.classify_pending",
            "schedule_type": Schedule.HOURLY,
        },
    )
