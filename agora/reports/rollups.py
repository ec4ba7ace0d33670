"""Rollups that ingestion keeps current: one ``ConversationFact`` per conversation (its first
response in working and calendar seconds, computed by ``agora.inbox.deadlines``) and one
``DailyRollup`` per entity and day, which the public scoreboard adds up over a period.

Ingestion and confirmed answers recompute only the changed conversations' facts and add the
difference to their days (counters by ``UPDATE … SET n = n + delta``; large ingestion batches
in a task queued after their commit, see ``receivers``); the hourly job counts the deadlines that
passed without an answer; ``rollups_rebuild`` recomputes everything from the source rows and
gives the same figures.
"""

from __future__ import annotations

import bisect
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from agora.core.calendar import LIMA
from agora.inbox.deadlines import deadlines_for_many, first_response_seconds, within_deadline
from agora.inbox.models import Conversation, Direction, Message
from agora.reports.models import ConversationFact, DailyRollup

CHUNK = 500


def _edges() -> list[int]:
    """Upper edges (working seconds) of the first-response buckets: 5 minutes up to 2 hours,
    15 minutes up to 8, one hour up to 72, eight hours up to 30 days."""
    edges = list(range(300, 7200 + 1, 300))
    edges += list(range(7200 + 900, 8 * 3600 + 1, 900))
    edges += list(range(9 * 3600, 72 * 3600 + 1, 3600))
    edges += list(range(80 * 3600, 720 * 3600 + 1, 8 * 3600))
    return edges


BUCKET_EDGES = _edges()


def bucket_of(seconds: float) -> int:
    """Index of the bucket holding ``seconds`` (the last one is open-ended)."""
    return bisect.bisect_left(BUCKET_EDGES, seconds)


def bucket_bounds(index: int) -> tuple[int, int | None]:
    low = BUCKET_EDGES[index - 1] if index > 0 else 0
    high = BUCKET_EDGES[index] if index < len(BUCKET_EDGES) else None
    return low, high


