"""Issue 16, operations: a request id on every response and log line, log lines with time and
level, health endpoints that say whether this server can serve (and why not)."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

from agora.core import observability

ALIVE = "/salud/vivo/"
READY = "/salud/listo/"


def test_alive_answers_without_touching_the_database(client: Client) -> None:
    # No django_db mark: any query here would fail the test.
    response = client.get(ALIVE)
    assert response.status_code == 200
    assert response.json() == {"estado": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_ready_checks_the_database_cache_and_queue(client: Client) -> None:
    response = client.get(READY)
    assert response.status_code == 200
    body = response.json()
    assert body["estado"] == "ok"
    assert {c["nombre"]: c["estado"] for c in body["comprobaciones"]} == {
        "base_de_datos": "ok",
        "cache": "ok",
        "cola_de_tareas": "ok",
    }


@pytest.mark.django_db
def test_ready_is_503_when_a_migration_is_pending_and_200_without_the_cache(
    client: Client,
) -> None:
    with mock.patch.object(
        observability.MigrationExecutor, "migration_plan", return_value=[("x", False)]
    ):
        response = client.get(READY)
    assert response.status_code == 503
    [database] = [c for c in response.json()["comprobaciones"] if c["nombre"] == "base_de_datos"]
    assert database["estado"] == "falla"
    # A failing cache (Redis down) is reported; the server still serves.
    with mock.patch.object(observability.cache, "set", side_effect=ConnectionError):
        response = client.get(READY)
    assert response.status_code == 200
    [cache] = [c for c in response.json()["comprobaciones"] if c["nombre"] == "cache"]
    assert (cache["estado"], cache["detalle"]) == ("falla", "ConnectionError")


def test_ready_refuses_other_methods(client: Client) -> None:
    assert client.post(READY).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("proxy-1234abcd", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("<script>alert(1)</script>", False),
        ("corto", False),
        ("", False),
    ],
)
def test_the_request_id_of_the_proxy_is_kept_when_well_formed(
    client: Client, given: str, kept: bool
) -> None:
    headers: dict[str, Any] = {"HTTP_X_REQUEST_ID": given} if given else {}
    rid = client.get(ALIVE, **headers)["X-Request-ID"]
    assert (rid == given) is kept
    assert observability._VALID.match(rid)


def test_log_records_carry_the_request_id_time_and_level(client: Client) -> None:
    seen: list[str] = []
    config: dict[str, Any] = settings.LOGGING["formatters"]["agora"]  # type: ignore[index]
    formatter = logging.Formatter(config["format"], config["datefmt"])

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(formatter.format(record))

    handler = Capture()
    handler.addFilter(observability.RequestIdFilter())
    logger = logging.getLogger("agora.prueba")
    logger.addHandler(handler)
    try:
        with mock.patch.object(
            observability, "JsonResponse", side_effect=lambda body, **kw: _log_and_answer(body)
        ):
            client.get(ALIVE, HTTP_X_REQUEST_ID="peticion-0001")
        logger.warning("fuera de una petición")
    finally:
        logger.removeHandler(handler)
    assert " WARNING agora.prueba [peticion-0001] dentro" in seen[0]
    assert seen[0][:4].isdigit() and "T" in seen[0][:20]
    assert "[-] fuera de una petición" in seen[1]


def _log_and_answer(body: dict[str, Any]) -> Any:
    from django.http import JsonResponse

    logging.getLogger("agora.prueba").warning("dentro")
    return JsonResponse(body)
