"""Bad input is a Spanish 4xx that changes nothing, never a 500 (issue 17, point 3): numbers
larger than any id, and API bodies that are not JSON or are nested absurdly deep."""

from __future__ import annotations

import pytest
from django import forms
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agora.core.fields import MAX_ID, IdField
from agora.core.models import Notification, User
from agora.inbox import services
from agora.inbox.models import Message
from tests.helpers import login
from tests.inbox.test_views import minsa_account  # noqa: F401 - a fixture
from tests.reports.conftest import event

pytestmark = pytest.mark.django_db
HUGE = "9" * 40


@pytest.mark.parametrize("value", [HUGE, str(MAX_ID + 1), "0", "-3", "abc", "1e3", "1.5"])
def test_an_id_field_refuses_what_no_row_can_have_in_spanish(value: str) -> None:
    field = IdField()
    with pytest.raises(forms.ValidationError) as refused:
        field.clean(value)
    assert refused.value.messages == ["El identificador no es válido."]


def test_an_id_field_takes_the_largest_id() -> None:
    assert IdField().clean(str(MAX_ID)) == MAX_ID


def test_marking_a_notification_with_a_huge_number_changes_nothing(
    client: Client, manager: User
) -> None:
    notice = Notification.objects.create(user=manager, kind="prueba", text="Aviso")
    login(client, manager)
    for data in ({"notificacion": HUGE}, {"seleccion": [HUGE, str(notice.pk)]}):
        response = client.post("/bandeja/notificaciones/", data, follow=True)
        assert response.status_code == 200
        assert "No se pudo marcar la notificación." in response.content.decode()
    notice.refresh_from_db()
    assert notice.read_at is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 5000 + "]" * 5000, "El JSON tiene demasiados niveles anidados (máximo 32)."),
        ('{"flag": ' + "[" * 40 + "]" * 40 + "}", "El JSON tiene demasiados niveles"),
        ("{malo", "El cuerpo no es JSON válido."),
        ('{"flag": NaN}', "El cuerpo no es JSON válido."),
    ],
)
def test_the_api_answers_bodies_it_cannot_read_with_a_spanish_400(
    manager: User, request: pytest.FixtureRequest, body: str, message: str
) -> None:
    account = request.getfixturevalue("minsa_account")
    services.messages_ingest(batch=[event(account, thread="api-1", sent_at=timezone.now())])
    pk = Message.objects.get().pk
    client = APIClient()
    client.force_authenticate(manager)
    response = client.post(
        f"/api/v1/messages/{pk}/dismiss-flag/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(message)


def test_brackets_inside_strings_are_not_counted_as_nesting(
    manager: User, request: pytest.FixtureRequest
) -> None:
    account = request.getfixturevalue("minsa_account")
    services.messages_ingest(batch=[event(account, thread="api-2", sent_at=timezone.now())])
    pk = Message.objects.get().pk
    client = APIClient()
    client.force_authenticate(manager)
    body = '{"flag": "' + "[" * 100 + '"}'
    response = client.post(
        f"/api/v1/messages/{pk}/dismiss-flag/", data=body, content_type="application/json"
    )
    # Read: the flag is refused as a flag, not the body as too deep.
    assert response.status_code == 400 and set(response.json()) == {"flag"}


def test_a_form_with_too_many_fields_gets_a_spanish_400(client: Client) -> None:
    data = {f"campo{i}": "x" for i in range(1500)}
    response = client.post("/cuenta/ingresar/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="es-PE">' in html and "Solicitud no válida" in html


def test_a_form_without_its_security_token_gets_a_spanish_403(db: None) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/cuenta/ingresar/", {"auth-username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="es-PE">' in html and "El formulario venció" in html


def test_deciding_on_an_account_with_a_huge_number_is_a_404(client: Client, rector: User) -> None:
    login(client, rector)
    response = client.post(
        "/directorio/equipo/verificaciones/", {"account": HUGE, "decision": "verificar"}
    )
    assert response.status_code == 404


def test_a_huge_page_number_shows_a_page(client: Client) -> None:
    assert client.get(f"/compromisos/?pagina={HUGE}").status_code == 200


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/directorio/", "Directorio"),
        ("/participa/", "Participa"),
        ("/compromisos/", "Compromisos"),
        ("/indicadores/", "Indicadores"),
        ("/directorio/verificar/", "¿Es oficial?"),
    ],
)
def test_the_navigation_marks_only_the_section_one_is_in(
    client: Client, path: str, current: str
) -> None:
    """«Directorio» was marked as the current page on every app's index (issue 17)."""
    import re

    html = client.get(path).content.decode()
    nav = html[html.index('aria-label="Navegación principal"') :]
    marked = re.findall(r'aria-current="page"[^>]*>([^<]+)<', nav[: nav.index("</nav>")])
    assert marked == [current]


def test_favicon_ico_leads_to_the_sites_icon(client: Client) -> None:
    """Browsers ask for /favicon.ico on their own: never a 404 in the console."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert "favicon" in response["Location"] and response["Location"].endswith(".svg")