def histogram_median(histogram: dict[int, int]) -> float | None:
    """The median of a bucketed distribution, interpolated linearly inside its bucket."""
    counts = {index: count for index, count in histogram.items() if count > 0}
    total = sum(counts.values())
    if not total:
        return None
    half = total / 2
    seen = 0
    for index in sorted(counts):
        count = counts[index]
        if seen + count >= half:
            low, high = bucket_bounds(index)
            if high is None:
                return float(low)
            return low + (high - low) * ((half - seen) / count)
        seen += count
    return None  # pragma: no cover - unreachable when total > 0


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment, LIMA).date()


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``first`` and the end of ``last`` in Lima."""
    start = datetime.combine(first, time.min, tzinfo=LIMA)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=LIMA)
    return start, end


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Delta:
    """What one (entity, day) rollup gains or loses."""

    received: int = 0
    conversations: int = 0
    answered: int = 0
    decided: int = 0
    within: int = 0
    histogram: Counter[int] = field(default_factory=Counter)

    def add(
        self, answered: bool, work: int | None, within: bool | None, overdue: bool, sign: int
    ) -> None:
        self.conversations += sign
        if answered:
            self.answered += sign
            self.decided += sign
            self.within += sign if within else 0
            if work is not None:
                self.histogram[bucket_of(work)] += sign
        elif overdue:
            self.decided += sign

    def is_empty(self) -> bool:
        return not (
            self.received
            or self.conversations
            or self.answered
            or self.decided
            or self.within
            or any(self.histogram.values())
        )


Deltas = defaultdict[tuple[int, date], _Delta]


def facts_refresh(conversation_ids: Iterable[int], now: datetime) -> Deltas:
    """Recomputes the facts of these conversations; returns what each (entity, day) rollup
    gains or loses (a conversation whose first message moved earlier leaves one day for
    another)."""
    ids = sorted(set(conversation_ids))
    deltas: Deltas = defaultdict(_Delta)
    for chunk in _chunks(ids):
        rows = list(
            Conversation.objects.filter(pk__in=chunk).values_list(
                "pk", "entity_id", "first_inbound_at", "first_response_at"
            )
        )
        for entity_id, day, answered, work, within, overdue in ConversationFact.objects.filter(
            conversation_id__in=chunk
        ).values_list(
            "entity_id",
            "day",
            "answered",
            "first_response_work",
            "within",
            "overdue",
        ):
            deltas[(entity_id, day)].add(answered, work, within, overdue, -1)
        deadlines = deadlines_for_many({row[1] for row in rows})
        facts = []
        gone = set(chunk)
        for pk, entity_id, first_inbound_at, first_response_at in rows:
            if first_inbound_at is None:
                continue  # only the entity's own post so far: nothing to measure
            gone.discard(pk)
            rules = deadlines[entity_id]
            work_seconds = first_response_seconds(
                first_inbound_at, first_response_at, rules.calendar
            )
            calendar = first_response_seconds(first_inbound_at, first_response_at)
            due = rules.first_due(first_inbound_at)
            fact = ConversationFact(
                conversation_id=pk,
                entity_id=entity_id,
                day=local_day(first_inbound_at),
                answered=first_response_at is not None,
                first_response_work=None if work_seconds is None else int(work_seconds),
                first_response_calendar=None if calendar is None else int(calendar),
                within=within_deadline(first_inbound_at, first_response_at, rules),
                first_due_at=due,
                overdue=first_response_at is None and due <= now,
            )
            deltas[(entity_id, fact.day)].add(
                fact.answered, fact.first_response_work, fact.within, fact.overdue, 1
            )
            facts.append(fact)
        if gone:
            ConversationFact.objects.filter(conversation_id__in=gone).delete()
        ConversationFact.objects.bulk_create(
            facts,
            update_conflicts=True,
            unique_fields=["conversation"],
            update_fields=[
                "entity",
                "day",
                "answered",
                "first_response_work",
                "first_response_calendar",
                "within",
                "first_due_at",
                "overdue",
            ],
        )
    return deltas


def _pairs_q(pairs: Iterable[tuple[int, date]]) -> Q:
    by_entity: dict[int, set[date]] = defaultdict(set)
    for entity_id, day in pairs:
        by_entity[entity_id].add(day)
    query = Q()
    for entity_id, days in sorted(by_entity.items()):
        query |= Q(entity_id=entity_id, day__in=sorted(days))
    return query


def _histogram(data: dict[str, int]) -> Counter[int]:
    return Counter({int(k): v for k, v in data.items()})


def _stored(histogram: Counter[int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(histogram.items()) if v > 0}


# Histograms written as JSON text: PostgreSQL's jsonb wants the cast, SQLite stores the text.
_HISTOGRAM_SQL = {
    ("sqlite", "daily"): "UPDATE reports_dailyrollup SET first_response_histogram = %s, "
    "updated_at = %s WHERE id = %s",
    ("postgresql", "daily"): "UPDATE reports_dailyrollup SET first_response_histogram = "
    "%s::jsonb, updated_at = %s WHERE id = %s",
    ("sqlite", "cumulative"): "UPDATE reports_dailyrollup SET cumulative_histogram = %s "
    "WHERE id = %s",
    ("postgresql", "cumulative"): "UPDATE reports_dailyrollup SET cumulative_histogram = "
    "%s::jsonb WHERE id = %s",
}


def _sql(column: str) -> str:
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    return _HISTOGRAM_SQL[(vendor, column)]


def cumulative_refresh(starts: dict[int, date]) -> None:
    """Recomputes the running histograms of each entity from its given day on."""
    for entity_id, first in sorted(starts.items()):
        before = (
            DailyRollup.objects.filter(entity_id=entity_id, day__lt=first)
            .order_by("-day")
            .values_list("cumulative_histogram", flat=True)
            .first()
        )
        running = _histogram(before or {})
        rows = list(
            DailyRollup.objects.select_for_update()
            .filter(entity_id=entity_id, day__gte=first)
            .order_by("day")
            .values_list("pk", "first_response_histogram", "cumulative_histogram")
        )
        changed = []
        for pk, daily, cumulative in rows:
            running.update(_histogram(daily))
            stored = _stored(running)
            if stored != cumulative:
                changed.append((json.dumps(stored), pk))
        if changed:
            with connection.cursor() as cursor:
                cursor.executemany(_sql("cumulative"), changed)


def _insert_missing(pairs: Sequence[tuple[int, date]], now: datetime) -> list[tuple[int, date]]:
    """Creates the rollup rows that do not exist yet (all zero); returns those it created.
    One multi-row ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (SQLite ≥ 3.35, PostgreSQL)."""
    created: list[tuple[int, date]] = []
    for group in _chunks(pairs, 200):
        values = ", ".join(["(%s, %s, 0, 0, 0, 0, 0, '{}', '{}', %s)"] * len(group))
        params: list[Any] = []
        for entity_id, day in group:
            params += [entity_id, day, now]
        with connection.cursor() as cursor:
            # Only "%s" placeholders are joined in: the values go as parameters.
            sql = (
                "INSERT INTO reports_dailyrollup (entity_id, day, received, conversations, "  # noqa: S608
                'answered, decided, "within", first_response_histogram, cumulative_histogram, '
                "updated_at) VALUES " + values + " ON CONFLICT (entity_id, day) DO NOTHING "
                "RETURNING entity_id, day"
            )
            cursor.execute(sql, params)
            for entity_id, day in cursor.fetchall():
                created.append((entity_id, day if isinstance(day, date) else _parse_day(day)))
    return created


def _parse_day(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def deltas_apply(
    deltas: Deltas, now: datetime, recount: set[tuple[int, date]] | None = None
) -> int:
    """Adds the deltas to the rollups: counters by one ``UPDATE … SET n = n + %s`` per row
    (atomic in the database: concurrent ingestion cannot lose an update), histograms read and
    written only for the days whose histogram changed (rows locked). Returns how many rows
    changed."""
    changes = {pair: delta for pair, delta in deltas.items() if not delta.is_empty()}
    recount = recount or set()
    if not changes and not recount:
        return 0
    pairs = sorted(set(changes) | recount)
    created = _insert_missing(pairs, now)
    counters = [
        (d.received, d.conversations, d.answered, d.decided, d.within, now, entity_id, day)
        for (entity_id, day), d in sorted(changes.items())
        if d.received or d.conversations or d.answered or d.decided or d.within
    ]
    with connection.cursor() as cursor:
        if counters:
            cursor.executemany(
                "UPDATE reports_dailyrollup SET received = received + %s, "
                "conversations = conversations + %s, answered = answered + %s, "
                'decided = decided + %s, "within" = "within" + %s, updated_at = %s '
                "WHERE entity_id = %s AND day = %s",
                counters,
            )
    starts: dict[int, date] = {}

    def start(entity_id: int, day: date) -> None:
        starts[entity_id] = min(day, starts.get(entity_id, day))

    for entity_id, day in created:
        start(entity_id, day)
    if recount:
        received_recount(recount, now)
    histogram_pairs = [
        pair for pair in pairs if pair in changes and any(changes[pair].histogram.values())
    ]
    for group in _chunks(histogram_pairs, 200):
        rows = DailyRollup.objects.select_for_update().filter(_pairs_q(group))
        updates = []
        for pk, entity_id, day, stored in rows.values_list(
            "pk", "entity_id", "day", "first_response_histogram"
        ):
            histogram = _histogram(stored)
            histogram.update(changes[(entity_id, day)].histogram)
            updates.append((json.dumps(_stored(histogram)), now, pk))
            start(entity_id, day)
        with connection.cursor() as cursor:
            cursor.executemany(_sql("daily"), updates)
    shrunk = sorted(
        {pair for pair, d in changes.items() if d.received < 0 or d.conversations < 0} | recount
    )
    if shrunk:
        with connection.cursor() as cursor:
            cursor.executemany(
                "DELETE FROM reports_dailyrollup WHERE entity_id = %s AND day = %s "
                "AND received = 0 AND conversations = 0",
                shrunk,
            )
    cumulative_refresh(starts)
    rollups_touched(now)
    return len(pairs)


REVISION_KEY = "agora:reports:rollups-revision"


def rollups_revision() -> str:
    """A token that changes whenever rollups change: what cached scoreboards are keyed on."""
    revision = cache.get(REVISION_KEY)
    if revision is None:
        revision = uuid.uuid4().hex
        cache.add(REVISION_KEY, revision, None)
        revision = cache.get(REVISION_KEY, revision)
    return str(revision)


def _bump() -> None:
    cache.set(REVISION_KEY, uuid.uuid4().hex, None)


def rollups_touched(now: datetime | None = None) -> None:
    """Invalidates cached scoreboards now (readers of this transaction) and again after the
    commit (readers that cached the old figures in between)."""
    _bump()
    transaction.on_commit(_bump)


def _spans(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days merged into (first, last) spans."""
    spans: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if spans and spans[-1][1] + timedelta(days=1) == day:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _received(received_q: Q) -> Counter[tuple[int, date]]:
    """Citizen messages per (entity, Lima day) among those ``received_q`` selects."""
    received: Counter[tuple[int, date]] = Counter()
    for row in (
        Message.objects.filter(received_q, direction=Direction.ENTRANTE)
        .annotate(local=TruncDate("sent_at", tzinfo=LIMA))
        .values("entity_id", "local")
        .annotate(n=Count("id"))
        .order_by()
    ):
        received[(row["entity_id"], row["local"])] += row["n"]
    return received


