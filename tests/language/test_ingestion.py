"""Every citizen message is classified as it arrives: small batches at once (inside the
ingestion transaction), large ones through a queued task; edits are classified again, corrected
messages never; and a missing model or a failing classifier never loses a message."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import pipeline
from agora.inbox.models import Conversation, Direction, Message, ThreatAlert
from agora.inbox.services import messages_ingest
from agora.language import receivers, services, tasks
from tests.language.fake_model import account_for, event, ingest_one, install, remove


@pytest.fixture
def facebook(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


@pytest.mark.django_db
def test_a_webhook_sized_batch_is_classified_at_once(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    install(monkeypatch)
    message = ingest_one(facebook, "¿Dónde me vacuno contra la influenza?")
    assert message.kind == "consulta"
    assert message.flags == []
    assert message.model_version == "fake-1"
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.kind == "consulta"


@pytest.mark.django_db
def test_the_entitys_own_messages_are_not_classified(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    fake = install(monkeypatch)
    ev = event(facebook, "Respuesta oficial, idiota no", author=facebook.platform_id)
    messages_ingest(batch=[ev])
    message = Message.objects.get(platform_message_id=ev.message_id)
    assert message.direction == Direction.SALIENTE
    assert message.kind == ""
    assert fake.seen == []


@pytest.mark.django_db(transaction=True)
def test_a_large_batch_is_queued_after_commit_and_the_task_classifies_it(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    fake = install(monkeypatch)
    queued: list[tuple[list[int], list[int]]] = []
    monkeypatch.setattr(
        receivers,
        "enqueue_classification",
        lambda conversation_ids, edited_ids: queued.append((conversation_ids, edited_ids)),
    )
    batch = [
        event(
            facebook,
            f"Comentario {i} idiota" if i % 50 == 0 else f"¿Pregunta {i}?",
            thread=f"p-{i % 7}",
        )
        for i in range(pipeline.NOW_LIMIT + 1)
    ]
    messages_ingest(batch=batch)
    # Nothing classified inside the ingestion; one task queued once the batch committed.
    assert fake.seen == []
    assert Message.objects.exclude(kind="").count() == 0
    assert len(queued) == 1
    conversation_ids, edited_ids = queued[0]
    assert len(conversation_ids) == 7
    assert edited_ids == []
    assert tasks.classify_ingested(conversation_ids, edited_ids) == len(batch)
    assert Message.objects.filter(kind="").count() == 0
    insults = Message.objects.filter(flags__icontains='"insulto"')
    assert insults.count() == 5
    assert all(m.hidden_at is not None for m in insults)  # the default policy hides them


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_batch_queues_nothing(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    from agora.core import outbox
    from agora.core.models import OutboxTask

    install(monkeypatch)
    handed: list[int] = []
    monkeypatch.setattr(outbox, "dispatch", handed.append)
    batch = [event(facebook, f"texto {i}") for i in range(pipeline.NOW_LIMIT + 5)]

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        messages_ingest(batch=batch)
        assert OutboxTask.objects.filter(func="agora.language.tasks.classify_ingested").exists()
        raise Boom
    # The task's row went with the batch: nothing to run, nothing handed to the queue.
    assert handed == []
    assert not OutboxTask.objects.exists()
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_an_edit_is_classified_again_and_a_replay_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    fake = install(monkeypatch)
    first = event(facebook, "¿A qué hora abren?", message_id="c-1")
    messages_ingest(batch=[first])
    messages_ingest(batch=[first])  # replay
    assert fake.seen == ["¿A qué hora abren?"]
    edited = event(facebook, "son unas ratas, idiota", message_id="c-1", verb="edit")
    messages_ingest(batch=[edited])
    message = Message.objects.get(platform_message_id="c-1")
    assert message.flags == ["insulto"]
    assert message.kind == "otro"
    assert message.hidden_at is not None
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert "insulto" in conversation.flags
    assert "oculto" in conversation.flags  # its only citizen message is hidden


@pytest.mark.django_db
def test_an_edit_of_a_corrected_message_keeps_the_persons_labels(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount, manager: User
) -> None:
    install(monkeypatch)
    message = ingest_one(facebook, "¿Hay citas?", message_id="c-2")
    services.message_correct(actor=manager, message=message, kind="queja", flags=[])
    messages_ingest(batch=[event(facebook, "idiota", message_id="c-2", verb="edit")])
    message.refresh_from_db()
    assert (message.kind, message.flags, message.model_version) == ("queja", [], "manual")
    assert message.hidden_at is None


@pytest.mark.django_db
def test_without_a_model_ingestion_keeps_the_messages_unclassified(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    remove(monkeypatch)
    message = ingest_one(facebook, "te voy a matar")
    assert message.kind == ""
    assert not ThreatAlert.objects.exists()
    # Once a model exists, the catch-up (after training, and hourly) classifies and alerts it.
    fake = install(monkeypatch)
    assert tasks.classify_pending() == 1
    message.refresh_from_db()
    assert (message.kind, message.model_version) == ("otro", "fake-1")
    assert ThreatAlert.objects.filter(message=message).count() == 1
    assert tasks.classify_pending() == 0  # nothing left: nothing classified twice
    assert fake.seen == ["te voy a matar"]


@pytest.mark.django_db
def test_the_catch_up_reads_every_pending_message_in_chunks_and_skips_the_rest(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount, manager: User
) -> None:
    remove(monkeypatch)
    pending = [ingest_one(facebook, f"¿Hay citas el día {n}?") for n in range(5)]
    own = event(facebook, "Respuesta oficial", author=facebook.platform_id)
    messages_ingest(batch=[own])
    fake = install(monkeypatch)
    done = ingest_one(facebook, "¿Dónde me vacuno?")  # classified on arrival
    monkeypatch.setattr(services, "CHUNK", 2)
    fake.seen.clear()
    assert services.messages_classify_pending() == 5
    assert sorted(fake.seen) == sorted(m.text for m in pending)  # not the answer, not `done`
    assert set(
        Message.objects.filter(pk__in=[m.pk for m in pending]).values_list("kind", flat=True)
    ) == {"consulta"}
    assert Message.objects.get(platform_message_id=own.message_id).kind == ""
    assert Message.objects.get(pk=done.pk).model_version == "fake-1"


@pytest.mark.django_db
def test_training_classifies_what_waited_for_a_model(
    facebook: SocialAccount, var_dir: Any, mini_corpus: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    message = ingest_one(facebook, "¿Dónde me vacuno contra la influenza?")  # no model yet
    assert message.kind == ""
    out = StringIO()
    call_command("classify_train", stdout=out)
    assert "Clasificados 1 mensajes ciudadanos que esperaban un modelo." in out.getvalue()
    message.refresh_from_db()
    assert message.kind != "" and message.model_version.startswith("lang-")


@pytest.mark.django_db
def test_a_failing_classifier_never_fails_the_ingestion(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    fake = install(monkeypatch)

    def broken(texts: Any) -> Any:
        raise RuntimeError("modelo dañado")

    monkeypatch.setattr(fake, "classify_texts", broken)
    message = ingest_one(facebook, "¿Dónde está mi trámite?")
    assert message.kind == ""
    assert Message.objects.filter(pk=message.pk).exists()
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.message_count == 1


@pytest.mark.django_db
def test_a_new_model_version_reclassifies_but_not_corrections(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount, manager: User
) -> None:
    install(monkeypatch, version="fake-1")
    plain = ingest_one(facebook, "¿Hay vacunas?")
    corrected = ingest_one(facebook, "¿Hay citas?")
    services.message_correct(actor=manager, message=corrected, kind="sugerencia", flags=[])
    fake = install(monkeypatch, version="fake-2")
    assert services.messages_classify(message_ids=[plain.pk, corrected.pk]) == 1
    assert fake.seen == ["¿Hay vacunas?"]
    plain.refresh_from_db()
    assert plain.model_version == "fake-2"


@pytest.mark.django_db
def test_script_in_a_message_is_classified_as_plain_text(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    fake = install(monkeypatch)
    message = ingest_one(facebook, "<script>alert('x')</script> idiota")
    assert fake.seen == ["<script>alert('x')</script> idiota"]
    assert message.flags == ["insulto"]


@pytest.mark.django_db(transaction=True)
def test_the_queued_task_runs_through_django_q(
    monkeypatch: pytest.MonkeyPatch, facebook: SocialAccount
) -> None:
    """The real queue (django-q2 in synchronous mode): the task classifies and moderates."""
    from django_q.conf import Conf

    install(monkeypatch)
    monkeypatch.setattr(Conf, "SYNC", True)
    batch = [
        event(facebook, "gana dinero fácil" if i == 0 else f"¿Pregunta {i}?", thread=f"q-{i % 3}")
        for i in range(pipeline.NOW_LIMIT + 1)
    ]
    messages_ingest(batch=batch)
    assert Message.objects.filter(kind="").count() == 0
    spam = Message.objects.get(text="gana dinero fácil")
    assert spam.flags == ["spam"]
    assert spam.hidden_at is not None


@pytest.mark.django_db
def test_header_summary_per_role(
    monkeypatch: pytest.MonkeyPatch,
    facebook: SocialAccount,
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
) -> None:
    from agora.inbox import moderation

    install(monkeypatch)
    ingest_one(facebook, "te voy a matar")
    ingest_one(facebook, "idiota", thread="p-2")
    assert moderation.header_summary(user=manager) == moderation.HeaderSummary(True, 1, 2)
    assert moderation.header_summary(user=communicator) == moderation.HeaderSummary(False, 0, 2)
    assert moderation.header_summary(user=other_manager) == moderation.HeaderSummary(True, 0, 0)
    assert moderation.header_summary(user=rector) == moderation.HeaderSummary(True, 1, 2)
