"""The sweep of citizen messages left without a classification or without scores: stored before
messages kept scores, left behind by a lost task or a missing model, corrected before any model
read them. Oldest first, in chunks, never the freshest ones, skipping what was classified
meanwhile; scheduled every five minutes and run to the end by ``classify_backfill``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Direction, Message, ThreatAlert
from agora.inbox.services import messages_ingest
from agora.language import model as classifier
from agora.language import selectors, services, tasks
from tests.language.fake_model import FakeModel, account_for, event, ingest_one, remove


@dataclass
class ScoringModel(FakeModel):
    """The fake model, with scores like the real one's."""

    def classify_texts(self, texts: Sequence[str]) -> list[classifier.Result]:
        results = super().classify_texts(texts)
        for result in results:
            result.scores.update(
                {result.kind: 0.9, "otro" if result.kind != "otro" else "queja": 0.1}
            )
            result.scores.update({"amenaza": 0.9 if "amenaza" in result.flags else 0.01})
        return results


def install_scoring(monkeypatch: pytest.MonkeyPatch, version: str = "fake-2") -> ScoringModel:
    model = ScoringModel(version=version)
    monkeypatch.setattr(classifier, "load", lambda version=None: model)
    return model


@pytest.fixture
def facebook(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


def later(minutes: int = 60) -> Any:
    """A moment after the messages of the test arrived (they are that much older then)."""
    return timezone.now() + timedelta(minutes=minutes)


@pytest.mark.django_db
def test_the_sweep_classifies_unclassified_and_unscored_messages_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount, manager: User
) -> None:
    remove(monkeypatch)  # messages arrive while no model can be loaded
    never = ingest_one(facebook, "te voy a matar")
    old_model = ingest_one(facebook, "¿Hay citas mañana?")
    same_model = ingest_one(facebook, "No hay agua desde ayer")
    corrected = ingest_one(facebook, "Gracias por nada")
    answer = event(facebook, "Respuesta oficial", author=facebook.platform_id)
    messages_ingest(batch=[answer])
    # Classified before messages kept scores: by an older model, and by the current one.
    Message.objects.filter(pk=old_model.pk).update(kind="queja", model_version="fake-0")
    Message.objects.filter(pk=same_model.pk).update(kind="queja", model_version="fake-2")
    install_scoring(monkeypatch)
    services.message_correct(actor=manager, message=corrected, kind="queja", flags=[])
    assert selectors.unclassified_count(timedelta(minutes=10), now=later()) == 4

    assert services.messages_unclassified_sweep(now=later()) == 4

    never.refresh_from_db()
    assert (never.kind, never.flags, never.model_version) == ("otro", ["amenaza"], "fake-2")
    assert never.scores and never.certainty is not None
    assert ThreatAlert.objects.filter(message=never).count() == 1  # moderated like ingestion
    old_model.refresh_from_db()
    assert (old_model.kind, old_model.model_version) == ("consulta", "fake-2")
    same_model.refresh_from_db()
    assert same_model.scores == {"queja": 0.9, "otro": 0.1, "amenaza": 0.01}
    corrected.refresh_from_db()  # a person's reading stays; the model's scores are kept beside
    assert (corrected.kind, corrected.flags, corrected.model_version) == ("queja", [], "manual")
    assert corrected.scores is not None and corrected.certainty is None
    assert Message.objects.get(platform_message_id=answer.message_id).scores is None
    # Idempotent: nothing left, nothing done twice.
    assert services.messages_unclassified_sweep(now=later()) == 0
    assert selectors.unclassified_count(timedelta(minutes=10), now=later()) == 0
    assert ThreatAlert.objects.filter(message=never).count() == 1


