"""Prometheus metrics at ``/metricas/`` (issue 16): what an operator watches.

* counters kept by each process: requests served (by method and status class) and webhook
  deliveries (by platform and outcome). Under gunicorn with several workers set
  ``PROMETHEUS_MULTIPROC_DIR`` (an empty folder per machine, emptied at start: see
  docs/operacion.md) so that every worker's counts are added up;
* gauges read from the database at each scrape, registered by the apps that own them
  (``gauge_register`` in their ``AppConfig.ready``): tasks waiting in the queue and the age of
  the oldest, outbox rows pending and failed, messages still unclassified, rollup drift…

The endpoint answers only with ``Authorization: Bearer <AGORA_METRICS_TOKEN>``; without a
configured token it does not exist (404). No personal data is exported.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "agora_http_requests",
    "Peticiones HTTP atendidas, por método y clase de estado.",
    ["method", "status"],
)
WEBHOOKS = Counter(
    "agora_webhooks",
    "Entregas de webhooks de las plataformas, por plataforma y resultado.",
    ["platform", "outcome"],
)


@dataclass(frozen=True)
class _Gauge:
    name: str
    documentation: str
    read: Callable[[], float]


_GAUGES: dict[str, _Gauge] = {}


def gauge_register(name: str, documentation: str, read: Callable[[], float]) -> None:
    """A gauge read at each scrape (the owning app registers it at start-up)."""
    _GAUGES[name] = _Gauge(name, documentation, read)


class _DatabaseCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in sorted(_GAUGES.values(), key=lambda g: g.name):
            try:
                value = float(gauge.read())
            except Exception:  # a failing reading is left out and logged, never a 500
                log.exception("No se pudo leer la métrica %s", gauge.name)
                continue
            family = GaugeMetricFamily(gauge.name, gauge.documentation)
            family.add_metric([], value)
            yield family


def webhook_counted(platform: str, outcome: str) -> None:
    WEBHOOKS.labels(platform=platform, outcome=outcome).inc()


class MetricsMiddleware:
    """Counts every request by method and status class (2xx, 4xx…)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "otro"
        REQUESTS.labels(method=method, status=f"{response.status_code // 100}xx").inc()
        return response


_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(WEBHOOKS)
    registry.register(_DatabaseCollector())
    return registry


def _authorised(request: HttpRequest) -> bool:
    token = getattr(settings, "AGORA_METRICS_TOKEN", "")
    if not token:
        raise Http404(_("Las métricas no están activadas (AGORA_METRICS_TOKEN)."))
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode("utf-8", "replace"), f"Bearer {token}".encode())


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        return HttpResponse(
            _("Falta el token de métricas o no es válido."),
            status=401,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


def gauges_read() -> list[tuple[str, str, float | None]]:
    """Every registered gauge as (name, description, value); None when it cannot be read.
    What the rector's dashboard shows as "Trabajo en segundo plano"."""
    values: list[tuple[str, str, float | None]] = []
    for gauge in sorted(_GAUGES.values(), key=lambda g: g.name):
        try:
            values.append((gauge.name, gauge.documentation, float(gauge.read())))
        except Exception:
            log.exception("No se pudo leer la métrica %s", gauge.name)
            values.append((gauge.name, gauge.documentation, None))
    return values
