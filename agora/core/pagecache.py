"""Whole public pages kept in the cache for anonymous visitors.

A visitor with no session and no pending one-time message sees exactly what every other such
visitor sees for the same address: the page carries no CSRF token and nothing personal. Views
key the page on everything it shows (the data's revision, the date when it matters, the
filters), so a change shows at once; the timeout only bounds what a key could miss. Signed-in
people are always served a fresh page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def anonymous_visit(request: HttpRequest) -> bool:
    """No session cookie and no pending one-time message."""
    return not (
        request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get("messages")
    )


def page_key(prefix: str, parts: Any) -> str:
    return f"page:{prefix}:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


def anonymous_page(
    request: HttpRequest,
    *,
    prefix: str,
    parts: Any,
    build: Callable[[], HttpResponse],
    timeout: int,
) -> HttpResponse:
    """``build()``'s response, from the cache for anonymous visitors when a page was kept
    under ``parts``; successful pages rendered for them are kept."""
    if not anonymous_visit(request):
        return build()
    key = page_key(prefix, parts)
    html: str | None = cache.get(key)
    if html is not None:
        return HttpResponse(html)
    response = build()
    if response.status_code == 200 and not response.streaming:
        cache.set(key, response.content.decode(), timeout)
    return response
