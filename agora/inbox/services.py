"""Every write to the inbox. Ingestion is bulk first: ``messages_ingest`` takes a batch from
any connector (webhook, polling, file import) and is idempotent on (platform, message id).
Staff actions (answer, note, assign, status, labels) are one function each, atomic and audited.
"""

from __future__ import annotations

import logging
import operator
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Min
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import user_is_rector
from agora.directory.models import AccountStatus, Entity, SocialAccount
from agora.inbox import pipeline, send_queue
from agora.inbox.attachments import (
    IncomingAttachment,
    attachments_store,
    attachments_summary,
    attachments_sync,
)
from agora.inbox.bulk_sql import column_types, db_bool, execute, in_list, rows_source
from agora.inbox.canned import canned_answer_used
from agora.inbox.counts import counts_changed
from agora.inbox.deadlines import Deadlines, deadlines_for, deadlines_for_many, policies_version
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    CannedAnswer,
    Conversation,
    Direction,
    Label,
    Message,
    MessageAlias,
    MessageRevision,
    Post,
    Priority,
    PriorityReason,
    QuarantinedEvent,
    SendStatus,
    Status,
    ThreadKind,
)
from agora.inbox.signals import answer_confirmed

log = logging.getLogger(__name__)

CHUNK = 500
MAX_TEXT = 20_000


@dataclass(frozen=True)
class IncomingMessage:
    """One platform event about a message, already parsed by a connector."""

    platform: str
    account_id: int
    thread_kind: str
    thread_id: str
    message_id: str
    sent_at: datetime
    text: str = ""
    author_id: str = ""
    author_name: str = ""
    parent_id: str = ""
    verb: str = "add"  # add | edit | remove
    subject: str = ""
    from_entity: bool | None = None  # None: decided by comparing author and account ids
    # The entity's publication a comment (or a reply to one of the entity's posts) hangs on:
    # the conversation's context, never one of its messages.
    post_id: str = ""
    # For an edit, the platform's count of edits so far (Messenger and Instagram num_edit): an
    # older edit delivered late never replaces a newer text.
    edit_number: int | None = None
    # Photos, videos, files, locations, links, … (agora/inbox/attachments.py), in order.
    attachments: tuple[IncomingAttachment, ...] = ()
    # Other platform ids of the same message (X: the later versions of an edited post, from
    # ``edit_history_tweet_ids``): stored as ``MessageAlias`` so that they find it later.
    aliases: tuple[str, ...] = ()


def incoming_problem(event: IncomingMessage) -> str:
    """Why an event cannot be stored whole (a Spanish reason), or "" when it can. Ids are
    never cut: a cut id would never match the platform's again (answers, edits, unsends)."""
    if not event.message_id:
        return _("Falta el id del mensaje.")
    if (
        len(event.message_id) <= PLATFORM_ID_MAX
        and len(event.thread_id) <= PLATFORM_ID_MAX
        and len(event.parent_id) <= PLATFORM_ID_MAX
        and len(event.author_id) <= PLATFORM_ID_MAX
        and len(event.post_id) <= PLATFORM_ID_MAX
        and not event.aliases
    ):
        return ""  # the hot path of ingestion: every event of a file import passes here twice
    longest = max(
        len(event.message_id),
        len(event.thread_id),
        len(event.parent_id),
        len(event.author_id),
        len(event.post_id),
        *(len(alias) for alias in event.aliases),
    )
    if longest <= PLATFORM_ID_MAX:
        return ""  # the hot path of ingestion: no translated text built
    fields = [
        (_("el id del mensaje"), event.message_id),
        (_("el id del hilo"), event.thread_id),
        (_("el id del mensaje al que responde"), event.parent_id),
        (_("el id del autor"), event.author_id),
        (_("el id de la publicación"), event.post_id),
        *((_("otro id del mensaje"), alias) for alias in event.aliases),
    ]
    for name, value in fields:
        if len(value) > PLATFORM_ID_MAX:
            return _(
                "Se rechaza el evento: %(field)s tiene %(length)s caracteres y el máximo que "
                "se guarda entero es %(max)s (nunca se recorta)."
            ) % {"field": name, "length": len(value), "max": PLATFORM_ID_MAX}
    return ""


@dataclass(frozen=True)
class RefusedEvent:
    """An event ingestion refused (an id too long to store whole), with the reason."""

    event: IncomingMessage
    reason: str


@dataclass(frozen=True)
class IncomingPost:
    """The entity's own publication, read by a connector: stored as context (``Post``)."""

    platform: str
    account_id: int
    post_id: str
    text: str = ""
    url: str = ""
    posted_at: datetime | None = None


