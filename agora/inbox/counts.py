"""The inbox's per-status counts and list pages, cached for a few seconds.

Counting an entity's conversations per status reads every one of them (an index-only scan,
but still tens of thousands of rows for a busy ministry) and the list asks for it on every
page. The counts are kept for ``TTL`` seconds under a key that includes a version: every
service that changes a conversation's status, assignee, kind, flags or timeline calls
:func:`counts_changed`, so the person who acted sees fresh counts at once; changes made by
background work elsewhere show within ``TTL`` seconds, as in Zammad's and Chatwoot's overviews.

The list page itself is kept the same way, per session: a team member who keeps the inbox
open and filters back and forth is served the page again while nothing changed.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

TTL = 5
T = TypeVar("T")
VERSION_KEY = "inbox:counts:version"


def counts_changed() -> None:
    """Invalidates every cached count (one key; cheap enough for each write): now, for the
    rest of this transaction, and again once it commits, so that no concurrent reader keeps
    counts of the old rows under the new key."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, timeout=None)


def list_page_key(*, session_key: str, path: str, variant: str, unread: int) -> str:
    """Cache key of one person's rendered list page (see ``agora.inbox.views.inbox_list``):
    their session (whose CSRF secret the page carries), the address with its filters, full
    page or htmx fragment, the unread notifications, the counts version and the clock bucket."""
    version = cache.get(VERSION_KEY, 0)
    parts = (session_key, path, variant, unread, version, int(time.time() // TTL))
    return "inbox:page:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def counts_cached(parts: tuple[Any, ...], compute: Callable[[], dict[str, int]]) -> dict[str, int]:
    """``compute()``'s counts for the list described by ``parts`` (scope and filters),
    from the cache when fresh."""
    return versioned_cached("counts", parts, compute)


def versioned_cached(kind: str, parts: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()``'s value for ``parts`` under the current version, at most ``TTL`` seconds
    old (things that depend on the clock, such as overdue counts, stay that fresh)."""
    version = cache.get(VERSION_KEY, 0)
    digest = hashlib.sha256(repr((version, int(time.time() // TTL), parts)).encode()).hexdigest()
    key = f"inbox:{kind}:{digest}"
    value: T | None = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TTL)
    return value
