"""Staff correct a message's kind and flags from the conversation view and the API, scoped
exactly like the inbox; each correction is stored (who, when, before, after, entity), audited,
and reaches the next training set."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Message, ModerationAction, ThreatAlert
from agora.language import labelling, services
from agora.language import model as classifier
from agora.language.models import Correction
from tests.helpers import login
from tests.language.fake_model import account_for, ingest_one, install


@pytest.fixture
def facebook(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


@pytest.fixture
def sunat_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["sunat"], "facebook", "sunat.oficial", rector)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Any:
    return install(monkeypatch)


def api(user: User) -> APIClient:
    client = APIClient()
    login(client, user)
    return client


@pytest.mark.django_db
def test_correction_from_the_conversation_view(
    fake: Any, facebook: SocialAccount, communicator: User, client: Client
) -> None:
    message = ingest_one(facebook, "¿Hasta cuándo voy a esperar mi cita?")
    assert message.kind == "consulta"
    login(client, communicator)
    page = client.get(reverse("inbox:detail", args=[message.conversation_id])).content.decode()
    assert "Corregir clasificación" in page
    url = reverse("language_inbox:message_correct", args=[message.conversation_id, message.pk])
    prefix = f"m{message.pk}"
    response = client.post(
        url,
        {f"{prefix}-tipo": "queja", f"{prefix}-alertas": ["datos_personales"]},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Clasificación corregida" in response.content.decode()
    message.refresh_from_db()
    assert (message.kind, message.flags, message.model_version) == (
        "queja",
        ["datos_personales"],
        "manual",
    )
    correction = Correction.objects.get()
    assert correction.by == communicator
    assert correction.entity_id == message.entity_id
    assert (correction.previous_kind, correction.previous_flags) == ("consulta", [])
    assert correction.previous_model_version == "fake-1"
    assert correction.at is not None
    event = AuditEvent.objects.get(verb="mensaje.clasificacion_corregida")
    assert event.actor == communicator
    assert event.before is not None and event.before["kind"] == "consulta"
    assert event.after is not None and event.after["kind"] == "queja"


@pytest.mark.django_db
def test_bad_values_in_the_view_write_nothing(
    fake: Any, facebook: SocialAccount, communicator: User, client: Client
) -> None:
    message = ingest_one(facebook, "¿Hay citas?")
    login(client, communicator)
    url = reverse("language_inbox:message_correct", args=[message.conversation_id, message.pk])
    prefix = f"m{message.pk}"
    response = client.post(url, {f"{prefix}-tipo": "saludo", f"{prefix}-alertas": ["grosería"]})
    assert response.status_code == 400
    assert "No se guardó" in response.content.decode()
    assert not Correction.objects.exists()


@pytest.mark.django_db
def test_a_correction_to_insult_hides_and_back_shows(
    fake: Any, facebook: SocialAccount, communicator: User
) -> None:
    message = ingest_one(facebook, "usted es un payaso")
    assert message.hidden_at is None
    services.message_correct(actor=communicator, message=message, kind="otro", flags=["insulto"])
    message.refresh_from_db()
    assert message.hidden_at is not None
    hide = ModerationAction.objects.get(message=message)
    assert hide.actor == communicator and hide.is_automatic
    assert hide.model_version == "manual"
    services.message_correct(actor=communicator, message=message, kind="queja", flags=[])
    message.refresh_from_db()
    assert message.hidden_at is None


@pytest.mark.django_db
def test_view_of_another_entity_is_404(
    fake: Any, sunat_account: SocialAccount, communicator: User, client: Client
) -> None:
    message = ingest_one(sunat_account, "¿Cómo saco mi RUC?")
    login(client, communicator)
    url = reverse("language_inbox:message_correct", args=[message.conversation_id, message.pk])
    prefix = f"m{message.pk}"
    assert client.post(url, {f"{prefix}-tipo": "queja"}).status_code == 404
    assert not Correction.objects.exists()


@pytest.mark.django_db
def test_api_correction_scoped_like_the_inbox(
    fake: Any,
    facebook: SocialAccount,
    sunat_account: SocialAccount,
    communicator: User,
    other_manager: User,
    rector: User,
) -> None:
    mine = ingest_one(facebook, "¿Dónde me vacuno?")
    theirs = ingest_one(sunat_account, "¿Cómo saco mi RUC?")
    client = api(communicator)
    # A guessed id of another entity: 404, as if it did not exist.
    assert client.get(f"/api/v1/messages/{theirs.pk}/").status_code == 404
    response = client.post(
        f"/api/v1/messages/{theirs.pk}/correction/", {"kind": "queja"}, format="json"
    )
    assert response.status_code == 404
    assert client.post("/api/v1/messages/999999/correction/", {"kind": "queja"}).status_code == 404
    assert not Correction.objects.exists()
    # Bad input: 400 with field errors, nothing written.
    bad = client.post(
        f"/api/v1/messages/{mine.pk}/correction/",
        {"kind": "saludo", "flags": ["grosería"]},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"kind", "flags"}
    assert not Correction.objects.exists()
    ok = client.post(
        f"/api/v1/messages/{mine.pk}/correction/",
        {"kind": "sugerencia", "flags": ["datos_personales"]},
        format="json",
    )
    assert ok.status_code == 201
    body = ok.json()
    assert body["kind"] == "sugerencia"
    assert body["flags"] == ["datos_personales"]
    assert body["previous_kind"] == "consulta"
    assert body["by"] == communicator.username
    assert body["entity"] == "minsa"
    detail = client.get(f"/api/v1/messages/{mine.pk}/").json()
    assert detail["model_version"] == "manual"
    assert len(client.get(f"/api/v1/messages/{mine.pk}/corrections/").json()) == 1
    # Another entity's manager cannot reach it either; the rector can.
    assert api(other_manager).get(f"/api/v1/messages/{mine.pk}/").status_code == 404
    assert api(rector).get(f"/api/v1/messages/{mine.pk}/").status_code == 200
    # Anonymous: refused.
    assert APIClient().get(f"/api/v1/messages/{mine.pk}/").status_code in (401, 403)


@pytest.mark.django_db
def test_api_hide_and_show(
    fake: Any, facebook: SocialAccount, communicator: User, sunat_account: SocialAccount
) -> None:
    message = ingest_one(facebook, "Visita mi tienda")
    theirs = ingest_one(sunat_account, "Visita mi tienda")
    client = api(communicator)
    assert (
        client.post(
            f"/api/v1/messages/{theirs.pk}/hide/", {"reason": "spam"}, format="json"
        ).status_code
        == 404
    )
    assert client.post(f"/api/v1/messages/{message.pk}/hide/", {}, format="json").status_code == 400
    hidden = client.post(
        f"/api/v1/messages/{message.pk}/hide/", {"reason": "Publicidad"}, format="json"
    )
    assert hidden.status_code == 201
    assert hidden.json()[0]["actor"] == communicator.username
    again = client.post(
        f"/api/v1/messages/{message.pk}/hide/", {"reason": "Publicidad"}, format="json"
    )
    assert again.status_code == 400
    assert "ya está oculto" in again.json()["detail"]
    shown = client.post(f"/api/v1/messages/{message.pk}/show/", {"reason": "Error"}, format="json")
    assert shown.status_code == 201
    message.refresh_from_db()
    assert message.hidden_at is None


@pytest.mark.django_db
def test_a_correction_reaches_the_next_training_set(
    fake: Any,
    facebook: SocialAccount,
    communicator: User,
    manager: User,
    monkeypatch: pytest.MonkeyPatch,
    var_dir: Path,
    mini_corpus: Path,
) -> None:
    # No message in the fixed test sample (its corrections test, never train: test_labelling.py).
    monkeypatch.setattr(labelling, "SAMPLE_PER_MILLE", 0)
    message = ingest_one(facebook, "ojalá le pase algo al alcalde, ya sabemos a qué hora sale")
    other = ingest_one(facebook, "buena chamba con las vacunas", thread="p-2")
    services.message_correct(actor=communicator, message=message, kind="otro", flags=[])
    # The latest correction of a message is the one that counts.
    services.message_correct(actor=manager, message=message, kind="otro", flags=["amenaza"])
    services.message_correct(actor=communicator, message=other, kind="felicitacion", flags=[])
    # Corrections of demo messages are practice: they never train the model.
    demo = ingest_one(facebook, "mensaje de demostración corregido", thread="p-3")
    Message.objects.filter(pk=demo.pk).update(is_demo=True)
    demo.refresh_from_db()
    services.message_correct(actor=communicator, message=demo, kind="sugerencia", flags=[])
    assert ThreatAlert.objects.filter(message=message).exists()
    seen: list[Sequence[classifier.Example]] = []
    real_train = classifier.train

    def spy(paths: Any, *, extra: Sequence[classifier.Example] = (), **kwargs: Any) -> Any:
        seen.append(list(extra))
        return real_train(paths, extra=extra, **kwargs)

    monkeypatch.setattr(classifier, "train", spy)
    version = services.model_train(actor=manager)
    [extra] = seen
    examples = {(e.text, e.kind, e.flags) for e in extra}
    assert examples == {
        (message.text, "otro", ("amenaza",)),
        (other.text, "felicitacion", ()),
    }
    assert version.corrections_used == 2
    assert Message.objects.filter(pk=message.pk, model_version="manual").exists()