@dataclass
class IngestResult:
    created: int = 0
    edited: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    conversations_created: int = 0
    conversation_ids: set[int] = field(default_factory=set)
    # The conversations this batch created whose row was written with every message it counts
    # and the rules' priority (agora/inbox/priority.py) at the batch's clock.
    conversations_decided: set[int] = field(default_factory=set)
    # (platform, platform message id) of the messages this batch inserted, and the ids of the
    # messages whose text it changed: what the language and reports modules read next.
    new_keys: list[tuple[str, str]] = field(default_factory=list)
    edited_ids: list[int] = field(default_factory=list)
    # Events refused whole (never cut), each with its Spanish reason; the rest of the batch
    # is stored. Also quarantined for review unless the caller reports them itself.
    refused: list[RefusedEvent] = field(default_factory=list)

    def __iadd__(self, other: IngestResult) -> IngestResult:
        for name in ("created", "edited", "deleted", "unchanged", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.conversations_created += other.conversations_created
        self.conversation_ids |= other.conversation_ids
        self.conversations_decided |= other.conversations_decided
        self.new_keys += other.new_keys
        self.edited_ids += other.edited_ids
        self.refused += other.refused
        return self

    def message_ids(self) -> list[int]:
        """Ids of the messages inserted or edited by the batch (one query per chunk)."""
        ids = list(self.edited_ids)
        by_platform: dict[str, list[str]] = defaultdict(list)
        for platform, platform_message_id in self.new_keys:
            by_platform[platform].append(platform_message_id)
        for platform, keys in by_platform.items():
            for chunk in _chunks(keys):
                ids.extend(
                    Message.objects.filter(
                        platform=platform, platform_message_id__in=chunk
                    ).values_list("id", flat=True)
                )
        return sorted(set(ids))


def _chunks(items: Sequence[object], size: int = CHUNK) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Thread:
    """What ingestion needs of a conversation: its id, whether it has a citizen yet, and, when
    this batch created it, the timeline it was written with (``planned``: the new messages
    it counts, so that a message another writer stored first can be told apart)."""

    pk: int
    author_id: str
    planned: int | None = None


# The timeline of a conversation: what its messages set (``_apply_inbound``/``_apply_answer``)
# and the due times derived from it (``_refresh_deadlines``).
_TIMELINE_FIELDS = [
    "message_count",
    "status",
    "first_inbound_at",
    "last_inbound_at",
    "awaiting_since",
    "first_response_at",
    "last_response_at",
    "waiting_since",
    "paused_seconds",
    "resolved_at",
    "due_at",
    "resolution_due_at",
    "breached_at",
    "updated_at",
]


class _Timeline:
    """The timeline fields of a conversation not stored yet, as a new row has them: what
    the timeline functions compute on for a conversation this batch creates, so that its row
    is written once, complete (a row inserted empty and updated at once costs every index of
    the table twice)."""

    __slots__ = ("pk", *_TIMELINE_FIELDS)

    def __init__(self, pk: int | None, now: datetime) -> None:
        self.pk = pk
        self.message_count = 0
        self.status: str = Status.NUEVO
        self.first_inbound_at: datetime | None = None
        self.last_inbound_at: datetime | None = None
        self.awaiting_since: datetime | None = None
        self.first_response_at: datetime | None = None
        self.last_response_at: datetime | None = None
        self.waiting_since: datetime | None = None
        self.paused_seconds = 0
        self.resolved_at: datetime | None = None
        self.due_at: datetime | None = None
        self.resolution_due_at: datetime | None = None
        self.breached_at: datetime | None = None
        self.updated_at = now


def _timeline_new(
    pk: int | None, events: Sequence[tuple[datetime, bool]], deadlines: Deadlines, now: datetime
) -> _Timeline:
    """The timeline of a new conversation whose messages are ``events`` (time, outbound?)."""
    timeline = _Timeline(pk, now)
    for sent_at, outbound in sorted(events):
        timeline.message_count += 1
        if outbound:
            _apply_answer(timeline, sent_at)
        else:
            _apply_inbound(timeline, sent_at, deadlines, now)
    _refresh_deadlines(timeline, deadlines)
    return timeline


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
        for start in range(0, len(ordered), THREADS_CHUNK):
            chunk = ordered[start : start + THREADS_CHUNK]
            source, params = rows_source(chunk, _thread_key_types(), _THREAD_KEY)
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
    deadlines = _deadlines_cached({accounts[key[0]].entity_id for key in missing})
    from agora.inbox import priority  # priority reads this module's cache; avoid a cycle

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
        for start in range(0, len(rows), CONVERSATIONS_INSERT_CHUNK):
            source, params = rows_source(
                rows[start : start + CONVERSATIONS_INSERT_CHUNK], types, _CONVERSATION_COLUMNS
            )
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
INSERT_CHUNK = 1_000
_INSERT_COLUMNS = [
    "conversation_id",
    "entity_id",
    "platform",
    "platform_message_id",
    "parent_platform_id",
    "direction",
    "author_id",
    "author_name",
    "text",
    "sent_at",
    "received_at",
    "edited_at",
    "send_status",
    "send_attempts",
    "send_error",
    "kind",
    "flags",
    "model_version",
    "is_demo",
]


def _insert_messages(rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
    """One multi-row insert path for SQLite and PostgreSQL; conflicts (replays) are ignored.
    Returns the ids of the rows actually inserted by (platform, platform message id).

    Written as multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` rather than
    ``bulk_create`` because ingestion is the hottest write of the platform (see
    bench/ingest.py). RETURNING tells which rows this transaction wrote: when a platform
    delivers the same event twice at once, PostgreSQL makes the second insert wait for the
    first and skip the row, and only the first counts it in the conversation's timeline.
    """
    inserted: dict[tuple[str, str], int] = {}
    if not rows:
        return inserted
    table = Message._meta.db_table
    columns = ", ".join(_INSERT_COLUMNS)
    types = column_types(Message, _INSERT_COLUMNS)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_CHUNK):
            source, params = rows_source(rows[start : start + INSERT_CHUNK], types, _INSERT_COLUMNS)
            sql = (
                f"INSERT INTO {table} ({columns}) {source}"
                " ON CONFLICT (platform, platform_message_id) DO NOTHING"
                " RETURNING platform, platform_message_id, id"
            )
            inserted.update(
                ((platform, message_id), pk)
                for platform, message_id, pk in execute(cursor, sql, params)
            )
    return inserted


def _messages_stored(platform: str, message_ids: Sequence[str]) -> set[str]:
    """The ids among ``message_ids`` of messages stored on ``platform``."""
    table = Message._meta.db_table
    found: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(message_ids), THREADS_CHUNK):
            wanted, params = in_list(
                message_ids[start : start + THREADS_CHUNK],
                column_types(Message, ["platform_message_id"])[0],
            )
            stored = execute(
                cursor,
                # Fixed identifiers; every value is a parameter.
                f"SELECT platform_message_id FROM {table} "  # noqa: S608
                f"WHERE platform = %s AND platform_message_id {wanted}",
                [platform, *params],
            )
            found.update(message_id for (message_id,) in stored)
    return found


def _is_from_entity(event: IncomingMessage, account: SocialAccount) -> bool:
    if event.from_entity is not None:
        return event.from_entity
    return bool(account.platform_id) and event.author_id == account.platform_id


def _aliases_for(events: Sequence[IncomingMessage]) -> dict[tuple[str, str], str]:
    """(platform, other id) -> the message's own id, for the ids of ``events`` (their own and
    their parents') that are another id of a stored message, or of a message of the batch."""
    found: dict[tuple[str, str], str] = {}
    ids: dict[str, set[str]] = defaultdict(set)
    for event in events:
        ids[event.platform].add(event.message_id)
        if event.parent_id:
            ids[event.platform].add(event.parent_id)
    for platform, wanted in ids.items():
        # Only X edits make aliases: one cheap probe spares the other platforms the lookups.
        if not MessageAlias.objects.filter(platform=platform).exists():
            continue
        for chunk in _chunks(sorted(wanted)):
            for alias_id, message_id in MessageAlias.objects.filter(
                platform=platform, alias_id__in=chunk
            ).values_list("alias_id", "message__platform_message_id"):
                found[(platform, alias_id)] = message_id
    for event in events:
        own = found.get((event.platform, event.message_id), event.message_id)
        for alias in event.aliases:
            if alias != own:
                found.setdefault((event.platform, alias), own)
    return found


