"""Background jobs of the language module (django-q2)."""

from __future__ import annotations

from agora.language import services


def classify_ingested(conversation_ids: list[int], edited_ids: list[int]) -> int:
    """Classifies what a large ingestion batch brought (and moderates it)."""
    return services.messages_classify_conversations(
        conversation_ids=conversation_ids, reclassify_ids=edited_ids
    )


def classify_pending() -> int:
    """The citizen messages still without a classification (after a training)."""
    return services.messages_classify_pending()


# How often the sweep of unclassified or unscored messages runs.
SWEEP_MINUTES = 5
SWEEP_SCHEDULE = "lenguaje-sin-clasificar"


def classify_unclassified() -> int:
    """Every five minutes: the citizen messages left without a classification or without
    scores (a lost task, no model at the time, stored before scores existed), at most
    ``services.SWEEP_LIMIT`` per run."""
    return services.messages_unclassified_sweep()


# New human labels (staff corrections and queue readings of real messages) since the latest
# training (accepted or not) that make the daily job train a candidate (the gate decides).
RETRAIN_MIN_NEW_LABELS = 100


def retrain_when_labelled() -> str:
    """Daily: trains a candidate when enough new labels exist; the gate decides whether it
    becomes current. Returns the new version, or "" when there was nothing to do."""
    from agora.language.models import Correction, ModelVersion, QueueLabel

    latest = ModelVersion.objects.order_by("-trained_at").first()
    since = {"at__gt": latest.trained_at} if latest is not None else {}
    new = (
        Correction.objects.filter(message__is_demo=False, **since).count()
        + QueueLabel.objects.filter(is_demo=False, **since).count()
    )
    if new < RETRAIN_MIN_NEW_LABELS:
        return ""
    version = services.model_train()
    if version.is_current:
        services.messages_classify_pending()
    return version.version


def schedules_ensure() -> None:
    """The periodic jobs, created once (called after migrate)."""
    from django_q.models import Schedule

    # The hourly catch-up of unclassified messages became the five-minute sweep, which
    # also gives scores to the messages that have none.
    Schedule.objects.filter(name="lenguaje-pendientes").delete()
    Schedule.objects.update_or_create(
        name=SWEEP_SCHEDULE,
        defaults={
            "func": "agora.language.tasks.classify_unclassified",
            "schedule_type": Schedule.MINUTES,
            "minutes": SWEEP_MINUTES,
        },
    )
    Schedule.objects.update_or_create(
        name="lenguaje-reentrenar",
        defaults={
            "func": "agora.language.tasks.retrain_when_labelled",
            "schedule_type": Schedule.DAILY,
        },
    )
