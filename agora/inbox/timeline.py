"""The timeline of a conversation: what its messages set (first and last citizen message,
answers, waiting, status) and the due times derived from it on the entity's working
calendar; the jobs that recompute due times after a policy changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min

from agora.directory.models import Entity
from agora.inbox import priority
from agora.inbox.counts import counts_changed
from agora.inbox.deadlines import (
    Deadlines,
    deadlines_cached,
    deadlines_for,
)
from agora.inbox.models import (
    Conversation,
    Direction,
    Message,
    SendStatus,
    Status,
)

log = logging.getLogger(__name__)

CHUNK = 500


def _chunks(items: Sequence[object], size: int = CHUNK) -> Iterable[Sequence[object]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    if len(events) == 1 and not events[0][1]:
        # Most new conversations of an import: one citizen message. What the general path
        # below computes for it (tests/inbox/test_ingest_timeline.py compares the two).
        sent_at = events[0][0]
        timeline.message_count = 1
        timeline.first_inbound_at = timeline.last_inbound_at = sent_at
        timeline.awaiting_since = sent_at
        timeline.due_at = deadlines.first_due(sent_at)
        timeline.resolution_due_at = deadlines.resolution_due(sent_at)
        return timeline
    for sent_at, outbound in sorted(events):
        timeline.message_count += 1
        if outbound:
            _apply_answer(timeline, sent_at)
        else:
            _apply_inbound(timeline, sent_at, deadlines, now)
    _refresh_deadlines(timeline, deadlines)
    return timeline


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
DEADLINES_TASK = "agora.inbox.timeline.deadlines_refresh_entity"


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

    enqueue_on_commit("agora.inbox.timeline.deadlines_refresh_all")


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
    cache = deadlines_cached({conv.entity_id for conv in conversations})
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
