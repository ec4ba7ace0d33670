"""Issue #17, "Show it": the API fuzzed from its own schema (schemathesis against
/api/v1/schema/), anonymous and signed in as a communicator: whatever the input, never a
5xx, and every error a Spanish JSON body. Runs in `make test` with a fixed seed and a few
examples per operation (``FUZZ_EXAMPLES``); run more with ``AGORA_FUZZ_EXAMPLES=200``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from tests.helpers import login
from tests.inbox.test_views import ingest

FUZZ_EXAMPLES = int(os.environ.get("AGORA_FUZZ_EXAMPLES", "12"))
_ENGLISH = (
    "must be",
    "This field",
    "is required",
    "Invalid",
    "not found",
    "Not found",
    "matches the given query",
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _connections_kept() -> Iterator[None]:
    """Requests go through the WSGI application itself, which closes the database connection
    when a request finishes; Django's test client keeps it open for the test's transaction,
    and so does this (the same two signals)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(
    entities: dict[str, Entity], verified_account: SocialAccount, communicator: User
) -> Any:
    """The schema as the running application serves it, with one conversation to read."""
    from agora.wsgi import application

    ingest(verified_account, text="¿Dónde me vacuno contra la influenza?", author_id="fuzz")
    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


schema = schemathesis.pytest.from_fixture("api_schema")


def _check(response: Any, case: Any) -> None:
    where = f"{case.method} {case.formatted_path} {case.query or ''}"
    assert response.status_code < 500, f"{where} → {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400 and "json" in response.headers.get("Content-Type", ""):
        text = response.text
        assert not any(phrase in text for phrase in _ENGLISH), f"{where}: {text[:300]}"


_FUZZ = hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@_FUZZ
def test_api_anonymous_never_fails_with_a_server_error(case: Any) -> None:
    _check(case.call(), case)


@schema.parametrize()
@_FUZZ
def test_api_signed_in_never_fails_with_a_server_error(case: Any, communicator: User) -> None:
    client = login(Client(), communicator)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    token = "t" * 32
    response = case.call(
        cookies={settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: token},
        headers={"X-CSRFToken": token},
    )
    _check(response, case)
    if case.method == "GET" and case.path == "/api/v1/messages/":
        # Signed in for real: the inbox's messages are hers to read (or the filter is refused).
        assert response.status_code in (200, 400, 404), response.status_code
