"""The pages of the labelling queue and of the model versions, per role: rector staff label
every entity's messages, an entity's staff their own, nobody else any; texts are masked."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Message
from agora.language import labelling
from agora.language.models import ModelVersion, QueueLabel
from tests.helpers import login
from tests.language.fake_model import account_for, ingest_one, install

QUEUE = reverse("language:queue")
VERSIONS = reverse("language:versions")


@pytest.fixture(autouse=True)
def _setup(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch)
    monkeypatch.setattr(labelling, "SAMPLE_PER_MILLE", 0)
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 0)


@pytest.fixture
def minsa(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["minsa"], "facebook", "minsa.peru", rector)


@pytest.fixture
def sunat(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return account_for(entities["sunat"], "facebook", "sunat.oficial", rector)


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    return make_user("ciudadana")


_threads = iter(range(1, 1_000_000))


def uncertain(account: SocialAccount, text: str, certainty: float = 0.05) -> Message:
    message = ingest_one(account, text, thread=f"v-{next(_threads)}")
    Message.objects.filter(pk=message.pk).update(certainty=certainty, scores={"queja": 0.5})
    message.refresh_from_db()
    return message


def page(client: Client, user: User, url: str = QUEUE) -> str:
    login(client, user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_anonymous_and_citizens_are_kept_out(client: Client, citizen: User) -> None:
    for url in (QUEUE, VERSIONS):
        response = client.get(url)
        assert response.status_code == 302 and "ingresar" in response["Location"]
    login(client, citizen)
    for url in (QUEUE, VERSIONS):
        assert client.get(url).status_code == 403
    assert client.post(QUEUE, {"mensaje": 1, "tipo": "queja"}).status_code == 403
    assert not QueueLabel.objects.exists()


@pytest.mark.django_db
def test_rector_labels_across_entities_communicator_only_their_own(
    client: Client,
    minsa: SocialAccount,
    sunat: SocialAccount,
    rector: User,
    communicator: User,
    other_manager: User,
) -> None:
    ours = uncertain(minsa, "la posta de salud no atiende en la tarde", certainty=0.3)
    theirs = uncertain(sunat, "no puedo entrar a mi clave sol desde ayer", certainty=0.01)
    rector_page = page(client, rector)
    assert theirs.text in rector_page  # least sure first, any entity
    assert "2 mensajes esperan su lectura" in rector_page
    own = page(client, communicator)
    assert ours.text in own and theirs.text not in own
    assert "1 mensaje espera su lectura" in own
    # Another entity's message: refused like one already labelled, nothing written.
    response = client.post(QUEUE, {"mensaje": theirs.pk, "tipo": "queja"})
    assert response.status_code == 409
    assert "ya no espera su lectura" in response.content.decode()
    assert theirs.text not in response.content.decode()
    assert not QueueLabel.objects.exists()
    other = page(client, other_manager)
    assert theirs.text in other and ours.text not in other


@pytest.mark.django_db
def test_label_and_move_on(client: Client, minsa: SocialAccount, communicator: User) -> None:
    first = uncertain(minsa, "eres un idiota, la posta no sirve", certainty=0.01)
    second = uncertain(minsa, "¿dónde me vacuno?", certainty=0.2)
    html = page(client, communicator)
    assert first.text in html
    assert 'data-key="1"' in html and 'data-key="a"' in html  # the keyboard hints
    response = client.post(
        QUEUE, {"mensaje": first.pk, "tipo": "queja", "alertas": ["insulto"]}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lectura guardada" in html
    assert second.text in html and "1 mensaje espera su lectura" in html
    label = QueueLabel.objects.get()
    assert (label.message_id, label.kind, label.flags, label.by) == (
        first.pk,
        "queja",
        ["insulto"],
        communicator,
    )
    first.refresh_from_db()
    assert (first.kind, first.model_version) == ("otro", "fake-1")  # the message is untouched


@pytest.mark.django_db
def test_bad_input_is_a_spanish_400_and_writes_nothing(
    client: Client, minsa: SocialAccount, communicator: User
) -> None:
    message = uncertain(minsa, "la posta no atiende")
    login(client, communicator)
    missing = client.post(QUEUE, {"mensaje": message.pk})
    assert missing.status_code == 400
    assert "Elija el tipo del mensaje" in missing.content.decode()
    wrong = client.post(QUEUE, {"mensaje": message.pk, "tipo": "saludo", "alertas": ["x"]})
    assert wrong.status_code == 400
    assert client.post(QUEUE, {"mensaje": "abc", "tipo": "queja"}).status_code == 409
    assert not QueueLabel.objects.exists()


@pytest.mark.django_db
def test_skip_and_come_back(client: Client, minsa: SocialAccount, communicator: User) -> None:
    first = uncertain(minsa, "primer mensaje dudoso", certainty=0.01)
    second = uncertain(minsa, "segundo mensaje dudoso", certainty=0.02)
    login(client, communicator)
    html = client.post(QUEUE, {"mensaje": first.pk, "saltar": "1"}, follow=True)
    assert second.text in html.content.decode()
    client.post(QUEUE, {"mensaje": second.pk, "saltar": "1"})
    empty = client.get(QUEUE).content.decode()
    assert "No hay mensajes esperando su lectura" in empty
    back = client.post(QUEUE, {"reiniciar": "1"}, follow=True).content.decode()
    assert first.text in back
    assert not QueueLabel.objects.exists()


@pytest.mark.django_db
def test_texts_are_masked(client: Client, minsa: SocialAccount, communicator: User) -> None:
    message = uncertain(minsa, "Soy Rosa Quispe, mi DNI es 45678912 y mi cel 987 654 321")
    Message.objects.filter(pk=message.pk).update(author_name="Rosa Quispe")
    html = page(client, communicator)
    for piece in ("Quispe", "45678912", "987 654 321"):
        assert piece not in html
    assert "[DNI]" in html and "[TELÉFONO]" in html and "[NOMBRE]" in html


@pytest.mark.django_db
def test_the_second_reader_does_not_see_the_first_answer(
    client: Client,
    monkeypatch: pytest.MonkeyPatch,
    minsa: SocialAccount,
    rector: User,
    communicator: User,
) -> None:
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 1000)
    message = uncertain(minsa, "mensaje para dos lecturas")
    login(client, rector)
    client.post(QUEUE, {"mensaje": message.pk, "tipo": "denuncia", "alertas": ["amenaza"]})
    assert "No hay mensajes esperando su lectura" in client.get(QUEUE).content.decode()
    html = page(client, communicator)
    assert "Segunda lectura" in html and message.text in html
    assert " checked" not in html  # nothing chosen beforehand: not the first reading
    client.post(QUEUE, {"mensaje": message.pk, "tipo": "denuncia", "alertas": ["amenaza"]})
    html = client.get(QUEUE).content.decode()
    assert "Medido sobre 1 mensaje leído dos veces" in html
    assert QueueLabel.objects.filter(message=message).count() == 2


@pytest.mark.django_db
def test_the_navigation_shows_how_many_wait(
    client: Client, minsa: SocialAccount, communicator: User, other_manager: User
) -> None:
    uncertain(minsa, "uno")
    uncertain(minsa, "dos")
    html = page(client, communicator, reverse("directory:staff_home"))
    assert "Ayude a mejorar la lectura, 2 mensajes por leer" in html
    assert f'href="{QUEUE}"' in html
    other = page(client, other_manager, reverse("directory:staff_home"))
    assert f'href="{QUEUE}"' in other and "mensajes por leer" not in other


@pytest.mark.django_db
def test_versions_page_shows_history_figures_and_decisions(
    client: Client, communicator: User
) -> None:
    figures = {
        "size": 40,
        "macro_f1": 0.8123,
        "flags": {"insulto": {"f1": 0.7, "n": 5}},
        "false_alarm_share": {"amenaza": 0.0125},
    }
    ModelVersion.objects.create(
        version="lang-vigente",
        trained_at=timezone.now() - timedelta(days=2),
        corpus_size=1800,
        corrections_used=3,
        labels_used=20,
        is_current=True,
        accepted=True,
        decision_reason="No había un modelo vigente con el que compararlo.",
        metrics={"pruebas": {"reservado": figures}, "datos": {"muestra_real": 12}},
    )
    ModelVersion.objects.create(
        version="lang-rechazada",
        trained_at=timezone.now(),
        corpus_size=1800,
        accepted=False,
        decision_reason="Corpus: parte reservada: el F1 macro de tipo baja de 0.812 a 0.500.",
        metrics={
            "pruebas": {"reservado": {**figures, "macro_f1": 0.5}},
            "vigente_anterior": {"version": "lang-vigente", "pruebas": {"reservado": figures}},
        },
    )
    html = page(client, communicator, VERSIONS)
    assert html.index("lang-rechazada") < html.index("lang-vigente")  # newest first
    assert "rechazada" in html and "vigente" in html
    assert "baja de 0.812 a 0.500" in html
    assert "0,812" in html and "0,500" in html and "1,3 %" in html  # es-PE decimals
    assert "no bajan más de" in html  # the rule, written down
    assert f'href="{QUEUE}"' in html


@pytest.mark.django_db
def test_help_page_shows_thresholds_version_and_links_for_staff(
    client: Client, communicator: User
) -> None:
    ModelVersion.objects.create(
        version="lang-ayuda",
        trained_at=timezone.now(),
        is_current=True,
        metrics={
            "validacion_cruzada": {
                "flags": {"insulto": {"umbral": 0.8884}, "amenaza": {"umbral": 0.1141}}
            }
        },
    )
    public = client.get(reverse("language:help")).content.decode()
    assert "lang-ayuda" in public and "0,888" in public and "0,114" in public
    assert "decidida por reglas" in public
    assert VERSIONS not in public  # staff pages are not linked for the public
    assert "no bajan más de" in public
    staff = page(client, communicator, reverse("language:help"))
    assert VERSIONS in staff and QUEUE in staff
