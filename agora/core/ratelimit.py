"""Limits on what sends e-mail or creates accounts (issue 17): counted per target address and
per client address in the cache, so that nobody can make the government's sender write to any
address without end. Exceeding one raises ``RateLimited``; ``RateLimitMiddleware`` answers it
with a Spanish 429 page (JSON under /api/) saying when to try again.

The cache is the only store (Redis at scale, memory in the embedded set-up): a cache that is
down means no limit rather than an error, as for the comment limit.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agora.core.clientip import client_ip


@dataclass(frozen=True)
class Rate:
    limit: int
    window: int  # seconds


def parse_rate(text: str) -> Rate:
    """``"5/hour"``, ``"20/day"``, ``"3/600"`` (seconds)."""
    count, _sep, period = str(text).partition("/")
    units = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60}
    units |= {"h": 3600, "hour": 3600, "d": 86400, "day": 86400}
    window = int(period) if period.isdigit() else units[period.strip().lower()]
    return Rate(limit=int(count), window=window)


class RateLimited(Exception):
    """Too many attempts: ``retry_after`` seconds until the next one is accepted."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = max(1, int(retry_after))


def _key(scope: str, kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{kind}:{digest}"


def _hit(key: str, rate: Rate, now: float) -> int:
    """Counts one attempt in a fixed window; returns the seconds to wait if over the limit."""
    started = cache.get_or_set(key + ":t", now, rate.window)
    if started is None:  # cache unavailable
        return 0
    if cache.add(key, 1, rate.window):
        return 0
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, rate.window)
        return 0
    if count is None:
        return 0
    if count > rate.limit:
        cache.decr(key)  # refused attempts do not push the window further
        return math.ceil(float(started) + rate.window - now) or 1
    return 0


def rate_limit(
    scope: str,
    *,
    request: HttpRequest,
    address: str = "",
    per_address: str | None = None,
    per_client: str | None = None,
) -> None:
    """Counts one attempt of ``scope`` (``"registro"``, ``"suscripcion"``…) by this client and,
    when given, for this target e-mail ``address``; raises ``RateLimited`` if either is over
    its rate (``AGORA_RATE_*`` settings by default)."""
    limits: dict[str, str] = getattr(settings, "AGORA_RATE_LIMITS", {})
    now = time.time()
    waits = []
    client_rate = per_client or limits.get(f"{scope}:cliente") or limits.get("cliente")
    if client_rate:
        waits.append(_hit(_key(scope, "cliente", client_ip(request)), parse_rate(client_rate), now))
    address_rate = per_address or limits.get(f"{scope}:correo") or limits.get("correo")
    if address and address_rate:
        waits.append(_hit(_key(scope, "correo", address), parse_rate(address_rate), now))
    wait = max(waits, default=0)
    if wait:
        raise RateLimited(wait)


def limited(
    scope: str, *, address: Callable[[HttpRequest], str] | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view decorator: every POST counts (``address(request)`` names the target address)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method == "POST":
                rate_limit(scope, request=request, address=address(request) if address else "")
            return view(request, *args, **kwargs)

        wrapped.__name__ = getattr(view, "__name__", "view")
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


def wait_text(seconds: int) -> str:
    """«1 minuto», «15 minutos», «2 horas»: rounded up, never «0»."""
    if seconds < 3600:
        minutes = max(1, math.ceil(seconds / 60))
        return ngettext("%(n)d minuto", "%(n)d minutos", minutes) % {"n": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(n)d hora", "%(n)d horas", hours) % {"n": hours}


def too_many_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    message = _(
        "Demasiados intentos seguidos desde su conexión o para ese correo. "
        "Por seguridad, vuelva a intentarlo dentro de %(wait)s."
    ) % {"wait": wait_text(retry_after)}
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": message, "retry_after": retry_after},
            status=429,
            json_dumps_params={"ensure_ascii": False},
        )
    else:
        response = render(
            request,
            "429.html",
            {"message": message, "wait": wait_text(retry_after), "retry_after": retry_after},
            status=429,
        )
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Turns ``RateLimited`` raised by a view into the Spanish 429."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many_response(request, exception.retry_after)
        return None