def _aliases_store(events: Sequence[IncomingMessage]) -> None:
    """Records the other ids (``IncomingMessage.aliases``) of the batch's stored messages."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    for event in events:
        for alias in event.aliases:
            if alias and alias != event.message_id:
                wanted[(event.platform, event.message_id)].add(alias)
    if not wanted:
        return
    rows: list[MessageAlias] = []
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, message_id in wanted:
        by_platform[platform].append(message_id)
    for platform, message_ids in by_platform.items():
        for chunk in _chunks(sorted(message_ids)):
            for pk, message_id in Message.objects.filter(
                platform=platform, platform_message_id__in=chunk
            ).values_list("pk", "platform_message_id"):
                rows.extend(
                    MessageAlias(message_id=pk, platform=platform, alias_id=alias)
                    for alias in sorted(wanted[(platform, message_id)])
                )
    MessageAlias.objects.bulk_create(rows, ignore_conflicts=True)


def _refused_quarantine(refused: Sequence[RefusedEvent], accounts: dict[int, Any]) -> None:
    """Keeps the refused events for the rector office to review (never silently dropped)."""
    rows: list[QuarantinedEvent] = []
    for item in refused:
        event = item.event
        account = accounts.get(event.account_id)
        payload = asdict(event)
        payload["sent_at"] = event.sent_at.isoformat()
        payload["aliases"] = list(event.aliases)
        rows.append(
            QuarantinedEvent(
                platform=event.platform,
                object_id=(account.platform_id if account else "") or str(event.account_id),
                reason=_("Id demasiado largo para guardarlo entero"),
                payload={"motivo": item.reason, "evento": payload},
            )
        )
        log.warning(
            "evento rechazado (%s, cuenta %s): %s", event.platform, event.account_id, item.reason
        )
    QuarantinedEvent.objects.bulk_create(rows)


@transaction.atomic
def messages_ingest(
    *,
    batch: Sequence[IncomingMessage],
    is_demo: bool = False,
    now: datetime | None = None,
    posts: Sequence[IncomingPost] = (),
    quarantine_refused: bool = True,
) -> IngestResult:
    """Stores a batch of platform events. Replays change nothing; edits keep the old text in
    history; removals mark the message as deleted on the platform and never purge it.
    ``posts`` are the entity's own publications the batch read: stored as context.

    An event whose ids do not fit whole (``incoming_problem``) is refused, never cut: it is
    listed in ``IngestResult.refused`` and, unless ``quarantine_refused`` is False (file
    imports report it on their line instead), quarantined for review; the rest is stored."""
    result = IngestResult()
    if posts:
        posts_store(posts=posts, is_demo=is_demo)
    if not batch:
        return result
    now = now or timezone.now()
    account_ids = {event.account_id for event in batch}
    accounts = {
        a.pk: a
        for a in SocialAccount.objects.filter(pk__in=account_ids, status=AccountStatus.VERIFICADA)
    }
    events = []
    for event in batch:
        if event.account_id not in accounts or not event.message_id:
            result.skipped += 1
            continue
        problem = incoming_problem(event)
        if problem:
            result.refused.append(RefusedEvent(event, problem))
            continue
        events.append(event)
    if result.refused and quarantine_refused:
        _refused_quarantine(result.refused, accounts)
    # Another id of a stored message (an X post's later version) is that message.
    aliases = _aliases_for(events)
    if aliases:
        events = [
            replace(e, message_id=aliases.get((e.platform, e.message_id), e.message_id))
            for e in events
        ]
    # Existing messages of the batch, in one query per chunk.
    existing: dict[tuple[str, str], Message] = {}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for event in events:
        by_platform[event.platform].append(event.message_id)
    for platform, ids in by_platform.items():
        # Which are stored, by a probe of the unique (platform, id) index; only those are
        # read as messages (none, the first time a file is imported).
        for chunk in _chunks(sorted(_messages_stored(platform, sorted(set(ids))))):
            for message in Message.objects.filter(
                platform=platform, platform_message_id__in=chunk
            ).only(
                "id",
                "conversation_id",
                "platform",
                "platform_message_id",
                "text",
                "deleted_at",
                "direction",
                "sent_at",
            ):
                existing[(message.platform, message.platform_message_id)] = message

    threads_of = _threads_of(
        [e for e in events if (e.platform, e.message_id) not in existing and e.verb != "remove"],
        aliases,
    )
    thread_keys: set[tuple[int, str, str]] = set()
    thread_posts: dict[tuple[int, str, str], str] = {}
    first_event: dict[tuple[int, str, str], IncomingMessage] = {}
    first_citizen: dict[tuple[int, str, str], IncomingMessage] = {}
    to_insert: dict[tuple[str, str], IncomingMessage] = {}
    edits: list[tuple[Message, IncomingMessage]] = []
    removals: list[Message] = []
    # Edits and removals of a message this batch inserts: applied once it is stored, so that
    # its first text is kept in history and an unsend in the same batch is not lost.
    followups: list[IncomingMessage] = []
    # Attachments of messages already stored (an edit that changed them, a re-read with fresher
    # addresses, a message stored before its attachments were read): brought up to date.
    known_attachments: dict[int, tuple[IncomingAttachment, ...]] = {}
    for event in events:
        key = (event.platform, event.message_id)
        known = existing.get(key)
        if known is not None and event.attachments and event.verb != "remove":
            known_attachments[known.pk] = event.attachments
        if known is None and key in to_insert:
            if event.verb in ("edit", "remove"):
                followups.append(event)
            else:
                result.unchanged += 1
            continue
        if known is None:
            if event.verb == "remove":
                result.skipped += 1  # nothing known to mark
                continue
            thread = threads_of[key]
            thread_keys.add(thread)
            if event.post_id and thread not in thread_posts:
                thread_posts[thread] = event.post_id
            # The subject and the author come from the earliest citizen message: pages may
            # come newest first.
            current = first_event.get(thread)
            if current is None or event.sent_at < current.sent_at:
                first_event[thread] = event
            if not _is_from_entity(event, accounts[event.account_id]):
                earlier = first_citizen.get(thread)
                if earlier is None or event.sent_at < earlier.sent_at:
                    first_citizen[thread] = event
            to_insert[key] = event
        elif event.verb == "remove":
            if known.deleted_at is None:
                removals.append(known)
            else:
                result.unchanged += 1
        elif event.verb == "edit":
            edits.append((known, event))  # compared with the text current when applied
        else:
            result.unchanged += 1

    post_ids = _posts_for(
        {(thread[0], post_id) for thread, post_id in thread_posts.items()}, accounts, is_demo
    )
    # The new messages of each thread (time, outbound?): a conversation this batch creates is
    # written with their timeline already applied.
    planned: dict[tuple[int, str, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for key, event in to_insert.items():
        planned[threads_of[key]].append(
            (event.sent_at, _is_from_entity(event, accounts[event.account_id]))
        )
    conversations, created_threads = _conversations_for(
        thread_keys,
        accounts,
        first_event,
        first_citizen,
        is_demo,
        now,
        {thread: post_ids[(thread[0], post_id)] for thread, post_id in thread_posts.items()},
        planned,
    )
    # A thread first seen through the entity's own messages gets its citizen later.
    anonymous = [
        (conv, first_citizen[key])
        for key, conv in conversations.items()
        if not conv.author_id and key in first_citizen and first_citizen[key].author_id
    ]
    for conv, event in anonymous:
        conv.author_id = event.author_id
        Conversation.objects.filter(pk=conv.pk, author_id="").update(
            author_id=event.author_id, author_name=event.author_name[:200]
        )
    result.conversations_created = created_threads
    adapt_datetime = datetime_adapter()
    received = adapt_datetime(now)
    demo = db_bool(is_demo)
    rows: list[tuple[Any, ...]] = []
    timeline: list[tuple[tuple[str, str], int, datetime, bool]] = []
    new_attachments: list[tuple[tuple[str, str], tuple[IncomingAttachment, ...]]] = []
    for event in to_insert.values():
        account = accounts[event.account_id]
        conv = conversations[threads_of[(event.platform, event.message_id)]]
        outbound = _is_from_entity(event, account)
        rows.append(
            (
                conv.pk,
                account.entity_id,
                event.platform,
                event.message_id,
                event.parent_id,
                _OUTBOUND if outbound else _INBOUND,
                event.author_id,
                event.author_name[:200],
                event.text[:MAX_TEXT],
                adapt_datetime(event.sent_at),
                received,
                received if event.verb == "edit" else None,
                "",
                0,
                "",
                "",
                "[]",
                "",
                demo,
            )
        )
        key = (event.platform, event.message_id)
        timeline.append((key, conv.pk, event.sent_at, outbound))
        if event.attachments:
            new_attachments.append((key, event.attachments))
    inserted = _insert_messages(rows)
    # Only what this transaction wrote moves the conversations' timelines and counters.
    by_conversation: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    for key, conversation_id, sent_at, outbound in timeline:
        if key in inserted:
            by_conversation[conversation_id].append((sent_at, outbound))
            result.new_keys.append(key)
    result.created = len(result.new_keys)
    result.unchanged += len(rows) - result.created
    attachments_store(
        [(inserted[key], items) for key, items in new_attachments if key in inserted],
        is_demo=is_demo,
    )
    attachments_sync(known_attachments, is_demo=is_demo)

    if followups:
        stored = {
            (m.platform, m.platform_message_id): m
            for m in Message.objects.filter(
                platform__in={e.platform for e in followups},
                platform_message_id__in={e.message_id for e in followups},
            ).only("id", "platform", "platform_message_id", "text", "deleted_at")
        }
        for event in followups:
            inserted_now = stored.get((event.platform, event.message_id))
            if inserted_now is None:
                continue
            if event.verb == "edit":
                edits.append((inserted_now, event))
            elif inserted_now.deleted_at is None and inserted_now not in removals:
                removals.append(inserted_now)
    revisions: dict[int, int] = {}  # earlier texts kept, by message (read when needed)
    for message, event in edits:
        if event.edit_number is not None:
            if message.pk not in revisions:
                revisions[message.pk] = MessageRevision.objects.filter(message=message).count()
            if event.edit_number <= revisions[message.pk]:
                result.unchanged += 1  # an older edit delivered late
                continue
        if event.text == message.text:  # a second delivery of an edit already applied
            result.unchanged += 1
            continue
        MessageRevision.objects.create(message=message, text=message.text, replaced_at=now)
        Message.objects.filter(pk=message.pk).update(text=event.text[:MAX_TEXT], edited_at=now)
        message.text = event.text[:MAX_TEXT]  # the next edit in the batch keeps this one
        if message.pk in revisions:
            revisions[message.pk] += 1
        result.edited += 1
        if message.pk not in result.edited_ids:
            result.edited_ids.append(message.pk)
    if removals:
        Message.objects.filter(pk__in=[m.pk for m in removals]).update(deleted_at=now)
        result.deleted = len(removals)
    if any(event.aliases for event in events):
        _aliases_store(events)

    redone = _conversations_settle(conversations.values(), by_conversation, now)
    result.conversation_ids = set(by_conversation)
    result.conversations_decided = {
        thread.pk
        for thread in conversations.values()
        if thread.planned is not None and thread.pk not in redone
    }
    pipeline.after_ingest(result, now=now)
    return result


def _conversations_settle(
    threads: Iterable[_Thread], events: dict[int, list[tuple[datetime, bool]]], now: datetime
) -> set[int]:
    """Moves the timelines of the batch's conversations by the messages it inserted
    (``events``: time, outbound?). Those it created were written with the timeline of every
    message it meant to insert: only when another writer stored one of them first (a
    concurrent delivery) is theirs written again, from the messages that counted here.
    Returns the ids of those written again."""
    existing = dict(events)
    redo: list[int] = []
    for thread in threads:
        if thread.planned is None:
            continue
        counted = existing.pop(thread.pk, [])
        if len(counted) != thread.planned:
            redo.append(thread.pk)
    if existing:
        conversations_apply_events(events=existing, now=now)  # counts changed, too
    elif events or redo:
        counts_changed()
    if redo:
        entities = dict(Conversation.objects.filter(pk__in=redo).values_list("pk", "entity_id"))
        deadlines = _deadlines_cached(set(entities.values()))
        _update_many(
            [_timeline_new(pk, events.get(pk, []), deadlines[entities[pk]], now) for pk in redo],
            _TIMELINE_FIELDS,
        )
    return set(redo)


def message_ingest(*, event: IncomingMessage, is_demo: bool = False) -> IngestResult:
    """The single-message path: a batch of one."""
    return messages_ingest(batch=[event], is_demo=is_demo)


def _refresh_deadlines(conv: Conversation | _Timeline, deadlines: Deadlines) -> None:
    """Recomputes the due times; a new deadline clears the breach mark of the previous one
    (each breach stays recorded as a ``DeadlineBreach``)."""
    previous = conv.due_at
    if conv.awaiting_since is not None and conv.status not in (Status.CERRADO, Status.EN_ESPERA):
        since = conv.awaiting_since
        conv.due_at = (
            deadlines.first_due(since)
            if conv.first_response_at is None
            else deadlines.next_due(since)
        )
    else:
        conv.due_at = None
    if conv.due_at != previous:
        conv.breached_at = None
    if conv.first_inbound_at is not None and conv.resolved_at is None:
        conv.resolution_due_at = deadlines.resolution_due(
            conv.first_inbound_at, conv.paused_seconds
        )
    elif conv.resolved_at is not None:
        conv.resolution_due_at = None


DEADLINES_CHUNK = 500
# Open conversations per recompute task: the largest entities are split in ranges of ids so
# that each task stays far below the queue's 300 s timeout.
DEADLINES_TASK_SIZE = 20_000
DEADLINES_TASK = "agora.inbox.services.deadlines_refresh_entity"


def deadlines_refresh_entity(
    entity_id: int, first_id: int | None = None, last_id: int | None = None
) -> int:
    """Recomputes the stored due times of the entity's conversations that are not closed
    (those with ids from ``first_id`` to ``last_id`` when given: one task of a split
    recompute), under the policy now in force (after the entity or the rector office changed
    it), in chunks of locked rows. Idempotent: a second run changes nothing. Returns how many
    conversations changed."""
    entity = Entity.objects.filter(pk=entity_id).first()
    if entity is None:
        return 0
    deadlines = deadlines_for(entity)
    rows = Conversation.objects.filter(entity_id=entity_id).exclude(status=Status.CERRADO)
    if first_id is not None:
        rows = rows.filter(pk__gte=first_id)
    if last_id is not None:
        rows = rows.filter(pk__lte=last_id)
    ids = list(rows.order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), DEADLINES_CHUNK):
        with transaction.atomic():
            locked = Conversation.objects.select_for_update().filter(
                pk__in=ids[start : start + DEADLINES_CHUNK]
            )
            for conv in locked:
                before = (conv.due_at, conv.resolution_due_at)
                _refresh_deadlines(conv, deadlines)
                if (conv.due_at, conv.resolution_due_at) != before:
                    conv.save(
                        update_fields=["due_at", "resolution_due_at", "breached_at", "updated_at"]
                    )
                    changed += 1
    if changed:
        counts_changed()
    from agora.inbox import priority

    # The policy's "due soon" window may have changed too: every open conversation.
    priority.priorities_refresh(conversation_ids=ids)
    return changed


def deadlines_refresh_all() -> int:
    """The national job after the rector office's default policy changed: queues
    :func:`deadlines_refresh_entity` for every entity with conversations not closed (one task
    per ``DEADLINES_TASK_SIZE`` of them for the largest), all recorded in one transaction, so
    that each task fits the queue's timeout. Running it again queues the same idempotent
    work. Returns how many tasks it queued."""
    from agora.core.outbox import enqueue_on_commit

    queued = 0
    with transaction.atomic():
        sizes = (
            Conversation.objects.exclude(status=Status.CERRADO)
            .values("entity_id")
            .annotate(open=Count("id"))
            .order_by("entity_id")
        )
        for row in sizes:
            entity_id = row["entity_id"]
            if row["open"] <= DEADLINES_TASK_SIZE:
                enqueue_on_commit(DEADLINES_TASK, entity_id)
                queued += 1
                continue
            ids = list(
                Conversation.objects.filter(entity_id=entity_id)
                .exclude(status=Status.CERRADO)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            for start in range(0, len(ids), DEADLINES_TASK_SIZE):
                # Ranges that touch, the first and last open-ended: a conversation reopened
                # or created meanwhile is in one of them.
                first = ids[start] if start else None
                end = start + DEADLINES_TASK_SIZE
                last = ids[end] - 1 if end < len(ids) else None
                enqueue_on_commit(DEADLINES_TASK, entity_id, first, last)
                queued += 1
    return queued


def deadlines_refresh_all_later() -> None:
    """Queues :func:`deadlines_refresh_all`, recorded in the current transaction."""
    from agora.core.outbox import enqueue_on_commit

    enqueue_on_commit("agora.inbox.services.deadlines_refresh_all")


def deadlines_refresh_later(entity_id: int) -> None:
    """Queues :func:`deadlines_refresh_entity`, recorded in the current transaction (a
    process dying after the commit does not lose it)."""
    from agora.core.outbox import enqueue_on_commit

    enqueue_on_commit(DEADLINES_TASK, entity_id)


def conversations_apply_events(
    *, events: dict[int, list[tuple[datetime, bool]]], now: datetime
) -> None:
    """Updates timeline, status and deadlines of conversations from new messages
    (time, outbound?)."""
    if not events:
        return
    counts_changed()
    updated: list[Conversation] = []
    ids = list(events)
    conversations = [
        conv for chunk in _chunks(ids) for conv in Conversation.objects.filter(pk__in=chunk)
    ]
    cache = _deadlines_cached({conv.entity_id for conv in conversations})
    for conv in conversations:
        deadlines = cache[conv.entity_id]
        conv.updated_at = now
        for sent_at, outbound in sorted(events[conv.pk]):
            conv.message_count += 1
            if outbound:
                _apply_answer(conv, sent_at)
            else:
                _apply_inbound(conv, sent_at, deadlines, now)
        _refresh_deadlines(conv, deadlines)
        updated.append(conv)
    _update_many(updated, _TIMELINE_FIELDS)


def conversation_timeline_replay(
    conv: Any, events: Sequence[tuple[datetime, bool]], deadlines: Deadlines, now: datetime
) -> None:
    """Recomputes a conversation's timeline, counters, status and deadlines from all of its
    messages that count (time, outbound?), as if ingested again in order. ``conv`` is any
    object with the conversation's fields (a historical model in a data migration too).
    A closed conversation stays closed; nothing is saved."""
    closed = conv.status == Status.CERRADO
    resolved_at = conv.resolved_at
    conv.message_count = 0
    conv.status = Status.NUEVO
    for name in (
        "first_inbound_at",
        "last_inbound_at",
        "awaiting_since",
        "first_response_at",
        "last_response_at",
        "waiting_since",
        "resolved_at",
        "breached_at",
    ):
        setattr(conv, name, None)
    conv.paused_seconds = 0
    for sent_at, outbound in sorted(events):
        conv.message_count += 1
        if outbound:
            _apply_answer(conv, sent_at)
        else:
            _apply_inbound(conv, sent_at, deadlines, now)
    if closed:
        conv.status = Status.CERRADO
        conv.awaiting_since = None
        conv.resolved_at = resolved_at or now
    conv.updated_at = now
    _refresh_deadlines(conv, deadlines)


_DEADLINES_CACHE: dict[str, object] = {"version": None, "by_entity": {}}


def _deadlines_cached(entity_ids: set[int]) -> dict[int, Deadlines]:
    """Deadlines per entity, kept in this process until any policy or closed day changes."""
    version = policies_version()
    if _DEADLINES_CACHE["version"] != version:
        _DEADLINES_CACHE.update(version=version, by_entity={})
    known: dict[int, Deadlines] = _DEADLINES_CACHE["by_entity"]  # type: ignore[assignment]
    missing = entity_ids - known.keys()
    if missing:
        known.update(deadlines_for_many(missing))
    return {i: known[i] for i in entity_ids}


def datetime_adapter() -> Callable[[datetime | None], Any]:
    """``connection.ops.adapt_datetimefield_value``, with a shortcut on SQLite for the UTC
    datetimes ingestion writes by the hundred thousand (what Django's general conversion does
    for them, without its checks, a third of the cost of inserting a message)."""
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor != "sqlite" or connection.timezone is not UTC:
        return adapt

    def fast(value: datetime | None) -> Any:
        if value is None:
            return None
        if value.tzinfo is UTC:
            return str(value.replace(tzinfo=None))
        if value.tzinfo is not None and value.utcoffset() is not None:
            # Aware in another zone (due times are computed in Lima time): in UTC, as Django.
            return str(value.astimezone(UTC).replace(tzinfo=None))
        return adapt(value)

    return fast


def _update_many(objs: Sequence[Conversation | _Timeline], fields: list[str]) -> None:
    """UPDATE … WHERE id = %s with executemany: Django's bulk_update builds one CASE per
    field and row, which dominated ingestion time (see bench/ingest.py)."""
    if not objs:
        return
    model_fields = [Conversation._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{f.column} = %s" for f in model_fields)  # type: ignore[union-attr]
    sql = f"UPDATE {Conversation._meta.db_table} SET {assignments} WHERE id = %s"  # noqa: S608
    adapt_datetime = datetime_adapter()
    datetimes = {
        f.attname  # type: ignore[union-attr]
        for f in model_fields
        if f.get_internal_type() == "DateTimeField"  # type: ignore[union-attr]
    }
    attnames = [f.attname for f in model_fields]  # type: ignore[union-attr]
    rows = [
        (
            *(
                adapt_datetime(getattr(obj, name)) if name in datetimes else getattr(obj, name)
                for name in attnames
            ),
            obj.pk,
        )
        for obj in objs
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _apply_inbound(
    conv: Conversation | _Timeline, sent_at: datetime, deadlines: Deadlines, now: datetime
) -> None:
    conv.first_inbound_at = min(filter(None, [conv.first_inbound_at, sent_at]))
    conv.last_inbound_at = max(filter(None, [conv.last_inbound_at, sent_at]))
    if conv.last_response_at is not None and sent_at <= conv.last_response_at:
        # An older message that arrived late: the later answer covers it. When no answer
        # counted yet (the platform gave us the answer before the thread's first citizen
        # message), the first answer after it is the first response.
        if conv.first_response_at is None:
            conv.first_response_at = _first_answer_since(conv, sent_at) or conv.last_response_at
            if conv.status == Status.NUEVO:
                conv.status = Status.RESPONDIDO
        return
    if conv.awaiting_since is None or sent_at < conv.awaiting_since:
        conv.awaiting_since = sent_at
    if conv.status == Status.EN_ESPERA and conv.waiting_since is not None:
        conv.paused_seconds += int(deadlines.calendar.between(conv.waiting_since, sent_at))
        conv.waiting_since = None
    if conv.status in (Status.RESPONDIDO, Status.CERRADO, Status.EN_ESPERA):
        conv.status = Status.ABIERTO
        conv.resolved_at = None
    conv.updated_at = now


def _first_answer_since(conv: Conversation | _Timeline, sent_at: datetime) -> datetime | None:
    """The time of the conversation's first stored answer at or after ``sent_at``."""
    if conv.pk is None:
        return None  # not stored yet: no stored answer either
    first: datetime | None = Message.objects.filter(
        conversation_id=conv.pk,
        direction=Direction.SALIENTE,
        send_status__in=[SendStatus.NO_APLICA, SendStatus.ENVIADO],
        sent_at__gte=sent_at,
    ).aggregate(first=Min("sent_at"))["first"]
    return first


