"""The conversations of a batch: found by their thread key, or created once with the
timeline of their new messages already applied; the entity's own posts they hang on; the
thread each new message belongs to."""

from __future__ import annotations

import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from agora.directory.models import AccountStatus, SocialAccount
from agora.inbox import priority
from agora.inbox.attachments import (
    attachments_summary,
)
from agora.inbox.bulk_sql import column_types, db_bool, execute, row_sources, rows_source
from agora.inbox.deadlines import deadlines_cached
from agora.inbox.ingest.events import (
    MAX_TEXT,
    IncomingMessage,
    IncomingPost,
)
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    Conversation,
    Direction,
    Message,
    Post,
    Status,
    ThreadKind,
)
from agora.inbox.timeline import (
    _TIMELINE_FIELDS,
    CHUNK,
    _chunks,
    _Timeline,
    _timeline_new,
    datetime_adapter,
)

log = logging.getLogger(__name__)


@dataclass
class _Thread:
    """What ingestion needs of a conversation: its id, whether it has a citizen yet, and, when
    this batch created it, the timeline it was written with (``planned``: the new messages
    it counts, so that a message another writer stored first can be told apart)."""

    pk: int
    author_id: str
    planned: int | None = None


_CONVERSATION_COLUMNS = [
    "entity_id",
    "account_id",
    "platform",
    "thread_kind",
    "thread_id",
    "subject",
    "post_id",
    "author_id",
    "author_name",
    "priority",
    "priority_reason",
    "kind",
    "flags",
    "is_demo",
    "created_at",
    *_TIMELINE_FIELDS,
]
_TIMELINE_DATETIMES = {
    name for name in _TIMELINE_FIELDS if name.endswith("_at") or name.endswith("_since")
}
_timeline_values = operator.attrgetter(*_TIMELINE_FIELDS)
_STATUS_POSITION = _TIMELINE_FIELDS.index("status")
# Plain strings for the rows (the driver binds an exact str directly, a choice after a look-up).
_STATUS_VALUES = {status: status.value for status in Status}
_INBOUND, _OUTBOUND = Direction.ENTRANTE.value, Direction.SALIENTE.value
_TIMELINE_DATETIME_POSITIONS = [
    position for position, name in enumerate(_TIMELINE_FIELDS) if name in _TIMELINE_DATETIMES
]


def _timeline_row(
    timeline: _Timeline, adapt: Callable[[datetime | None], Any], adapted: dict[datetime, Any]
) -> list[Any]:
    """The values of ``_TIMELINE_FIELDS`` as the database takes them; ``adapted`` remembers
    the datetimes already converted (a new conversation's first message sets three fields)."""
    values = list(_timeline_values(timeline))
    values[_STATUS_POSITION] = _STATUS_VALUES.get(
        values[_STATUS_POSITION], values[_STATUS_POSITION]
    )
    for position in _TIMELINE_DATETIME_POSITIONS:
        value = values[position]
        if value is not None:
            known = adapted.get(value)
            if known is None:
                known = adapted[value] = adapt(value)
            values[position] = known
    return values


# Keys per look-up (3 parameters each) and new conversations per INSERT (one parameter per
# column): far below SQLite's 32,766 and PostgreSQL's 65,535 parameters per statement.
THREADS_CHUNK = 2_000
CONVERSATIONS_INSERT_CHUNK = 30_000 // len(_CONVERSATION_COLUMNS)


_THREAD_KEY = ["account_id", "thread_kind", "thread_id"]


def _thread_key_types() -> list[str]:
    return column_types(Conversation, _THREAD_KEY)


def _conversations_stored(
    keys: Sequence[tuple[int, str, str]],
) -> Iterator[tuple[int, int, str, str, str]]:
    """(id, account, kind, thread id, author) of the stored conversations among ``keys``:
    one query per ``THREADS_CHUNK`` keys, each a probe of the unique (account, kind, thread)
    index. (``account_id IN … AND thread_id IN …`` read every conversation of the accounts
    instead: slower with each batch stored.)"""
    table = Conversation._meta.db_table
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        for source, params in row_sources(ordered, _thread_key_types(), _THREAD_KEY, THREADS_CHUNK):
            rows = execute(
                cursor,
                # Fixed identifiers; every value is a parameter.
                f"WITH wanted (account_id, thread_kind, thread_id) AS ({source}) "  # noqa: S608
                f"SELECT c.id, c.account_id, c.thread_kind, c.thread_id, c.author_id "
                f"FROM wanted w JOIN {table} c ON c.account_id = w.account_id "
                "AND c.thread_kind = w.thread_kind AND c.thread_id = w.thread_id",
                params,
            )
            yield from rows


