"""What an operator needs to run Ágora on several machines (issue 16): a request id on every
request and log line, log lines with time, level and origin, and health endpoints for the
load balancer and the orchestrator.

* ``RequestIdMiddleware``: takes the proxy's ``X-Request-ID`` when it looks like one (letters,
  digits, ``-``, ``_``, ``.``; at most 64), otherwise makes one; returns it in the response
  header and puts it on every log record written while the request is served
  (``RequestIdFilter``), so one request can be followed across the proxy, the server and the
  application's log.
* ``/salud/``: the process answers (liveness; touches nothing else).
* ``/salud/lista/``: the process can serve (readiness): the database answers and has no
  migration pending, the cache answers (a failing Redis is reported, and the answer stays 200
  because the application keeps working without it: see docs/operacion.md), the task queue's
  broker answers, with how many tasks wait and how old the oldest is (reported: workers run
  elsewhere, a late queue does not make this server unable to serve). JSON, 200 or 503, never
  cached, no personal data. With AGORA_S3_BUCKET, the object store of uploads answers too
  (required: without it no upload can be stored or read).
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from agora.core import objectstore

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_current: contextvars.ContextVar[str] = contextvars.ContextVar("agora_request_id", default="-")


def request_id() -> str:
    """The id of the request being served ("-" outside a request)."""
    return _current.get()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record (the formatter prints it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get()
        return True


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        rid = given if _VALID.match(given) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = _current.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = rid
        return response


def _check(name: str, probe: Callable[[], Any]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail = probe()
    except Exception as exc:  # a health check reports every failure, whatever it is
        return {
            "nombre": name,
            "estado": "falla",
            "detalle": type(exc).__name__,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return {
        "nombre": name,
        "estado": "ok",
        "detalle": detail or "",
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise RuntimeError(f"{len(pending)} migraciones pendientes")
    return connection.vendor


def _cache() -> str:
    key = f"agora:salud:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("la caché no devolvió lo guardado")
    cache.delete(key)
    return type(caches["default"]).__name__


def _broker() -> str:
    from django_q.brokers import get_broker

    broker = get_broker()
    if not broker.ping():
        raise RuntimeError("el intermediario de tareas no responde")
    return f"{type(broker).__name__}: {broker.queue_size()} en espera"


def queue_oldest_seconds() -> float | None:
    """Seconds the oldest waiting task has waited (database broker; None with Redis, which
    does not say)."""
    from django.conf import settings
    from django.db.models import Min
    from django.utils import timezone
    from django_q.models import OrmQ

    if "orm" not in settings.Q_CLUSTER:
        return None
    oldest = OrmQ.objects.filter(lock__lte=timezone.now()).aggregate(first=Min("lock"))["first"]
    if oldest is None:
        return 0.0
    return (timezone.now() - oldest).total_seconds()


def queue_size() -> int:
    from django_q.brokers import get_broker

    return int(get_broker().queue_size() or 0)


def _queue_age() -> str:
    seconds = queue_oldest_seconds()
    if seconds is None:
        return "no disponible con Redis"
    return f"{int(seconds)} s"


def _outbox() -> str:
    """Work recorded after commits and not yet done (agora/core/outbox.py). Reported: a
    backlog is the workers' matter, not a reason to stop serving."""
    from agora.core.outbox import outbox_state

    state = outbox_state()
    return (
        f"{state['pending']} pendientes (la más antigua de {int(state['oldest_seconds'])} s), "
        f"{state['failed']} fallidas"
    )


def gauges_register() -> None:
    from agora.core.metrics import gauge_register
    from agora.core.outbox import outbox_state

    gauge_register(
        "agora_queue_tasks", "Tareas esperando en la cola de trabajos.", lambda: queue_size()
    )
    gauge_register(
        "agora_queue_oldest_seconds",
        "Segundos que lleva esperando la tarea más antigua de la cola (intermediario en la "
        "base de datos).",
        lambda: queue_oldest_seconds() or 0.0,
    )
    gauge_register(
        "agora_outbox_pending",
        "Tareas registradas tras guardar que aún no terminan.",
        lambda: outbox_state()["pending"],
    )
    gauge_register(
        "agora_outbox_failed",
        "Tareas registradas tras guardar que fallaron todos sus intentos.",
        lambda: outbox_state()["failed"],
    )
    gauge_register(
        "agora_outbox_oldest_seconds",
        "Antigüedad en segundos de la tarea pendiente más antigua registrada tras guardar.",
        lambda: outbox_state()["oldest_seconds"],
    )


# Checks whose failure makes the server not ready (503); the others are reported only.
_REQUIRED = {"base_de_datos", "cola_de_tareas", "almacenamiento"}


@never_cache
@require_GET
def alive(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"estado": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    checks = [
        _check("base_de_datos", _database),
        _check("cache", _cache),
        _check("cola_de_tareas", _broker),
        _check("antiguedad_de_la_cola", _queue_age),
        _check("tareas_tras_guardar", _outbox),
    ]
    if settings.S3_BUCKET:  # uploads live in the object store: without it, no upload or file
        checks.append(_check("almacenamiento", objectstore.probe))
    failing = [c["nombre"] for c in checks if c["estado"] != "ok" and c["nombre"] in _REQUIRED]
    body = {"estado": "falla" if failing else "ok", "comprobaciones": checks}
    return JsonResponse(body, status=503 if failing else 200)
