"""Anonymous visit counters for the public directory.

A page view adds one to a per-process buffer; the buffer is written to ``VisitCount`` at most
every ``VISIT_FLUSH_SECONDS`` so that busy pages do not queue on the database. Nothing about
the visitor (IP, cookie, user agent) is stored; the user agent is read only to skip robots.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.http import HttpRequest
from django.utils import timezone

from agora.directory.models import VisitCount

DIRECTORY_KEY = "directorio"
_ROBOTS = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-|httpclient", re.I)

_lock = threading.Lock()
_pending: Counter[tuple[str, date]] = Counter()
_last_flush = time.monotonic()


def entity_key(code: str) -> str:
    return f"entidad:{code}"


def is_robot(request: HttpRequest) -> bool:
    return bool(_ROBOTS.search(request.headers.get("User-Agent", "")))


def visit_record(request: HttpRequest, key: str) -> None:
    """Counts one view of ``key`` unless the request is a robot's or not a GET."""
    if request.method != "GET" or is_robot(request):
        return
    global _last_flush
    day = timezone.localdate()
    with _lock:
        _pending[(key, day)] += 1
        due = time.monotonic() - _last_flush >= settings.VISIT_FLUSH_SECONDS
        if not due:
            return
        batch = dict(_pending)
        _pending.clear()
        _last_flush = time.monotonic()
    visits_flush(batch)


def visits_flush(batch: dict[tuple[str, date], int] | None = None) -> None:
    """Writes buffered counts (this process's, by default) to the database."""
    if batch is None:
        with _lock:
            batch = dict(_pending)
            _pending.clear()
    for (key, day), count in batch.items():
        _stored.pop(key, None)
        with transaction.atomic():
            updated = VisitCount.objects.filter(key=key, day=day).update(count=F("count") + count)
            if not updated:
                obj, created = VisitCount.objects.get_or_create(
                    key=key, day=day, defaults={"count": count}
                )
                if not created:
                    VisitCount.objects.filter(pk=obj.pk).update(count=F("count") + count)


_stored: dict[str, tuple[int, float]] = {}


def visits_total(key: str) -> int:
    """Stored views (re-read at most every flush interval) plus the ones this process has not
    written yet."""
    cached = _stored.get(key)
    now = time.monotonic()
    if cached is None or now - cached[1] >= settings.VISIT_FLUSH_SECONDS:
        total = VisitCount.objects.filter(key=key).aggregate(total=Sum("count"))["total"] or 0
        cached = _stored[key] = (int(total), now)
    stored = cached[0]
    with _lock:
        pending = sum(n for (k, _day), n in _pending.items() if k == key)
    return int(stored) + pending