def _conversations_for(
    keys: set[tuple[int, str, str]],
    accounts: dict[int, SocialAccount],
    first: dict[tuple[int, str, str], IncomingMessage],
    first_citizen: dict[tuple[int, str, str], IncomingMessage],
    is_demo: bool,
    now: datetime,
    posts: dict[tuple[int, str, str], int] | None = None,
    planned: dict[tuple[int, str, str], list[tuple[datetime, bool]]] | None = None,
) -> tuple[dict[tuple[int, str, str], _Thread], int]:
    """Existing conversations for ``keys``, creating the missing ones with the timeline of
    their ``planned`` new messages (time, outbound?) already applied; returns them and how
    many this call created. A concurrent creator of the same thread is absorbed by the
    unique constraint: its conversation is used as an existing one."""
    found: dict[tuple[int, str, str], _Thread] = {}

    def load(wanted: Sequence[tuple[int, str, str]]) -> None:
        for pk, account_id, kind, thread_id, author_id in _conversations_stored(wanted):
            found[(account_id, kind, thread_id)] = _Thread(pk, author_id)

    load(list(keys))
    missing = sorted(key for key in keys if key not in found)
    if not missing:
        return found, 0
    planned = planned or {}
    adapt = datetime_adapter()
    stamp = adapt(now)
    deadlines = deadlines_cached({accounts[key[0]].entity_id for key in missing})
    # The priority the rules give from the deadline (agora/inbox/priority.py), written with
    # the row: the receivers then confirm it instead of updating every new row (a threat or
    # a repeated citizen, known later, still raise it there).
    due_soon = {e: priority._threshold(d, now) for e, d in deadlines.items()}
    rows: list[tuple[Any, ...]] = []
    counts: dict[tuple[int, str, str], int] = {}
    adapted: dict[datetime, Any] = {now: stamp}
    demo = db_bool(is_demo)
    for key in missing:
        event = first[key]
        citizen = first_citizen.get(key)
        account = accounts[key[0]]
        # The title is the citizen's first message (the entity's post is context).
        titled = citizen or event
        events = planned.get(key, [])
        counts[key] = len(events)
        timeline = _timeline_new(None, events, deadlines[account.entity_id], now)
        rank, reason = priority.decide(
            threat=False,
            due_at=timeline.due_at,
            due_soon_until=due_soon[account.entity_id],
            repeated=False,
            status=timeline.status,
        )
        rows.append(
            (
                account.entity_id,
                account.pk,
                account.platform,
                str(key[1]),
                key[2],
                (
                    titled.subject
                    or titled.text
                    or attachments_summary(titled.attachments, titled.platform)
                )[:300],
                (posts or {}).get(key),
                citizen.author_id if citizen else "",
                citizen.author_name[:200] if citizen else "",
                str(rank),
                str(reason),
                "",
                "[]",
                demo,
                stamp,
                *_timeline_row(timeline, adapt, adapted),
            )
        )
    table = Conversation._meta.db_table
    columns = ", ".join(_CONVERSATION_COLUMNS)
    types = column_types(Conversation, _CONVERSATION_COLUMNS)
    created = 0
    with connection.cursor() as cursor:
        for source, params in row_sources(
            rows, types, _CONVERSATION_COLUMNS, CONVERSATIONS_INSERT_CHUNK
        ):
            returned = execute(
                cursor,
                f"INSERT INTO {table} ({columns}) {source}"
                " ON CONFLICT (account_id, thread_kind, thread_id) DO NOTHING"
                " RETURNING id, account_id, thread_kind, thread_id, author_id",
                params,
            )
            for pk, account_id, kind, thread_id, author_id in returned:
                key = (account_id, kind, thread_id)
                found[key] = _Thread(pk, author_id, planned=counts[key])
                created += 1
    absorbed = [key for key in missing if key not in found]
    if absorbed:
        load(absorbed)
    return found, created


_POST_KEY = ["account_id", "platform_post_id"]
_POST_COLUMNS = [
    "entity_id",
    "account_id",
    "platform",
    "platform_post_id",
    "text",
    "url",
    "is_demo",
]


def _posts_for(
    wanted: set[tuple[int, str]], accounts: dict[int, SocialAccount], is_demo: bool
) -> dict[tuple[int, str], int]:
    """Ids of the posts (account, platform post id), creating an empty row for each post not
    read yet (its text arrives with the post, if ever). A few statements per batch, whatever
    its number of posts: probes of the unique (account, post id) index, one multi-row insert."""
    found: dict[tuple[int, str], int] = {}
    if not wanted:
        return found
    table = Post._meta.db_table
    ordered = sorted(wanted)

    def load(keys: Sequence[tuple[int, str]]) -> None:
        with connection.cursor() as cursor:
            for start in range(0, len(keys), THREADS_CHUNK):
                source, params = rows_source(
                    keys[start : start + THREADS_CHUNK], column_types(Post, _POST_KEY), _POST_KEY
                )
                stored = execute(
                    cursor,
                    # Fixed identifiers; every value is a parameter.
                    f"WITH wanted (account_id, platform_post_id) AS ({source}) "  # noqa: S608
                    f"SELECT p.id, p.account_id, p.platform_post_id FROM wanted w JOIN {table} p "
                    "ON p.account_id = w.account_id AND p.platform_post_id = w.platform_post_id",
                    params,
                )
                for pk, account_id, post_id in stored:
                    found[(account_id, post_id)] = pk

    load(ordered)
    missing = [key for key in ordered if key not in found]
    if not missing:
        return found
    demo = db_bool(is_demo)
    rows = [
        (
            accounts[account_id].entity_id,
            account_id,
            accounts[account_id].platform,
            post_id,
            "",
            "",
            demo,
        )
        for account_id, post_id in missing
    ]
    types = column_types(Post, _POST_COLUMNS)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CONVERSATIONS_INSERT_CHUNK):
            source, params = rows_source(
                rows[start : start + CONVERSATIONS_INSERT_CHUNK], types, _POST_COLUMNS
            )
            returned = execute(
                cursor,
                f"INSERT INTO {table} ({', '.join(_POST_COLUMNS)}) {source}"
                " ON CONFLICT (account_id, platform_post_id) DO NOTHING"
                " RETURNING id, account_id, platform_post_id",
                params,
            )
            for pk, account_id, post_id in returned:
                found[(account_id, post_id)] = pk
    absorbed = [key for key in missing if key not in found]
    if absorbed:  # a concurrent writer stored them first
        load(absorbed)
    return found