def _apply_answer(conv: Conversation | _Timeline, sent_at: datetime) -> None:
    if conv.first_inbound_at is None or sent_at < conv.first_inbound_at:
        # The entity's own post or an answer before any citizen message: not a response.
        conv.last_response_at = max(filter(None, [conv.last_response_at, sent_at]))
        return
    if conv.first_response_at is None or sent_at < conv.first_response_at:
        conv.first_response_at = sent_at
    conv.last_response_at = max(filter(None, [conv.last_response_at, sent_at]))
    if conv.awaiting_since is not None and sent_at >= conv.awaiting_since:
        conv.awaiting_since = None
        if conv.status in (Status.NUEVO, Status.ABIERTO):
            conv.status = Status.RESPONDIDO


# --- staff actions ---------------------------------------------------------------------------


def _require_access(actor: User, conversation: Conversation) -> None:
    if not Conversation.objects.for_staff(actor).filter(pk=conversation.pk).exists():
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))


def _local_id() -> str:
    return f"agora:{uuid.uuid4()}"


def answer_target(conversation: Conversation) -> Message | None:
    """The message an answer targets by default: the thread's latest citizen message that is
    not deleted on the platform."""
    return (
        conversation.messages.filter(direction=Direction.ENTRANTE, deleted_at__isnull=True)
        .order_by("-sent_at", "-id")
        .first()
    )


