"""The client's address behind the reverse proxy (issue 17, point 3): only the entry the trusted
proxies wrote in X-Forwarded-For counts, so the sign-in lockout and the API's anonymous throttle
work per real client, and a client cannot escape either by sending its own header."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from rest_framework.throttling import AnonRateThrottle

from agora.core.clientip import client_ip
from agora.core.models import User
from tests.core.test_security import PASSWORD

PROXY = "10.0.0.5"
LOGIN = "/cuenta/ingresar/"


def _request(remote: str, forwarded: str | None = None) -> Any:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    if forwarded is not None:
        request.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return request


def test_without_a_proxy_the_connection_is_the_client(settings: Any) -> None:
    settings.AGORA_TRUSTED_PROXIES = 0
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "proxies", "expected"),
    [
        ("198.51.100.7", 1, "198.51.100.7"),
        # Whatever the client wrote is to the left of what the proxy appended.
        ("1.2.3.4, 198.51.100.7", 1, "198.51.100.7"),
        ("1.2.3.4, 5.6.7.8, 198.51.100.7", 1, "198.51.100.7"),
        # Two proxies (a load balancer, then nginx): the client is second from the right.
        ("1.2.3.4, 198.51.100.7, 10.0.0.9", 2, "198.51.100.7"),
        ("2001:db8::1", 1, "2001:db8::1"),
        # Not an address, or fewer entries than proxies: the connection is all we know.
        ("no-es-una-ip", 1, PROXY),
        ("198.51.100.7", 2, PROXY),
        ("", 1, PROXY),
    ],
)
def test_behind_proxies_the_client_is_the_entry_they_wrote(
    settings: Any, forwarded: str, proxies: int, expected: str
) -> None:
    settings.AGORA_TRUSTED_PROXIES = proxies
    assert client_ip(_request(PROXY, forwarded)) == expected


def _post_password(client: Client, username: str, password: str, forwarded: str) -> Any:
    return client.post(
        LOGIN,
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
def test_behind_the_proxy_five_wrong_passwords_lock_out_that_client_only(
    settings: Any, make_user: Callable[..., User]
) -> None:
    settings.AGORA_TRUSTED_PROXIES = 1
    make_user("comunicador")
    attacker = Client()
    for attempt in range(5):
        # Changing the header it sends does not make the attacker a new client.
        _post_password(attacker, "comunicador", "equivocada", f"1.1.1.{attempt}, 198.51.100.66")
    locked = _post_password(attacker, "comunicador", PASSWORD, "9.9.9.9, 198.51.100.66")
    assert locked.status_code == 429
    # The real person, from another address behind the same proxy, still signs in.
    person = Client()
    response = _post_password(person, "comunicador", PASSWORD, "203.0.113.20")
    assert response.status_code in {200, 302}
    assert "Acceso bloqueado" not in response.content.decode()


@pytest.mark.django_db
def test_behind_the_proxy_the_api_throttle_counts_real_clients(
    settings: Any, monkeypatch: pytest.MonkeyPatch, client: Client
) -> None:
    settings.AGORA_TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/minute"})
    codes = [
        client.get(
            "/api/v1/entities/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"7.7.7.{n}, 198.51.100.8"
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    other = client.get("/api/v1/entities/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.30")
    assert other.status_code == 200


# --- Cache-Control on what a signed-in person sees ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/bandeja/",
        "/informes/",
        "/informes/tablero/",
        "/vigilancia/",
        "/api/v1/messages/",
        "/equipo/",
    ],
)
def test_pages_and_files_for_signed_in_staff_are_never_stored(
    client: Client, rector: User, path: str
) -> None:
    from tests.helpers import login

    login(client, rector)
    response = client.get(path)
    assert response.status_code < 500
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= directives, (path, response.get("Cache-Control"))
    assert "public" not in directives


@pytest.mark.django_db
def test_anonymous_public_pages_keep_their_caching(client: Client) -> None:
    response = client.get("/")
    assert "no-store" not in response.get("Cache-Control", "")