@pytest.mark.django_db
def test_the_sweep_leaves_the_freshest_messages_to_ingestion(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    message = ingest_one(facebook, "¿Dónde me vacuno?")
    install_scoring(monkeypatch)
    assert selectors.unclassified_count(timedelta(minutes=10)) == 0
    assert services.messages_unclassified_sweep() == 0  # received seconds ago
    assert selectors.unclassified_count(timedelta(0), now=later(1)) == 1
    assert services.messages_unclassified_sweep(older_than=timedelta(0), now=later(1)) == 1
    message.refresh_from_db()
    assert message.kind == "consulta"


@pytest.mark.django_db
def test_the_sweep_works_in_chunks_up_to_its_limit_oldest_first(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    pending = [ingest_one(facebook, f"¿Hay citas el día {n}?") for n in range(5)]
    model = install_scoring(monkeypatch)
    monkeypatch.setattr(services, "CHUNK", 2)
    assert services.messages_unclassified_sweep(limit=3, now=later()) == 3
    assert model.seen == [m.text for m in pending[:3]]
    assert selectors.unclassified_count(timedelta(minutes=10), now=later()) == 2
    assert services.messages_unclassified_sweep(limit=None, now=later()) == 2
    assert model.seen == [m.text for m in pending]


@pytest.mark.django_db
def test_a_message_classified_meanwhile_is_skipped(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    """Two sweeps at once: between reading the ids and classifying them, another worker
    classified one of them; it is not classified (nor moderated) again."""
    remove(monkeypatch)
    first = ingest_one(facebook, "te voy a matar")
    second = ingest_one(facebook, "voy a quemar todo")
    model = install_scoring(monkeypatch)
    original = services.messages_classify

    def racing(**kwargs: Any) -> int:
        original(message_ids=[first.pk])  # the other worker
        return original(**kwargs)

    monkeypatch.setattr(services, "messages_classify", racing)
    assert services.messages_unclassified_sweep(now=later()) == 1
    assert model.seen == [first.text, second.text]  # each read once
    assert ThreatAlert.objects.filter(message=first).count() == 1


@pytest.mark.django_db
def test_without_a_model_the_sweep_does_nothing(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    ingest_one(facebook, "hola")
    assert services.messages_unclassified_sweep(now=later()) == 0
    assert selectors.unclassified_count(timedelta(minutes=10), now=later()) == 1


@pytest.mark.django_db
def test_unclassified_count_counts_only_citizen_messages_older_than_asked(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    ingest_one(facebook, "uno")
    ingest_one(facebook, "dos")
    messages_ingest(batch=[event(facebook, "Respuesta", author=facebook.platform_id)])
    assert Message.objects.filter(direction=Direction.SALIENTE).exists()
    assert selectors.unclassified_count(timedelta(minutes=10)) == 0
    assert selectors.unclassified_count(timedelta(minutes=10), now=later()) == 2
    assert selectors.unclassified_count(timedelta(hours=2), now=later()) == 0


@pytest.mark.django_db
def test_the_sweep_is_scheduled_every_five_minutes_instead_of_the_hourly_catch_up() -> None:
    from django_q.models import Schedule

    Schedule.objects.create(
        name="lenguaje-pendientes",
        func="agora.language.tasks.classify_pending",
        schedule_type=Schedule.HOURLY,
    )
    tasks.schedules_ensure()
    tasks.schedules_ensure()  # idempotent
    schedule = Schedule.objects.get(name="lenguaje-sin-clasificar")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "agora.language.tasks.classify_unclassified",
        Schedule.MINUTES,
        5,
    )
    assert not Schedule.objects.filter(name="lenguaje-pendientes").exists()


@pytest.mark.django_db
def test_classify_backfill_runs_the_sweep_to_the_end_in_spanish(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    for n in range(5):
        ingest_one(facebook, f"¿Hay citas el día {n}?")
    Message.objects.update(received_at=timezone.now() - timedelta(hours=1))
    install_scoring(monkeypatch)
    out = StringIO()
    call_command("classify_backfill", "--lote", "2", stdout=out)
    text = out.getvalue()
    assert "Mensajes por clasificar: 5." in text
    assert "Listo: 5 mensajes clasificados; quedan 0." in text
    assert not Message.objects.filter(direction=Direction.ENTRANTE, scores__isnull=True).exists()
    out = StringIO()
    call_command("classify_backfill", stdout=out)
    assert "No hay mensajes ciudadanos sin clasificar" in out.getvalue()


@pytest.mark.django_db
def test_classify_backfill_without_a_model_says_so(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    ingest_one(facebook, "hola")
    Message.objects.update(received_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(CommandError, match="No hay un modelo entrenado"):
        call_command("classify_backfill")
    with pytest.raises(CommandError, match="negativa"):
        call_command("classify_backfill", "--antiguedad", "-1")


@pytest.mark.django_db
def test_classify_backfill_stops_when_nothing_moves(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    """A model that gives no scores leaves the messages without them: the command stops
    instead of going round for ever, and says how many are left."""
    from tests.language.fake_model import install

    remove(monkeypatch)
    for n in range(3):
        ingest_one(facebook, f"mensaje {n}")
    Message.objects.update(received_at=timezone.now() - timedelta(hours=1))
    install(monkeypatch)  # classifies, with empty scores
    out = StringIO()
    call_command("classify_backfill", "--lote", "1", stdout=out)
    assert "quedan 3." in out.getvalue()
    assert "queja" in set(Message.objects.values_list("kind", flat=True))
