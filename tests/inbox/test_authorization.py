"""Who sees which conversations, as a grid of roles × ways in: anonymous visitors are sent to
sign in; a communicator sees their entity only (list, detail, actions, API, export, guessed
URLs); a communicator of another entity gets 404 and writes nothing; rector staff see all."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.routers import SimpleRouter

from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import SocialAccount
from agora.inbox.api import ConversationViewSet
from agora.inbox.models import Conversation, Label, Message
from tests.helpers import html, login
from tests.inbox.test_views import (
    ingest,
    listed_ids,
    minsa_account,
    sunat_account,
    sunat_communicator,
)

__all__ = ["minsa_account", "sunat_account", "sunat_communicator"]

# The API router line is added to agora/api/urls.py separately; these tests mount the viewset
# on the same path so that they hold either way.
_router = SimpleRouter()
_router.register("conversations", ConversationViewSet, basename="conversation")
urlpatterns = [
    path("api/v1/", include(_router.urls)),
    path("", include("agora.urls")),
]
pytestmark = pytest.mark.urls("tests.inbox.test_authorization")

ACTIONS: list[tuple[str, dict[str, Any]]] = [
    ("responder", {"texto": "Respuesta no autorizada"}),
    ("nota", {"nota": "Nota no autorizada"}),
    ("asignar", {"asignada_a": ""}),
    ("estado", {"estado": "cerrado"}),
    ("prioridad", {"prioridad": "urgente"}),
    ("etiquetas", {"nuevas_etiquetas": "intrusa"}),
]


@pytest.fixture
def convs(minsa_account: SocialAccount, sunat_account: SocialAccount) -> dict[str, Conversation]:
    return {
        "minsa": ingest(minsa_account, text="Consulta al Minsa"),
        "sunat": ingest(sunat_account, text="Consulta a la Sunat"),
    }


def _state() -> tuple[Any, ...]:
    """Everything an action could change."""
    return (
        Message.objects.count(),
        AuditEvent.objects.count(),
        Label.objects.count(),
        list(
            Conversation.objects.order_by("pk").values_list(
                "status", "priority", "assignee_id", "updated_at"
            )
        ),
    )


def _api_ids(response: Any) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


def _export(client: Client) -> str:
    response = client.get("/bandeja/exportar.csv")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]


# --- anonymous -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/bandeja/", "/bandeja/exportar.csv", "/bandeja/notificaciones/", "DETAIL", "FILL"],
)
def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, convs: dict[str, Conversation], url: str
) -> None:
    pk = convs["minsa"].pk
    url = {"DETAIL": f"/bandeja/{pk}/", "FILL": f"/bandeja/{pk}/respuesta-aprobada/"}.get(url, url)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/ingresar/?next=")


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_anonymous_posts_are_sent_to_sign_in_and_write_nothing(
    client: Client, convs: dict[str, Conversation], action: str, data: dict[str, Any]
) -> None:
    before = _state()
    response = client.post(f"/bandeja/{convs['minsa'].pk}/{action}/", data)
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/ingresar/")
    assert _state() == before


def test_anonymous_api_is_refused(client: Client, convs: dict[str, Conversation]) -> None:
    for url in [
        "/api/v1/conversations/",
        f"/api/v1/conversations/{convs['minsa'].pk}/",
        f"/api/v1/conversations/{convs['minsa'].pk}/messages/",
    ]:
        assert client.get(url).status_code == 403


def test_the_methodology_page_needs_no_sign_in(client: Client, db: None) -> None:
    assert client.get("/bandeja/metodologia/").status_code == 200


# --- communicator of minsa -------------------------------------------------------------------


def test_communicator_sees_only_their_entitys_conversations(
    client: Client, communicator: User, convs: dict[str, Conversation]
) -> None:
    login(client, communicator)
    assert listed_ids(client.get("/bandeja/")) == [convs["minsa"].pk]
    assert client.get(f"/bandeja/{convs['minsa'].pk}/").status_code == 200
    assert _api_ids(client.get("/api/v1/conversations/")) == {convs["minsa"].pk}
    assert client.get(f"/api/v1/conversations/{convs['minsa'].pk}/").status_code == 200
    csv_text = _export(client)
    assert "Consulta al Minsa" in csv_text
    assert "Consulta a la Sunat" not in csv_text


def test_communicator_gets_404_on_another_entitys_conversation_by_guessed_url(
    client: Client, communicator: User, convs: dict[str, Conversation]
) -> None:
    login(client, communicator)
    sunat = convs["sunat"].pk
    missing = Conversation.objects.order_by("-pk").first().pk + 1000  # type: ignore[union-attr]
    for pk in (sunat, missing):
        assert client.get(f"/bandeja/{pk}/").status_code == 404
        assert client.get(f"/bandeja/{pk}/respuesta-aprobada/").status_code == 404
        assert client.get(f"/api/v1/conversations/{pk}/").status_code == 404
        assert client.get(f"/api/v1/conversations/{pk}/messages/").status_code == 404
    # Filtering by the other entity does not open it either.
    response = client.get("/bandeja/", {"entidad": "sunat"})
    assert sunat not in listed_ids(response)
    assert _api_ids(client.get("/api/v1/conversations/", {"entity": "sunat"})) == set()
    assert "Consulta a la Sunat" not in _export(client)


@pytest.mark.parametrize(("action", "data"), ACTIONS)
def test_communicator_actions_on_another_entity_are_refused_and_write_nothing(
    client: Client,
    sunat_communicator: User,
    convs: dict[str, Conversation],
    action: str,
    data: dict[str, Any],
) -> None:
    login(client, sunat_communicator)
    before = _state()
    url = f"/bandeja/{convs['minsa'].pk}/{action}/"
    assert client.post(url, data).status_code == 404
    assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 404
    assert _state() == before


def test_communicator_of_another_entity_sees_only_theirs(
    client: Client, sunat_communicator: User, convs: dict[str, Conversation]
) -> None:
    login(client, sunat_communicator)
    assert listed_ids(client.get("/bandeja/")) == [convs["sunat"].pk]
    assert "Consulta al Minsa" not in html(client.get("/bandeja/"))
    assert client.get(f"/bandeja/{convs['minsa'].pk}/").status_code == 404
    assert _api_ids(client.get("/api/v1/conversations/")) == {convs["sunat"].pk}
    assert "Consulta al Minsa" not in _export(client)


def test_a_former_member_loses_access(
    client: Client, communicator: User, convs: dict[str, Conversation]
) -> None:
    communicator.memberships.update(ended_at=timezone.now())
    login(client, communicator)
    assert listed_ids(client.get("/bandeja/")) == []
    assert client.get(f"/bandeja/{convs['minsa'].pk}/").status_code == 404


def test_notifications_page_marks_only_ones_own(
    client: Client, communicator: User, sunat_communicator: User
) -> None:
    other = Notification.objects.create(user=sunat_communicator, kind="x", text="Ajena")
    login(client, communicator)
    assert "Ajena" not in html(client.get("/bandeja/notificaciones/"))
    client.post("/bandeja/notificaciones/", {"todas": "1"})
    other.refresh_from_db()
    assert other.read_at is None


# --- managers and rector ---------------------------------------------------------------------


def test_manager_without_the_second_factor_is_sent_to_set_it_up(
    client: Client, manager: User, convs: dict[str, Conversation]
) -> None:
    TOTPDevice.objects.filter(user=manager).delete()
    client.force_login(manager)
    response = client.get("/bandeja/")
    assert response.status_code == 302
    assert response["Location"] == "/cuenta/doble-factor/configurar/"


def test_manager_with_a_device_but_no_code_signs_in_again(
    client: Client, manager: User, convs: dict[str, Conversation]
) -> None:
    client.force_login(manager)
    response = client.get("/bandeja/")
    assert response.status_code == 302
    assert response["Location"] == "/cuenta/ingresar/?next=/bandeja/"


def test_rector_sees_and_may_act_on_every_entity(
    client: Client, rector: User, convs: dict[str, Conversation]
) -> None:
    login(client, rector)
    assert set(listed_ids(client.get("/bandeja/"))) == {convs["minsa"].pk, convs["sunat"].pk}
    assert _api_ids(client.get("/api/v1/conversations/")) == {
        convs["minsa"].pk,
        convs["sunat"].pk,
    }
    for conv in convs.values():
        assert client.get(f"/bandeja/{conv.pk}/").status_code == 200
        response = client.post(f"/bandeja/{conv.pk}/prioridad/", {"prioridad": "alta"})
        assert response.status_code == 302
        conv.refresh_from_db()
        assert conv.priority == "alta"
    csv_text = _export(client)
    assert "Consulta al Minsa" in csv_text and "Consulta a la Sunat" in csv_text
