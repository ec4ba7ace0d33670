"""Ingestion: ``messages_ingest`` stores a batch of platform events from any connector
(webhook, polling, file import), bulk first and idempotent on (platform, message id); new
conversations are written once, with their timeline already applied."""

from __future__ import annotations

import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.directory.models import AccountStatus, SocialAccount
from agora.inbox import pipeline, priority
from agora.inbox.attachments import (
    IncomingAttachment,
    attachments_store,
    attachments_summary,
    attachments_sync,
)
from agora.inbox.bulk_sql import column_types, db_bool, execute, in_list, rows_source
from agora.inbox.counts import counts_changed
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    Conversation,
    Direction,
    Message,
    MessageAlias,
    MessageRevision,
    Post,
    QuarantinedEvent,
    Status,
    ThreadKind,
)
from agora.inbox.timeline import (
    _TIMELINE_FIELDS,
    CHUNK,
    _chunks,
    _deadlines_cached,
    _Timeline,
    _timeline_new,
    _update_many,
    conversations_apply_events,
    datetime_adapter,
)

log = logging.getLogger(__name__)

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


# An entry delivered again within this window is stored once.
QUARANTINE_WINDOW = timedelta(hours=48)


def quarantine_store(platform: str, items: list[tuple[str, str, dict[str, Any]]]) -> int:
    """Keeps unplaceable entries for the rector office; a replayed entry is stored once."""
    if not items:
        return 0
    since = timezone.now() - QUARANTINE_WINDOW
    seen: dict[str, list[Any]] = {}
    for row in QuarantinedEvent.objects.filter(
        platform=platform,
        object_id__in={object_id for object_id, _reason, _entry in items},
        resolved_at__isnull=True,
        received_at__gte=since,
    ).values("object_id", "payload"):
        seen.setdefault(row["object_id"], []).append(row["payload"])
    new = []
    for object_id, reason, entry in items:
        known = seen.setdefault(object_id, [])
        if entry in known:
            continue
        known.append(entry)
        new.append(
            QuarantinedEvent(
                platform=platform,
                # Whole (the entry, kept too, holds it anyway); absurdly long: left empty.
                object_id=object_id if len(object_id) <= PLATFORM_ID_MAX else "",
                reason=reason[:200],
                payload=entry,
            )
        )
    QuarantinedEvent.objects.bulk_create(new)
    return len(new)


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


@dataclass
class _Plan:
    """What a batch does, sorted from its events before anything is written (see
    ``messages_ingest``)."""

    threads_of: dict[tuple[str, str], tuple[int, str, str]]
    thread_keys: set[tuple[int, str, str]] = field(default_factory=set)
    thread_posts: dict[tuple[int, str, str], str] = field(default_factory=dict)
    first_event: dict[tuple[int, str, str], IncomingMessage] = field(default_factory=dict)
    first_citizen: dict[tuple[int, str, str], IncomingMessage] = field(default_factory=dict)
    to_insert: dict[tuple[str, str], IncomingMessage] = field(default_factory=dict)
    edits: list[tuple[Message, IncomingMessage]] = field(default_factory=list)
    removals: list[Message] = field(default_factory=list)
    # Edits and removals of a message this batch inserts: applied once it is stored, so that
    # its first text is kept in history and an unsend in the same batch is not lost.
    followups: list[IncomingMessage] = field(default_factory=list)
    # Attachments of messages already stored (an edit that changed them, a re-read with fresher
    # addresses, a message stored before its attachments were read): brought up to date.
    known_attachments: dict[int, tuple[IncomingAttachment, ...]] = field(default_factory=dict)


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
    imports report it on their line instead), quarantined for review; the rest is stored.

    In order: the events that can be stored; the messages already stored among them; the plan
    (new messages and their threads, edits, removals); the conversations, created with their
    timeline; the new messages and attachments; edits and removals; the timelines moved; the
    steps after ingestion (agora/inbox/pipeline.py)."""
    result = IngestResult()
    if posts:
        posts_store(posts=posts, is_demo=is_demo)
    if not batch:
        return result
    now = now or timezone.now()
    accounts = {
        a.pk: a
        for a in SocialAccount.objects.filter(
            pk__in={event.account_id for event in batch}, status=AccountStatus.VERIFICADA
        )
    }
    events = _storable(batch, accounts, result)
    if result.refused and quarantine_refused:
        _refused_quarantine(result.refused, accounts)
    # Another id of a stored message (an X post's later version) is that message.
    aliases = _aliases_for(events)
    if aliases:
        events = [
            replace(e, message_id=aliases.get((e.platform, e.message_id), e.message_id))
            for e in events
        ]
    existing = _existing_messages(events)
    plan = _Plan(
        threads_of=_threads_of(
            [
                e
                for e in events
                if (e.platform, e.message_id) not in existing and e.verb != "remove"
            ],
            aliases,
        )
    )
    _plan_events(plan, events, existing, accounts, result)
    conversations = _plan_conversations(plan, accounts, is_demo, now, result)
    by_conversation = _messages_insert(plan, conversations, accounts, is_demo, now, result)
    if plan.followups:
        _followups_resolve(plan)
    _edits_apply(plan.edits, now, result)
    if plan.removals:
        Message.objects.filter(pk__in=[m.pk for m in plan.removals]).update(deleted_at=now)
        result.deleted = len(plan.removals)
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


def _storable(
    batch: Sequence[IncomingMessage], accounts: dict[int, SocialAccount], result: IngestResult
) -> list[IncomingMessage]:
    """The events of verified accounts whose ids fit whole; the others counted as skipped or
    listed as refused in ``result``."""
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
    return events


def _existing_messages(events: Sequence[IncomingMessage]) -> dict[tuple[str, str], Message]:
    """The batch's messages already stored, by (platform, id), in one query per chunk."""
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
    return existing


