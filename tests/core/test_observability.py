"""Issue 16, operations: a request id on every response and log line, log lines with time and
level, health endpoints that say whether this server can serve (and why not)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

from agora.core import observability

ALIVE = "/salud/"
READY = "/salud/lista/"


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
        "antiguedad_de_la_cola": "ok",
        "tareas_tras_guardar": "ok",
    }
    age = next(c for c in body["comprobaciones"] if c["nombre"] == "antiguedad_de_la_cola")
    assert age["detalle"] == "0 s"


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
    from pythonjsonlogger.json import JsonFormatter

    config: dict[str, Any] = dict(settings.LOGGING["formatters"]["json"])  # type: ignore[index]
    config.pop("()")
    formatter = JsonFormatter(config.pop("format"), **config)

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
    inside, outside = (json.loads(line) for line in seen)
    assert inside["nivel"] == "WARNING" and inside["origen"] == "agora.prueba"
    assert (inside["request_id"], inside["mensaje"]) == ("peticion-0001", "dentro")
    assert datetime.strptime(inside["hora"], "%Y-%m-%dT%H:%M:%S%z").tzinfo is not None
    assert (outside["request_id"], outside["mensaje"]) == ("-", "fuera de una petición")


def _log_and_answer(body: dict[str, Any]) -> Any:
    from django.http import JsonResponse

    logging.getLogger("agora.prueba").warning("dentro")
    return JsonResponse(body)
