"""The messages of a batch: inserted in bulk, found by their platform id, their other ids
(aliases); and the quarantine of what cannot be placed."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.directory.models import SocialAccount
from agora.inbox.bulk_sql import column_types, execute, in_list, row_sources
from agora.inbox.ingest.conversations import (
    THREADS_CHUNK,
)
from agora.inbox.ingest.events import (
    IncomingMessage,
    RefusedEvent,
)
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    Message,
    MessageAlias,
    QuarantinedEvent,
)
from agora.inbox.timeline import (
    _chunks,
)

log = logging.getLogger(__name__)


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
        for source, params in row_sources(rows, types, _INSERT_COLUMNS, INSERT_CHUNK):
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