def _check_reply_to(conversation: Conversation, reply_to: Message) -> None:
    if reply_to.conversation_id != conversation.pk:
        raise DomainError(_("El mensaje al que responde no es de esta conversación."))
    if reply_to.direction != Direction.ENTRANTE:
        raise DomainError(_("Solo se responde a mensajes de la ciudadanía."))
    if reply_to.deleted_at is not None:
        raise DomainError(_("El mensaje al que responde fue borrado en la plataforma: elija otro."))


@transaction.atomic
def message_answer(
    *,
    conversation: Conversation,
    author: User,
    body: str,
    canned: CannedAnswer | None = None,
    reply_to: Message | None = None,
) -> Message:
    """Writes the entity's answer to one citizen message (by default the thread's latest);
    it is published as a reply to that message in the background and counts as an answer
    only once the platform confirms it. ``canned``: the approved answer it was written
    with, recorded with it (agora/inbox/canned.py)."""
    _require_access(author, conversation)
    body = body.strip()
    if not body:
        raise DomainError(_("La respuesta está vacía."))
    if len(body) > 8000:
        raise DomainError(_("La respuesta es demasiado larga (máximo 8000 caracteres)."))
    if reply_to is None:
        reply_to = answer_target(conversation)
    else:
        _check_reply_to(conversation, reply_to)
    last_inbound = reply_to
    message = Message.objects.create(
        conversation=conversation,
        entity_id=conversation.entity_id,
        platform=conversation.platform,
        platform_message_id=_local_id(),
        parent_platform_id=last_inbound.platform_message_id if last_inbound else "",
        reply_to=last_inbound,
        direction=Direction.SALIENTE,
        author_user=author,
        author_name=author.get_full_name() or author.get_username(),
        text=body,
        sent_at=timezone.now(),
        send_status=SendStatus.PENDIENTE,
        # The row is the durable record of the send: if the task queued after the commit is
        # lost, agora/inbox/sending.py:sends_recover queues it again.
        send_due_at=timezone.now(),
    )
    if canned is not None:
        canned_answer_used(canned=canned, message=message, actor=author)
    audit_record(
        actor=author,
        verb="conversacion.respondida",
        instance=conversation,
        scope=conversation.entity.code,
        after={
            "message": message.pk,
            "reply_to": last_inbound.pk if last_inbound else None,
            "text": body[:500],
        },
    )
    if conversation.status == Status.NUEVO:
        Conversation.objects.filter(pk=conversation.pk).update(status=Status.ABIERTO)
        counts_changed()
    from agora.inbox import reply_approval

    if reply_approval.reply_hold_if_required(message=message, author=author):
        return message  # sent once approved (agora/inbox/reply_approval.py)
    transaction.on_commit(lambda: send_queue.enqueue_send(message.pk))
    return message