URL_MAX = Post._meta.get_field("url").max_length or 500


def posts_store(
    *, posts: Sequence[IncomingPost], is_demo: bool = False
) -> dict[tuple[int, str], int]:
    """Stores or updates the entity's own publications (the context of comment threads).
    Replays change nothing. Returns the ids by (account, platform post id)."""
    accounts = {
        a.pk: a
        for a in SocialAccount.objects.filter(
            pk__in={p.account_id for p in posts}, status=AccountStatus.VERIFICADA
        )
    }
    latest: dict[tuple[int, str], IncomingPost] = {}
    for post in posts:
        if post.account_id in accounts and post.post_id:
            if len(post.post_id) > PLATFORM_ID_MAX:
                # Never cut: a cut id would make a second, wrong post.
                log.warning("publicación rechazada: id de %d caracteres", len(post.post_id))
                continue
            latest[(post.account_id, post.post_id)] = post
    ids = _posts_for(set(latest), accounts, is_demo)
    changed = []
    for chunk in _chunks(sorted(ids.values())):
        for row in Post.objects.filter(pk__in=chunk):
            incoming = latest[(row.account_id, row.platform_post_id)]
            values = {
                "text": incoming.text[:MAX_TEXT] or row.text,
                # A cut address would be a broken link: too long, the id-built link serves.
                "url": (incoming.url if len(incoming.url) <= URL_MAX else "") or row.url,
                "posted_at": row.posted_at or incoming.posted_at,
            }
            if any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                changed.append(row)
    Post.objects.bulk_update(changed, ["text", "url", "posted_at"], batch_size=CHUNK)
    return ids


def _threads_of(
    events: Sequence[IncomingMessage], aliases: dict[tuple[str, str], str] | None = None
) -> dict[tuple[str, str], tuple[int, str, str]]:
    """The conversation (account, kind, thread id) of each new event. A reply joins the
    conversation of the message it answers, stored or in this batch (also when it answers
    another id of that message: ``aliases``, (platform, other id) -> message id); otherwise
    it keeps the thread the connector gave (a top-level comment's own id, or the unknown
    parent's id). Direct messages are threaded by the citizen and keep theirs."""
    aliases = aliases or {}
    by_key = {(e.platform, e.message_id): e for e in events}
    wanted: dict[str, set[str]] = defaultdict(set)
    for event in events:
        if event.parent_id and event.thread_kind != ThreadKind.DIRECT:
            parent = aliases.get((event.platform, event.parent_id), event.parent_id)
            wanted[event.platform].add(parent)
    stored: dict[tuple[str, str], tuple[int, str, str]] = {}
    for platform, ids in wanted.items():
        for chunk in _chunks(sorted(ids)):
            for message_id, account_id, kind, thread_id in Message.objects.filter(
                platform=platform, platform_message_id__in=chunk
            ).values_list(
                "platform_message_id",
                "conversation__account_id",
                "conversation__thread_kind",
                "conversation__thread_id",
            ):
                stored[(platform, message_id)] = (account_id, kind, thread_id)
    resolved: dict[tuple[str, str], tuple[int, str, str]] = {}

    def resolve(event: IncomingMessage, seen: set[tuple[str, str]]) -> tuple[int, str, str]:
        key = (event.platform, event.message_id)
        if key in resolved:
            return resolved[key]
        thread = (event.account_id, event.thread_kind, event.thread_id)
        if event.parent_id and event.thread_kind != ThreadKind.DIRECT:
            parent_key = (
                event.platform,
                aliases.get((event.platform, event.parent_id), event.parent_id),
            )
            hit = stored.get(parent_key)
            parent = by_key.get(parent_key)
            if hit is not None:
                if hit[0] == event.account_id and hit[1] != ThreadKind.DIRECT:
                    thread = hit
            elif (
                parent is not None
                and parent_key not in seen
                and parent.account_id == event.account_id
            ):
                thread = resolve(parent, seen | {key})
        resolved[key] = thread
        return thread

    return {key: resolve(event, set()) for key, event in by_key.items()}


# Rows per INSERT statement: 19 parameters each stays far below SQLite's 32,766 and
# PostgreSQL's 65,535 parameters per statement.