def _plan_events(
    plan: _Plan,
    events: Sequence[IncomingMessage],
    existing: dict[tuple[str, str], Message],
    accounts: dict[int, SocialAccount],
    result: IngestResult,
) -> None:
    """Sorts each event into the plan: a new message (and its thread), an edit, a removal, a
    follow-up of a message this batch inserts, or nothing to do (counted)."""
    for event in events:
        key = (event.platform, event.message_id)
        known = existing.get(key)
        if known is not None and event.attachments and event.verb != "remove":
            plan.known_attachments[known.pk] = event.attachments
        if known is None and key in plan.to_insert:
            if event.verb in ("edit", "remove"):
                plan.followups.append(event)
            else:
                result.unchanged += 1
        elif known is None:
            if event.verb == "remove":
                result.skipped += 1  # nothing known to mark
            else:
                _plan_new(plan, key, event, accounts[event.account_id])
        elif event.verb == "remove":
            if known.deleted_at is None:
                plan.removals.append(known)
            else:
                result.unchanged += 1
        elif event.verb == "edit":
            plan.edits.append((known, event))  # compared with the text current when applied
        else:
            result.unchanged += 1


def _plan_new(
    plan: _Plan, key: tuple[str, str], event: IncomingMessage, account: SocialAccount
) -> None:
    """A new message: to insert, in its thread, whose subject and author come from the
    earliest citizen message (pages may come newest first)."""
    thread = plan.threads_of[key]
    plan.thread_keys.add(thread)
    if event.post_id and thread not in plan.thread_posts:
        plan.thread_posts[thread] = event.post_id
    current = plan.first_event.get(thread)
    if current is None or event.sent_at < current.sent_at:
        plan.first_event[thread] = event
    if not _is_from_entity(event, account):
        earlier = plan.first_citizen.get(thread)
        if earlier is None or event.sent_at < earlier.sent_at:
            plan.first_citizen[thread] = event
    plan.to_insert[key] = event


def _plan_conversations(
    plan: _Plan,
    accounts: dict[int, SocialAccount],
    is_demo: bool,
    now: datetime,
    result: IngestResult,
) -> dict[tuple[int, str, str], _Thread]:
    """The conversations of the plan's threads, those missing created with the timeline of
    their new messages; a thread first seen through the entity's own messages gets its
    citizen now."""
    post_ids = _posts_for(
        {(thread[0], post_id) for thread, post_id in plan.thread_posts.items()},
        accounts,
        is_demo,
    )
    planned: dict[tuple[int, str, str], list[tuple[datetime, bool]]] = defaultdict(list)
    for key, event in plan.to_insert.items():
        planned[plan.threads_of[key]].append(
            (event.sent_at, _is_from_entity(event, accounts[event.account_id]))
        )
    conversations, result.conversations_created = _conversations_for(
        plan.thread_keys,
        accounts,
        plan.first_event,
        plan.first_citizen,
        is_demo,
        now,
        {thread: post_ids[(thread[0], post_id)] for thread, post_id in plan.thread_posts.items()},
        planned,
    )
    for thread, conv in conversations.items():
        citizen = plan.first_citizen.get(thread)
        if not conv.author_id and citizen is not None and citizen.author_id:
            conv.author_id = citizen.author_id
            Conversation.objects.filter(pk=conv.pk, author_id="").update(
                author_id=citizen.author_id, author_name=citizen.author_name[:200]
            )
    return conversations


def _messages_insert(
    plan: _Plan,
    conversations: dict[tuple[int, str, str], _Thread],
    accounts: dict[int, SocialAccount],
    is_demo: bool,
    now: datetime,
    result: IngestResult,
) -> dict[int, list[tuple[datetime, bool]]]:
    """Inserts the plan's new messages and their attachments, brings the attachments of
    known messages up to date; returns, by conversation, the messages this transaction
    wrote (time, outbound?): only those move the conversations' timelines and counters."""
    adapt_datetime = datetime_adapter()
    received = adapt_datetime(now)
    demo = db_bool(is_demo)
    rows: list[tuple[Any, ...]] = []
    timeline: list[tuple[tuple[str, str], int, datetime, bool]] = []
    new_attachments: list[tuple[tuple[str, str], tuple[IncomingAttachment, ...]]] = []
    for key, event in plan.to_insert.items():
        account = accounts[event.account_id]
        conv = conversations[plan.threads_of[key]]
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
        timeline.append((key, conv.pk, event.sent_at, outbound))
        if event.attachments:
            new_attachments.append((key, event.attachments))
    inserted = _insert_messages(rows)
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
    attachments_sync(plan.known_attachments, is_demo=is_demo)
    return by_conversation


def _followups_resolve(plan: _Plan) -> None:
    """The edits and removals of messages this batch inserted, now that they are stored."""
    stored = {
        (m.platform, m.platform_message_id): m
        for m in Message.objects.filter(
            platform__in={e.platform for e in plan.followups},
            platform_message_id__in={e.message_id for e in plan.followups},
        ).only("id", "platform", "platform_message_id", "text", "deleted_at")
    }
    for event in plan.followups:
        inserted_now = stored.get((event.platform, event.message_id))
        if inserted_now is None:
            continue
        if event.verb == "edit":
            plan.edits.append((inserted_now, event))
        elif inserted_now.deleted_at is None and inserted_now not in plan.removals:
            plan.removals.append(inserted_now)


def _edits_apply(
    edits: Sequence[tuple[Message, IncomingMessage]], now: datetime, result: IngestResult
) -> None:
    """Applies the edits in order, the text replaced kept as a revision; an older edit
    delivered late or a second delivery of one already applied changes nothing."""
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