@transaction.atomic
def message_send_result(
    *,
    message: Message,
    platform_id: str = "",
    error: str = "",
    final: bool = False,
    retry_at: datetime | None = None,
    count_attempt: bool = True,
) -> Message:
    """Records the platform's answer to a send: the platform id on success (the answer then
    counts), or the error (shown to staff; retried at ``retry_at`` unless ``final``, when the
    conversation shows it failed and its author is notified). ``count_attempt``: False when
    the attempt was already counted as it was claimed (agora/inbox/sending.py)."""
    from agora.inbox import sending

    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation__account", "author_user")
        .get(pk=message.pk)
    )
    if message.send_status == SendStatus.ENVIADO:
        return message
    was_failed = message.send_status in (SendStatus.FALLIDO, SendStatus.VERIFICAR)
    if count_attempt:
        message.send_attempts += 1
    if error:
        message.send_error = error[:2000]
        message.send_status = SendStatus.FALLIDO if final else SendStatus.PENDIENTE
        message.send_due_at = None if final else (retry_at or timezone.now())
        message.save(update_fields=["send_attempts", "send_error", "send_status", "send_due_at"])
        if final:
            sending.failed_sends_refresh(message.conversation_id)
            if not was_failed:
                sending.send_failed_notify(message)
        return message
    now = timezone.now()
    if len(platform_id) > PLATFORM_ID_MAX:
        # Published, but its id does not fit whole: the answer counts under its local id
        # rather than a cut one (which would match nothing on the platform).
        log.warning(
            "respuesta %s publicada con un id de %d caracteres", message.pk, len(platform_id)
        )
        platform_id = ""
    if platform_id:
        # The platform may already have echoed our answer through a webhook: keep one row.
        echo = Message.objects.filter(
            platform=message.platform, platform_message_id=platform_id
        ).exclude(pk=message.pk)
        echo_ids = list(echo.values_list("pk", flat=True))
        if echo_ids:
            Message.objects.filter(pk__in=echo_ids).delete()
            Conversation.objects.filter(pk=message.conversation_id).update(
                message_count=Greatest(F("message_count") - len(echo_ids), 0)
            )
        message.platform_message_id = platform_id
    message.send_status = SendStatus.ENVIADO
    message.send_error = ""
    message.send_due_at = None
    message.sent_at = now
    message.save()
    if was_failed:  # an interrupted send that the platform confirmed after all
        sending.failed_sends_refresh(message.conversation_id)
    conversations_apply_events(events={message.conversation_id: [(now, True)]}, now=now)
    answer_confirmed.send(sender=Message, conversation_ids=[message.conversation_id], now=now)
    return message