def _days_q(by_entity: Iterable[tuple[int, Iterable[date]]]) -> Q:
    """Messages sent on these days of these entities (Lima days, merged into spans)."""
    query = Q()
    for entity_id, days in by_entity:
        for first, last in _spans(days):
            start, end = day_bounds(first, last)
            query |= Q(entity_id=entity_id, sent_at__gte=start, sent_at__lt=end)
    return query


def received_recount(pairs: Iterable[tuple[int, date]], now: datetime) -> None:
    """Sets the received count of these (entity, day) rollups to the messages stored for
    them: counting again gives the same figure however often it runs (the outbox task)."""
    by_entity: dict[int, set[date]] = defaultdict(set)
    for entity_id, day in pairs:
        by_entity[entity_id].add(day)
    for group in _chunks(sorted(by_entity.items()), 50):
        received = _received(_days_q(group))
        rows = [
            (received[(entity_id, day)], now, entity_id, day)
            for entity_id, days in group
            for day in sorted(days)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE reports_dailyrollup SET received = %s, updated_at = %s "
                "WHERE entity_id = %s AND day = %s",
                rows,
            )


def rollups_lock() -> None:
    """One rollup writer at a time on PostgreSQL (until the transaction ends): the outbox task,
    the hourly refresh and rebuilds read facts and add differences, which two concurrent
    writers could count twice. SQLite writes one transaction at a time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ROLLUPS_LOCK])


# An arbitrary constant naming the rollups' advisory lock.
ROLLUPS_LOCK = 4_227_001


def days_rebuild(pairs: Iterable[tuple[int, date]], now: datetime | None = None) -> int:
    """Recomputes the rollups of these (entity, day) pairs from messages and facts."""
    now = now or timezone.now()
    by_entity: dict[int, set[date]] = defaultdict(set)
    for entity_id, day in pairs:
        by_entity[entity_id].add(day)
    written = 0
    items = sorted(by_entity.items())
    for group in _chunks(items, 50):
        facts_q = Q()
        for entity_id, days in group:
            facts_q |= Q(entity_id=entity_id, day__in=sorted(days))
        received_q = _days_q(group)
        received = _received(received_q)
        stats: dict[tuple[int, date], dict[str, Any]] = {}
        for entity_id, day, answered, work, within, overdue in ConversationFact.objects.filter(
            facts_q
        ).values_list("entity_id", "day", "answered", "first_response_work", "within", "overdue"):
            item = stats.setdefault(
                (entity_id, day),
                {"conversations": 0, "answered": 0, "decided": 0, "within": 0, "hist": Counter()},
            )
            item["conversations"] += 1
            if answered:
                item["answered"] += 1
                item["decided"] += 1
                item["within"] += bool(within)
                if work is not None:
                    item["hist"][bucket_of(work)] += 1
            elif overdue:
                item["decided"] += 1
        rollups = []
        empty: list[tuple[int, date]] = []
        for entity_id, days in group:
            for day in days:
                key = (entity_id, day)
                found = stats.get(key)
                if found is None and not received[key]:
                    empty.append(key)
                    continue
                item = found or {
                    "conversations": 0,
                    "answered": 0,
                    "decided": 0,
                    "within": 0,
                    "hist": Counter(),
                }
                rollups.append(
                    DailyRollup(
                        entity_id=entity_id,
                        day=day,
                        received=received[key],
                        conversations=item["conversations"],
                        answered=item["answered"],
                        decided=item["decided"],
                        within=item["within"],
                        first_response_histogram={
                            str(k): v for k, v in sorted(item["hist"].items())
                        },
                        updated_at=now,
                    )
                )
        if empty:
            empty_q = Q()
            for entity_id, day in empty:
                empty_q |= Q(entity_id=entity_id, day=day)
            DailyRollup.objects.filter(empty_q).delete()
        DailyRollup.objects.bulk_create(
            rollups,
            update_conflicts=True,
            unique_fields=["entity", "day"],
            update_fields=[
                "received",
                "conversations",
                "answered",
                "decided",
                "within",
                "first_response_histogram",
                "updated_at",
            ],
        )
        written += len(rollups)
    starts: dict[int, date] = {}
    for entity_id, days in by_entity.items():
        starts[entity_id] = min(days)
    cumulative_refresh(starts)
    rollups_touched(now)
    return written


def _new_inbound(keys: Sequence[tuple[str, str]]) -> Counter[tuple[int, date]]:
    """Newly stored citizen messages per (entity, day), from their platform keys."""
    counts: Counter[tuple[int, date]] = Counter()
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, key in keys:
        by_platform[platform].append(key)
    for platform, platform_ids in by_platform.items():
        for chunk in _chunks(platform_ids):
            for entity_id, sent_at in Message.objects.filter(
                platform=platform, platform_message_id__in=chunk, direction=Direction.ENTRANTE
            ).values_list("entity_id", "sent_at"):
                counts[(entity_id, local_day(sent_at))] += 1
    return counts


@transaction.atomic
def rollups_update(
    *,
    conversation_ids: Iterable[int],
    new_keys: Sequence[tuple[str, str]] = (),
    now: datetime | None = None,
    recount: bool = False,
) -> int:
    """Brings facts and rollups up to date after messages or answers changed: only the
    changed conversations are recomputed, and their difference added to their days. The
    received count of the days of ``new_keys`` is added to (inside the ingestion, which runs
    once) or, with ``recount``, counted again from the messages (the outbox task, which may
    run twice)."""
    now = now or timezone.now()
    deltas = facts_refresh(conversation_ids, now)
    inbound = _new_inbound(new_keys)
    if not recount:
        for pair, count in inbound.items():
            deltas[pair].received += count
        return deltas_apply(deltas, now)
    return deltas_apply(deltas, now, recount=set(inbound))


@transaction.atomic
def rollups_refresh_due(*, now: datetime | None = None) -> int:
    """Counts as decided the unanswered conversations whose deadline has passed since they
    were last counted: the clock, not a message, moves them (run every hour)."""
    now = now or timezone.now()
    rollups_lock()
    due = ConversationFact.objects.filter(answered=False, overdue=False, first_due_at__lte=now)
    deltas: Deltas = defaultdict(_Delta)
    ids = []
    for pk, entity_id, day in due.values_list("conversation_id", "entity_id", "day"):
        deltas[(entity_id, day)].decided += 1
        ids.append(pk)
    for chunk in _chunks(ids):
        ConversationFact.objects.filter(conversation_id__in=chunk).update(overdue=True)
    return deltas_apply(deltas, now)


def rollups_rebuild(
    *, entity_ids: Iterable[int] | None = None, now: datetime | None = None
) -> tuple[int, int]:
    """Recomputes every fact and rollup (of some entities): after loading data by other
    means or changing a policy. Returns (conversations, days)."""
    conversations = Conversation.objects.all()
    if entity_ids is not None:
        ids = list(entity_ids)
        conversations = conversations.filter(entity_id__in=ids)
        ConversationFact.objects.filter(entity_id__in=ids).delete()
        DailyRollup.objects.filter(entity_id__in=ids).delete()
        messages = Message.objects.filter(entity_id__in=ids)
    else:
        ConversationFact.objects.all().delete()
        DailyRollup.objects.all().delete()
        messages = Message.objects.all()
    conv_ids = list(conversations.order_by("pk").values_list("pk", flat=True))
    dirty: set[tuple[int, date]] = set()
    now = now or timezone.now()
    for chunk in _chunks(conv_ids, 5000):
        with transaction.atomic():
            dirty |= set(facts_refresh(chunk, now))
    for row in (
        messages.filter(direction=Direction.ENTRANTE)
        .annotate(local=TruncDate("sent_at", tzinfo=LIMA))
        .values("entity_id", "local")
        .distinct()
        .order_by()
    ):
        dirty.add((row["entity_id"], row["local"]))
    with transaction.atomic():
        days = days_rebuild(dirty, now=now)
    return len(conv_ids), days


def rollups_drift(*, days: int = 2, now: datetime | None = None) -> int:
    """How far the stored rollups of the last ``days`` days are from the source rows: the sum,
    over (entity, day), of the differences in received messages and in conversations. Zero
    when everything is counted; a backlog of the outbox shows here for a moment; a lasting
    figure means a lost update (``rollups_rebuild`` repairs it). A metric, read at each scrape."""
    today = local_day(now or timezone.now())
    first = today - timedelta(days=days - 1)
    start, end = day_bounds(first, today)
    received = _received(Q(sent_at__gte=start, sent_at__lt=end))
    conversations: Counter[tuple[int, date]] = Counter()
    for entity_id, day, n in (
        ConversationFact.objects.filter(day__gte=first, day__lte=today)
        .values("entity_id", "day")
        .annotate(n=Count("conversation_id"))
        .order_by()
        .values_list("entity_id", "day", "n")
    ):
        conversations[(entity_id, day)] = n
    drift = 0
    seen: set[tuple[int, date]] = set()
    for entity_id, day, stored_received, stored_conversations in DailyRollup.objects.filter(
        day__gte=first, day__lte=today
    ).values_list("entity_id", "day", "received", "conversations"):
        pair = (entity_id, day)
        seen.add(pair)
        drift += abs(stored_received - received[pair])
        drift += abs(stored_conversations - conversations[pair])
    for pair in (set(received) | set(conversations)) - seen:
        drift += received[pair] + conversations[pair]
    return drift
