"""The «No es …» buttons of the conversation (agora/language/views_inbox.py): a plain POST form
that htmx enhances; staff of the message's entity only (the same rule as the correction
form), 404 for another entity's staff and for citizens, the sign-in for anonymous visitors;
bad input is a Spanish 400 that changes nothing; a double click records once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox.models import AlertStatus, Message, ThreatAlert
from agora.language.models import Correction
from tests.helpers import login
from tests.language.fake_model import account_for, ingest_one, install


@pytest.fixture
def threat(monkeypatch: pytest.MonkeyPatch, rector: User, entities: dict[str, Entity]) -> Message:
    install(monkeypatch)
    facebook: SocialAccount = account_for(entities["minsa"], "facebook", "minsa.peru", rector)
    message = ingest_one(facebook, "te voy a matar")
    assert message.flags == ["amenaza"]
    return message


@pytest.fixture
def other_communicator(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("comunicador-sunat")
    Membership.objects.create(user=user, entity=entities["sunat"], role=MembershipRole.COMUNICADOR)
    return user


def _url(message: Message) -> str:
    return reverse(
        "language_inbox:message_flag_dismiss", args=[message.conversation_id, message.pk]
    )


def _unchanged(message: Message) -> bool:
    message.refresh_from_db()
    return (
        message.flags == ["amenaza"]
        and not Correction.objects.exists()
        and not AuditEvent.objects.filter(verb__startswith="mensaje.").exists()
        and ThreatAlert.objects.get(message=message).status == AlertStatus.ABIERTA
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["communicator", "manager", "rector"])
def test_staff_of_the_entity_dismiss_with_a_plain_form(
    client: Client, threat: Message, role: str, request: pytest.FixtureRequest
) -> None:
    person: User = request.getfixturevalue(role)
    login(client, person)
    response = client.post(_url(threat), {"alerta": "amenaza"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/bandeja/{threat.conversation_id}/#mensaje-{threat.pk}")
    threat.refresh_from_db()
    assert threat.flags == []
    assert ThreatAlert.objects.get(message=threat).status == AlertStatus.DESCARTADA
    page = client.get(response["Location"]).content.decode()
    assert "Clasificación corregida: «No es amenaza». La alerta de amenaza quedó descartada." in (
        page
    )


@pytest.mark.django_db
def test_with_htmx_the_conversation_is_swapped_with_the_notice(
    client: Client, threat: Message, communicator: User
) -> None:
    login(client, communicator)
    response = client.post(_url(threat), {"alerta": "amenaza"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="aviso"')
    assert "Clasificación corregida: «No es amenaza»" in body
    assert ">No es amenaza</button>" not in body  # the flag and its button are gone


@pytest.mark.django_db
def test_a_double_click_records_once(client: Client, threat: Message, communicator: User) -> None:
    login(client, communicator)
    client.post(_url(threat), {"alerta": "amenaza"})
    counts = (Correction.objects.count(), AuditEvent.objects.count())
    again = client.post(_url(threat), {"alerta": "amenaza"}, headers={"HX-Request": "true"})
    assert again.status_code == 200
    assert "Ya estaba corregido: «No es amenaza»." in again.content.decode()
    assert (Correction.objects.count(), AuditEvent.objects.count()) == counts
    assert Correction.objects.count() == 1
    assert AuditEvent.objects.filter(verb="mensaje.clasificacion_corregida").count() == 1
    assert AuditEvent.objects.filter(verb="amenaza.alerta_descartada").count() == 1


@pytest.mark.django_db
def test_another_entitys_staff_and_citizens_get_404(
    client: Client, threat: Message, other_communicator: User, make_user: Callable[..., User]
) -> None:
    for person in (other_communicator, make_user("ciudadana")):
        login(client, person)
        assert client.post(_url(threat), {"alerta": "amenaza"}).status_code == 404
    assert _unchanged(threat)


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, threat: Message) -> None:
    response = client.post(_url(threat), {"alerta": "amenaza"})
    assert response.status_code == 302 and "/cuenta/" in response["Location"]
    assert _unchanged(threat)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"alerta": "bomba"}, "Alerta desconocida: bomba."),
        ({}, "Alerta desconocida"),
        ({"alerta": "spam"}, "El mensaje no tiene la alerta «Spam»."),
    ],
)
def test_bad_input_is_a_spanish_400_that_changes_nothing(
    client: Client, threat: Message, communicator: User, data: dict[str, str], error: str
) -> None:
    login(client, communicator)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(_url(threat), data, headers=headers)
        assert response.status_code == 400
        assert "No se guardó: " + error in response.content.decode()
    assert _unchanged(threat)


@pytest.mark.django_db
def test_a_message_of_another_conversation_or_a_get_is_refused(
    client: Client, threat: Message, communicator: User, entities: dict[str, Entity]
) -> None:
    login(client, communicator)
    url = reverse(
        "language_inbox:message_flag_dismiss", args=[threat.conversation_id, threat.pk + 999]
    )
    assert client.post(url, {"alerta": "amenaza"}).status_code == 404
    assert client.get(_url(threat)).status_code == 405
    assert _unchanged(threat)


@pytest.mark.django_db
def test_the_threat_alerts_page_shows_a_dismissed_alert(
    client: Client, threat: Message, communicator: User, manager: User, monkeypatch: Any
) -> None:
    login(client, communicator)
    client.post(_url(threat), {"alerta": "amenaza"})
    login(client, manager)
    page = client.get(reverse("inbox:alerts"), {"estado": "descartada"}).content.decode()
    assert "Descartada por comunicadora-minsa" in page
    assert client.get(reverse("inbox:alerts")).content.decode().count("alerta-descartada") == 0


@pytest.mark.django_db
def test_a_manager_dismisses_a_false_alert_from_the_alerts_page(
    client: Client, threat: Message, manager: User
) -> None:
    login(client, manager)
    page = client.get(reverse("inbox:alerts")).content.decode()
    assert "el modelo actual no la explica" in page  # the stand-in model is not linear
    assert f'action="{_url(threat)}"' in page and ">No es amenaza</button>" in page
    response = client.post(_url(threat), {"alerta": "amenaza", "volver": "alertas"})
    assert response.status_code == 302 and response["Location"] == reverse("inbox:alerts")
    after = client.get(response["Location"]).content.decode()
    assert "La alerta de amenaza quedó descartada." in after
    assert "No hay alertas en este estado." in after
    assert ThreatAlert.objects.get(message=threat).status == AlertStatus.DESCARTADA