@transaction.atomic
def note_add(*, conversation: Conversation, author: User, body: str) -> Message:
    _require_access(author, conversation)
    body = body.strip()
    if not body:
        raise DomainError(_("La nota está vacía."))
    note = Message.objects.create(
        conversation=conversation,
        entity_id=conversation.entity_id,
        platform=conversation.platform,
        platform_message_id=_local_id(),
        direction=Direction.NOTA,
        author_user=author,
        author_name=author.get_full_name() or author.get_username(),
        text=body[:MAX_TEXT],
        sent_at=timezone.now(),
    )
    audit_record(
        actor=author,
        verb="conversacion.nota_agregada",
        instance=conversation,
        scope=conversation.entity.code,
        after={"message": note.pk},
    )
    return note


_STATUS_FIELDS = [
    "status",
    "assignee",
    "priority",
    "priority_manual",
    "resolved_at",
    "waiting_since",
]
# conversation_set_priority: give the priority back to the written rules.
AUTOMATIC_PRIORITY = "auto"


def _locked(conversation: Conversation) -> Conversation:
    """The conversation re-read under a row lock, so that the audit's "before" is current."""
    return Conversation.objects.select_for_update().select_related("entity").get(pk=conversation.pk)


def _audit_change(*, actor: User, conv: Conversation, verb: str, before: dict[str, Any]) -> None:
    counts_changed()
    audit_record(
        actor=actor,
        verb=verb,
        instance=conv,
        scope=conv.entity.code,
        before=before,
        after=snapshot(conv, _STATUS_FIELDS),
    )


