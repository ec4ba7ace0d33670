"""Every way to make Ágora send an e-mail or create an account is limited per target address
and per client address (issue 17), with a Spanish 429 that says when to try again; nothing is
sent past the limit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from agora.core import ratelimit
from agora.core.models import User
from agora.participation.models import CitizenVerification
from tests.helpers import login

PASSWORD = "una-clave-larga-2026"
LIMIT = 2


def _register(client: Client, email: str) -> Any:
    email = re.sub("@example.pe$", "@registro.pe", email, flags=re.IGNORECASE)
    return client.post(
        reverse("participation:register"),
        {"email": email, "password": PASSWORD, "password_confirm": PASSWORD},
    )


def _subscribe(client: Client, email: str) -> Any:
    return client.post(reverse("participation:subscribe"), {"email": email})


def _reset(client: Client, email: str) -> Any:
    return client.post(reverse("account:password_reset"), {"email": email})


def _resend(client: Client, email: str) -> Any:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(username=email, email=email, password=PASSWORD)
        CitizenVerification.objects.create(user=user, email=email)
    login(client, user)
    return client.post(reverse("participation:verification_resend"), {"next": "/participa/"})


SENDERS: dict[str, Callable[[Client, str], Any]] = {
    "registro": _register,
    "suscripcion": _subscribe,
    "clave": _reset,
    "verificacion": _resend,
}


@pytest.fixture
def existing_accounts(make_user: Callable[..., User]) -> None:
    """Accounts for the reset requests, so that each one really sends a mail."""
    for n in range(6):
        make_user(f"persona{n}@example.pe", email=f"persona{n}@example.pe")
    make_user("misma@example.pe", email="misma@example.pe")


def _assert_429(answer: Any) -> None:
    assert answer.status_code == 429
    html = answer.content.decode()
    assert "Demasiados intentos" in html and "vuelva a intentarlo dentro de" in html
    assert int(answer["Retry-After"]) > 0
    assert 'lang="es-PE"' in html


@pytest.mark.parametrize("scope", SENDERS)
def test_limit_per_client_address(
    scope: str,
    settings: Any,
    existing_accounts: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """One client, a different target address each time: refused after the client's limit."""
    settings.AGORA_RATE_LIMITS = {"cliente": f"{LIMIT}/hour", "correo": "100/hour"}
    answers = []
    for n in range(LIMIT + 1):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                SENDERS[scope](Client(REMOTE_ADDR="203.0.113.7"), f"persona{n}@example.pe")
            )
    assert all(a.status_code != 429 for a in answers[:LIMIT])
    _assert_429(answers[-1])
    assert len(mail.outbox) == LIMIT
    # Another client is not affected.
    with django_capture_on_commit_callbacks(execute=True):
        other = SENDERS[scope](Client(REMOTE_ADDR="198.51.100.9"), "persona5@example.pe")
    assert other.status_code in (200, 302)
    assert len(mail.outbox) == LIMIT + 1


@pytest.mark.parametrize("scope", SENDERS)
def test_limit_per_target_address(
    scope: str,
    settings: Any,
    existing_accounts: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Many clients, the same target address: refused after the address's limit, so that
    nobody can flood one person's mailbox from many addresses."""
    settings.AGORA_RATE_LIMITS = {"cliente": "100/hour", "correo": f"{LIMIT}/hour"}
    answers = []
    for n in range(LIMIT + 1):
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                SENDERS[scope](Client(REMOTE_ADDR=f"203.0.113.{n + 1}"), "misma@example.pe")
            )
    assert all(a.status_code != 429 for a in answers[:LIMIT])
    _assert_429(answers[-1])
    assert all(m.to[0].startswith("misma@") for m in mail.outbox)
    assert len(mail.outbox) <= LIMIT
    # The address is counted whatever its case or spaces.
    with django_capture_on_commit_callbacks(execute=True):
        shouted = SENDERS[scope](Client(REMOTE_ADDR="203.0.113.99"), "MISMA@example.pe")
    if scope != "verificacion":  # the resend's address is the account's own
        _assert_429(shouted)


def test_registration_limit_counts_accounts_created(settings: Any, db: None) -> None:
    settings.AGORA_RATE_LIMITS = {"cliente": f"{LIMIT}/hour", "correo": "100/hour"}
    for n in range(LIMIT + 3):
        _register(Client(REMOTE_ADDR="203.0.113.7"), f"nueva{n}@example.pe")
    assert User.objects.filter(username__startswith="nueva").count() == LIMIT


def test_behind_the_proxy_a_forged_forwarded_header_does_not_reset_the_count(
    settings: Any, db: None
) -> None:
    """The client is the entry the trusted proxy wrote, never one a client sent."""
    settings.AGORA_TRUSTED_PROXIES = 1
    settings.AGORA_RATE_LIMITS = {"cliente": f"{LIMIT}/hour", "correo": "100/hour"}
    answers = [
        _subscribe(
            Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7"),
            f"otra{n}@example.pe",
        )
        for n in range(LIMIT + 1)
    ]
    _assert_429(answers[-1])


def test_api_paths_get_the_429_as_spanish_json(rf: RequestFactory) -> None:
    answer = ratelimit.too_many_response(rf.post("/api/v1/algo/"), 125)
    assert answer.status_code == 429 and answer["Retry-After"] == "125"
    body = json.loads(answer.content)
    assert body["retry_after"] == 125 and "3 minutos" in body["detail"]


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 minuto"), (59, "1 minuto"), (61, "2 minutos"), (3600, "1 hora"), (3601, "2 horas")],
)
def test_wait_is_said_in_words(seconds: int, text: str) -> None:
    assert ratelimit.wait_text(seconds) == text


def test_rates_are_read_in_every_unit() -> None:
    assert ratelimit.parse_rate("5/hour") == ratelimit.Rate(5, 3600)
    assert ratelimit.parse_rate("3/600") == ratelimit.Rate(3, 600)
    assert ratelimit.parse_rate("10/day") == ratelimit.Rate(10, 86400)
    assert ratelimit.parse_rate("2/minute") == ratelimit.Rate(2, 60)
