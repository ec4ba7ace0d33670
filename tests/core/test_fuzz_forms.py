"""Issue #17, "Show it": the site's forms fuzzed as they are on the page. Each page's forms
(found in its HTML: action, method and field names) are sent random and hostile values
(huge numbers, markup, NUL, very long text, lists) anonymously and signed in as a communicator:
never a 5xx, and every 4xx page is the Spanish one. Random but repeatable (fixed seed); more
examples with ``AGORA_FUZZ_EXAMPLES``."""

from __future__ import annotations

import os
import re
from html import unescape
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from tests.helpers import login
from tests.inbox.test_views import ingest

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("AGORA_FUZZ_EXAMPLES", "12"))

PUBLIC_PAGES = [
    "/",
    "/directorio/",
    "/directorio/verificar/",
    "/indicadores/",
    "/compromisos/",
    "/participa/",
    "/participa/consultas/",
    "/participa/registro/",
    "/participa/suscripcion/",
    "/cuenta/ingresar/",
]
STAFF_PAGES = ["/equipo/", "/bandeja/", "/bandeja/respuestas/nueva/", "/informes/"]
_SKIP_ACTIONS = ("/cuenta/salir/",)

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_FIELD = re.compile(r"<(?:input|select|textarea)\b([^>]*)>", re.I)

HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "9" * 40,
            "1e309",
            "NaN",
            "null",
            "[]",
            "{}",
            "\x00",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "ñandú áéíóú 😀",
            "a" * 5000,
            "../../etc/passwd",
            "2026-02-30",
            "https://" + "x" * 300 + ".pe",
        ]
    ),
)


def forms_of(html: str, page: str) -> list[tuple[str, str, list[str]]]:
    """(method, action, field names) of every form on the page."""
    found = []
    for attributes, body in _FORM.findall(html):
        attrs = dict(_ATTR.findall(attributes))
        action = unescape(attrs.get("action") or page).split("#")[0]
        if not action.startswith("/") or action.startswith(_SKIP_ACTIONS):
            continue
        names = []
        for field in _FIELD.findall(body):
            field_attrs = dict(_ATTR.findall(field))
            name = field_attrs.get("name")
            if name and name != "csrfmiddlewaretoken" and field_attrs.get("type") != "file":
                names.append(name)
        found.append((attrs.get("method", "get").lower(), action, sorted(set(names))))
    return found


def _fuzz(client: Client, pages: list[str]) -> int:
    targets = {
        (method, action, tuple(names))
        for page in pages
        for method, action, names in forms_of(client.get(page).content.decode(), page)
    }
    assert targets, "no form found on the pages"

    @given(values=st.lists(HOSTILE, min_size=12, max_size=12), extra=HOSTILE)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def send(values: list[str], extra: str) -> None:
        for method, action, names in sorted(targets):
            data: dict[str, Any] = {name: values[i % len(values)] for i, name in enumerate(names)}
            data["campo_inesperado"] = extra
            response = (client.post if method == "post" else client.get)(action, data)
            where = f"{method.upper()} {action} {sorted(data)}"
            assert response.status_code < 500, f"{where} → {response.status_code}"
            if response.status_code >= 400 and "html" in response.get("Content-Type", ""):
                assert 'lang="es-PE"' in response.content.decode(), where

    send()
    return len(targets)


@pytest.fixture
def conversation(verified_account: SocialAccount) -> Any:
    return ingest(verified_account, text="¿Dónde me vacuno?", author_id="fuzz")


def test_public_forms_never_fail_with_a_server_error(
    client: Client, entities: dict[str, Entity]
) -> None:
    assert _fuzz(client, PUBLIC_PAGES) >= 5


def test_staff_forms_never_fail_with_a_server_error(
    client: Client, communicator: User, conversation: Any
) -> None:
    login(client, communicator)
    pages = [*STAFF_PAGES, f"/bandeja/{conversation.pk}/"]
    assert _fuzz(client, pages) >= 5