@transaction.atomic
def conversation_set_status(
    *, conversation: Conversation, actor: User, status: str
) -> Conversation:
    _require_access(actor, conversation)
    if status not in Status.values:
        raise DomainError(_("Estado desconocido."))
    conv = _locked(conversation)
    if status == Status.EN_ESPERA and conv.status != Status.EN_ESPERA and conv.awaiting_since:
        # "En espera" pauses the clocks while the entity waits for the citizen: with a
        # citizen message still unanswered it would only hide a deadline.
        raise DomainError(
            _(
                "Responda primero al mensaje pendiente: «en espera» es para cuando la entidad "
                "espera una respuesta de la ciudadanía."
            )
        )
    before = snapshot(conv, _STATUS_FIELDS)
    now = timezone.now()
    deadlines = deadlines_for(conv.entity)
    if conv.status == Status.EN_ESPERA and conv.waiting_since and status != Status.EN_ESPERA:
        conv.paused_seconds += int(deadlines.calendar.between(conv.waiting_since, now))
        conv.waiting_since = None
    if status == Status.EN_ESPERA:
        conv.waiting_since = now
    if status == Status.CERRADO:
        conv.resolved_at = now
        conv.awaiting_since = None
    elif conv.status == Status.CERRADO:
        conv.resolved_at = None
    conv.status = status
    _refresh_deadlines(conv, deadlines)
    conv.save()
    _audit_change(actor=actor, conv=conv, verb="conversacion.estado_cambiado", before=before)
    from agora.inbox import priority  # priority reads the deadlines cache of this module

    if priority.priorities_refresh(conversation_ids=[conv.pk], now=now):
        conv.refresh_from_db(fields=["priority", "priority_reason"])
    return conv


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, actor: User, assignee: User | None
) -> Conversation:
    _require_access(actor, conversation)
    if (
        assignee is not None
        and not Entity.objects.for_staff(assignee).filter(pk=conversation.entity_id).exists()
    ):
        raise DomainError(
            _("%(name)s no trabaja para esta entidad.") % {"name": assignee.get_username()}
        )
    conv = _locked(conversation)
    before = snapshot(conv, _STATUS_FIELDS)
    conv.assignee = assignee
    if conv.status == Status.NUEVO:
        conv.status = Status.ABIERTO
    conv.save(update_fields=["assignee", "status", "updated_at"])
    _audit_change(actor=actor, conv=conv, verb="conversacion.asignada", before=before)
    return conv


@transaction.atomic
def conversation_set_priority(
    *, conversation: Conversation, actor: User, priority: str
) -> Conversation:
    """Sets the priority by hand (it then wins over the rules of agora/inbox/priority.py), or
    gives it back to the rules with ``priority="auto"``."""
    from agora.inbox import priority as rules

    _require_access(actor, conversation)
    if priority != AUTOMATIC_PRIORITY and priority not in Priority.values:
        raise DomainError(_("Prioridad desconocida."))
    conv = _locked(conversation)
    before = snapshot(conv, _STATUS_FIELDS)
    if priority == AUTOMATIC_PRIORITY:
        conv.priority_manual = False
        conv.priority_reason = PriorityReason.NINGUNA
        conv.save(update_fields=["priority_manual", "priority_reason", "updated_at"])
        rules.priorities_refresh(conversation_ids=[conv.pk])
        conv.refresh_from_db(fields=["priority", "priority_reason"])
    else:
        conv.priority = priority
        conv.priority_manual = True
        conv.priority_reason = PriorityReason.MANUAL
        conv.save(update_fields=["priority", "priority_manual", "priority_reason", "updated_at"])
    _audit_change(actor=actor, conv=conv, verb="conversacion.prioridad_cambiada", before=before)
    return conv


@transaction.atomic
def conversation_set_labels(
    *, conversation: Conversation, actor: User, names: Iterable[str]
) -> Conversation:
    _require_access(actor, conversation)
    clean = sorted({n.strip()[:60] for n in names if n.strip()})
    before = sorted(conversation.labels.values_list("name", flat=True))
    labels = []
    for name in clean:
        label, _created = Label.objects.get_or_create(entity_id=conversation.entity_id, name=name)
        labels.append(label)
    conversation.labels.set(labels)
    audit_record(
        actor=actor,
        verb="conversacion.etiquetada",
        instance=conversation,
        scope=conversation.entity.code,
        before={"labels": before},
        after={"labels": clean},
    )
    return conversation


@transaction.atomic
def quarantined_event_resolve(*, actor: User, event: QuarantinedEvent) -> QuarantinedEvent:
    """Rector staff mark a quarantined platform event as reviewed."""
    if not user_is_rector(actor):
        raise PermissionDeniedError(_("Solo el ente rector revisa los eventos en cuarentena."))
    event = QuarantinedEvent.objects.select_for_update().get(pk=event.pk)
    if event.resolved_at is None:
        event.resolved_at, event.resolved_by = timezone.now(), actor
        event.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(
            actor=actor,
            verb="cuarentena.revisado",
            instance=event,
            after={"resolved_at": event.resolved_at.isoformat()},
        )
    return event


__all__ = [
    "IncomingMessage",
    "IncomingPost",
    "IngestResult",
    "ThreadKind",
    "conversation_assign",
    "conversation_set_labels",
    "conversation_set_priority",
    "conversation_set_status",
    "message_answer",
    "message_ingest",
    "message_send_result",
    "messages_ingest",
    "note_add",
    "posts_store",
]
