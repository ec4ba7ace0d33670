"""The public scoreboard: per entity, messages received, share answered, median first
response in working hours, share within deadline and the trend, added up from the daily
rollups only (never from messages). No citizen data ever reaches it."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from agora.core.text import fold
from agora.directory.models import Branch, Entity, Level
from agora.reports.rollups import histogram_median, rollups_revision

# Fewer messages than this in the period: rates are not published ("insuficiente").
MIN_MESSAGES = 20
# A change in the share within deadline smaller than this (percentage points) is "stable".
TREND_POINTS = 2.0
PERIODS: dict[str, Any] = {
    "30": _("Últimos 30 días"),
    "90": _("Últimos 90 días"),
    "365": _("Últimos 12 meses"),
}
SORTS: dict[str, Any] = {
    "entidad": _("Entidad"),
    "recibidos": _("Mensajes recibidos"),
    "respondidos": _("Porcentaje respondido"),
    "mediana": _("Mediana de primera respuesta"),
    "plazo": _("Porcentaje dentro del plazo"),
}


class _Rates:
    """The published rates of a row's sums (an entity over a period, or one month): none under
    ``MIN_MESSAGES`` messages."""

    received: int
    conversations: int
    answered: int
    decided: int
    within: int
    median_seconds: float | None

    @property
    def sufficient(self) -> bool:
        return self.received >= MIN_MESSAGES

    @property
    def answered_share(self) -> float | None:
        if not self.sufficient or not self.conversations:
            return None
        return 100 * self.answered / self.conversations

    @property
    def within_share(self) -> float | None:
        if not self.sufficient or not self.decided:
            return None
        return 100 * self.within / self.decided

    @property
    def median_hours(self) -> float | None:
        if not self.sufficient or self.median_seconds is None:
            return None
        return self.median_seconds / 3600


@dataclass
class ScoreRow(_Rates):
    code: str
    name: str
    acronym: str
    level: str
    branch: str
    department: str
    received: int = 0
    conversations: int = 0
    answered: int = 0
    decided: int = 0
    within: int = 0
    median_seconds: float | None = None
    previous_received: int = 0
    previous_decided: int = 0
    previous_within: int = 0

    @property
    def previous_within_share(self) -> float | None:
        if self.previous_received < MIN_MESSAGES or not self.previous_decided:
            return None
        return 100 * self.previous_within / self.previous_decided

    @property
    def trend_points(self) -> float | None:
        now, before = self.within_share, self.previous_within_share
        if now is None or before is None:
            return None
        return now - before

    @property
    def trend(self) -> str:
        """mejora / empeora / estable, or "" when either period is insufficient."""
        points = self.trend_points
        if points is None:
            return ""
        if points >= TREND_POINTS:
            return "mejora"
        if points <= -TREND_POINTS:
            return "empeora"
        return "estable"


@dataclass
class Scoreboard:
    start: date
    end: date
    previous_start: date
    rows: list[ScoreRow] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(row.received for row in self.rows)


def _decode(value: Any) -> dict[str, int]:
    """A JSON column as the driver returns it (text on SQLite, decoded on PostgreSQL)."""
    if isinstance(value, dict):
        return value
    if not value or value == "{}":
        return {}
    result: dict[str, int] = json.loads(value)
    return result


def period_bounds(days: int, today: date | None = None) -> tuple[date, date, date]:
    """(start, end, previous start): the last ``days`` days up to today, and the same length
    just before."""
    end = today or timezone.localdate()
    start = end - timedelta(days=days - 1)
    return start, end, start - timedelta(days=days)


def _sort_key(sort: str) -> Any:
    name = sort.lstrip("-")
    attribute = {
        "recibidos": "received",
        "respondidos": "answered_share",
        "mediana": "median_hours",
        "plazo": "within_share",
    }.get(name)
    if attribute is None:
        return None
    return attribute


# Cached scoreboards live this long at most (entity names and verified accounts change
# without touching the rollups; the rollups' revision invalidates them at once otherwise).
CACHE_SECONDS = 60

# The period's sums per entity, its first and last day with rollups and its latest change;
# then the previous period's. Two plain aggregates over the covering index cost about half
# of one with conditional sums over both periods.
_SUMS_SQL = """
SELECT entity_id, SUM(received), SUM(conversations), SUM(answered), SUM(decided),
    SUM("within"), MIN(day), MAX(day), MAX(updated_at)
FROM reports_dailyrollup
WHERE day >= %s AND day <= %s {entities}
GROUP BY entity_id
"""
_PREVIOUS_SQL = """
SELECT entity_id, SUM(received), SUM(decided), SUM("within")
FROM reports_dailyrollup
WHERE day >= %s AND day < %s {entities}
GROUP BY entity_id
"""

# The period's histogram of some entities: their first day's, and the running histograms of
# their first and last days (two rows per entity, whatever the period's length).
_HISTOGRAMS_SQL = """
WITH spans AS (
    SELECT entity_id, MIN(day) AS first_day, MAX(day) AS last_day
    FROM reports_dailyrollup
    WHERE day >= %s AND day <= %s AND entity_id IN ({ids})
    GROUP BY entity_id
)
SELECT spans.entity_id, f.first_response_histogram, f.cumulative_histogram,
    l.cumulative_histogram
FROM spans
JOIN reports_dailyrollup f ON f.entity_id = spans.entity_id AND f.day = spans.first_day
LEFT JOIN reports_dailyrollup l ON l.entity_id = spans.entity_id AND l.day = spans.last_day
    AND spans.last_day <> spans.first_day
"""

# Medians computed for one period, kept per entity with what they were computed from (the
# period's first and last day and its latest rollup change): after ingestion changes a few
# entities' rollups, only theirs are read and computed again.
MEDIANS_SECONDS = 24 * 3600
# An entity whose rollups changed this recently is always computed afresh: its latest change
# is stamped when ingestion starts, and two ingestions in flight may commit out of order.
SETTLED_SECONDS = 600
_MEDIAN_CHUNK = 500


def _period_histogram(daily: Any, first_cumulative: Any, last_cumulative: Any) -> dict[int, int]:
    """The period's histogram: the first day's, plus what the running histogram gained from
    the first day to the last."""
    histogram: dict[str, int] = dict(_decode(daily))
    if last_cumulative is not None:
        get = histogram.get
        for key, value in _decode(last_cumulative).items():
            histogram[key] = get(key, 0) + value
        for key, value in _decode(first_cumulative).items():
            histogram[key] = get(key, 0) - value
    return {int(key): value for key, value in histogram.items() if value > 0}


def _before(touched: Any, moment: datetime) -> bool:
    """Whether a rollup's latest change (a datetime, or text on SQLite) is before ``moment``."""
    if touched is None:
        return True
    if not isinstance(touched, datetime):
        parsed = parse_datetime(str(touched))
        if parsed is None:
            return False
        touched = parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
    return bool(touched < moment)


def _medians(
    spans: dict[int, tuple[Any, Any, Any]], start: date, end: date
) -> dict[int, float | None]:
    """Median first response of each entity over the period, ``spans`` giving each one's
    (first day, last day, latest change) in it; from the memo when those are unchanged."""
    key = f"agora:reports:medians:{start.isoformat()}:{end.isoformat()}"
    memo: dict[int, tuple[tuple[str, str, str], float | None]] = cache.get(key) or {}
    medians: dict[int, float | None] = {}
    stale: dict[int, tuple[str, str, str]] = {}
    settled = timezone.now() - timedelta(seconds=SETTLED_SECONDS)
    for pk, (first_day, last_day, touched) in spans.items():
        fingerprint = (str(first_day), str(last_day), str(touched))
        known = memo.get(pk)
        if known is not None and known[0] == fingerprint and _before(touched, settled):
            medians[pk] = known[1]
        else:
            stale[pk] = fingerprint
    if stale:
        adapt = connection.ops.adapt_datefield_value
        ids = sorted(stale)
        with connection.cursor() as cursor:
            for offset in range(0, len(ids), _MEDIAN_CHUNK):
                chunk = ids[offset : offset + _MEDIAN_CHUNK]
                # Only "%s" placeholders are joined in: the values go as parameters.
                sql = _HISTOGRAMS_SQL.format(ids=", ".join(["%s"] * len(chunk)))
                cursor.execute(sql, [adapt(start), adapt(end), *chunk])
                for pk, daily, first_cumulative, last_cumulative in cursor.fetchall():
                    medians[pk] = histogram_median(
                        _period_histogram(daily, first_cumulative, last_cumulative)
                    )
        for pk in ids:
            memo[pk] = (stale[pk], medians.setdefault(pk, None))
        cache.set(key, memo, MEDIANS_SECONDS)
    return medians


def _sort(board: Scoreboard, sort: str) -> None:
    board.rows.sort(key=lambda row: row.name.lower())
    attribute = _sort_key(sort)
    if attribute:
        descending = not sort.startswith("-")
        if attribute == "median_hours":
            descending = not descending  # fastest first by default
        valued = [r for r in board.rows if getattr(r, attribute) is not None]
        empty = [r for r in board.rows if getattr(r, attribute) is None]
        valued.sort(key=lambda row: getattr(row, attribute), reverse=descending)
        board.rows = valued + empty
    elif sort == "-entidad":
        board.rows.reverse()


def scoreboard(
    *,
    days: int = 30,
    level: str = "",
    branch: str = "",
    department: str = "",
    sort: str = "entidad",
    today: date | None = None,
) -> Scoreboard:
    """Every entity with a verified account or messages in either period, filtered. Cached
    per filters and rollups revision: any change of the rollups is seen at once."""
    today = today or timezone.localdate()
    key = "agora:reports:scoreboard:" + ":".join(
        [rollups_revision(), str(days), level, branch, department, sort, today.isoformat()]
    )
    board: Scoreboard | None = cache.get(key)
    if board is None:
        board = _scoreboard(
            days=days, level=level, branch=branch, department=department, today=today
        )
        _sort(board, sort)
        cache.set(key, board, CACHE_SECONDS)
    return board


def _scoreboard(*, days: int, level: str, branch: str, department: str, today: date) -> Scoreboard:
    start, end, previous_start = period_bounds(days, today)
    entities = Entity.objects.all()
    if level:
        entities = entities.filter(level=level)
    if branch:
        entities = entities.filter(branch=branch)
    if department:
        entities = entities.filter(department_code=department)
    # Sums in SQL over each period's rollups; medians from each entity's first and last row
    # of the period (see _medians).
    adapt = connection.ops.adapt_datefield_value
    first, last, before = adapt(start), adapt(end), adapt(previous_start)
    restriction = ""
    sub_params: list[Any] = []
    if level or branch or department:
        subquery, entity_params = entities.values("pk").query.sql_with_params()
        restriction = f"AND entity_id IN ({subquery})"
        sub_params = list(entity_params)
    current: dict[int, list[int]] = {}
    previous: dict[int, tuple[int, int, int]] = {}
    spans: dict[int, tuple[Any, Any, Any]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_SUMS_SQL.format(entities=restriction), [first, last, *sub_params])
        for pk, r, c, a, d, w, first_day, last_day, touched in cursor.fetchall():
            current[pk] = [r or 0, c or 0, a or 0, d or 0, w or 0]
            spans[pk] = (first_day, last_day, touched)
        cursor.execute(_PREVIOUS_SQL.format(entities=restriction), [before, first, *sub_params])
        for pk, pr, pd, pw in cursor.fetchall():
            previous[pk] = (pr or 0, pd or 0, pw or 0)
    medians = _medians(spans, start, end)
    ids = set(current) | set(previous)
    shown = (
        entities.filter(Q(pk__in=ids) | Q(verified_count__gt=0))
        if ids
        else entities.filter(verified_count__gt=0)
    )
    levels = {value: str(label) for value, label in Level.choices}
    branches = {value: str(label) for value, label in Branch.choices}
    board = Scoreboard(start=start, end=end, previous_start=previous_start)
    for pk, code, name, acronym, level_value, branch_value, department_name in shown.values_list(
        "pk", "code", "name", "acronym", "level", "branch", "department"
    ).order_by():
        row = ScoreRow(
            code=code,
            name=name,
            acronym=acronym,
            level=levels.get(level_value, level_value),
            branch=branches.get(branch_value, branch_value),
            department=department_name,
        )
        if pk in current:
            row.received, row.conversations, row.answered, row.decided, row.within = current[pk]
            row.median_seconds = medians.get(pk)
        if pk in previous:
            row.previous_received, row.previous_decided, row.previous_within = previous[pk]
        board.rows.append(row)
    return board


def departments() -> list[tuple[str, str]]:
    """(code, name) pairs in Spanish alphabetical order (Áncash after Amazonas, not last)."""
    pairs = Entity.objects.exclude(department_code="").values_list("department_code", "department")
    return sorted(set(pairs), key=lambda pair: (fold(pair[1]), pair[1]))


# --- one entity's history ----------------------------------------------------------------------

HISTORY_MONTHS = 12


@dataclass
class MonthRow(_Rates):
    """One calendar month of an entity's figures, with the scoreboard's definitions."""

    month: date
    received: int = 0
    conversations: int = 0
    answered: int = 0
    decided: int = 0
    within: int = 0
    median_seconds: float | None = None


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def entity_history(entity: Entity, *, today: date | None = None) -> list[MonthRow]:
    """The last ``HISTORY_MONTHS`` calendar months of ``entity`` (the current one included,
    newest first), added up from its daily rollups like the scoreboard; each month's median
    from the sum of its days' first-response histograms."""
    from agora.reports.models import DailyRollup

    today = today or timezone.localdate()
    first = _month_start(today, HISTORY_MONTHS - 1)
    months = {
        _month_start(today, back): MonthRow(_month_start(today, back))
        for back in range(HISTORY_MONTHS)
    }
    histograms: dict[date, dict[int, int]] = {}
    rows = DailyRollup.objects.filter(entity=entity, day__gte=first, day__lte=today).values_list(
        "day",
        "received",
        "conversations",
        "answered",
        "decided",
        "within",
        "first_response_histogram",
    )
    for day, received, conversations, answered, decided, within, histogram in rows:
        month = months[day.replace(day=1)]
        month.received += received
        month.conversations += conversations
        month.answered += answered
        month.decided += decided
        month.within += within
        merged = histograms.setdefault(month.month, {})
        for key, value in _decode(histogram).items():
            merged[int(key)] = merged.get(int(key), 0) + value
    for month_start, histogram in histograms.items():
        months[month_start].median_seconds = histogram_median(histogram)
    return sorted(months.values(), key=lambda row: row.month, reverse=True)


def _folded(text: str) -> str:
    """Lower case without accents: «Educación» is found by «educacion»."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def board_search(board: Scoreboard, text: str, *, with_data: bool = False) -> Scoreboard:
    """The rows of ``board`` whose name, acronym or code contain every word of ``text``
    (accents and case ignored), only those with enough messages when ``with_data``; the
    cached board is not changed."""
    words = _folded(text).split()
    if not words and not with_data:
        return board
    rows = [
        row
        for row in board.rows
        if (not with_data or row.sufficient)
        and all(
            word in _folded(f"{row.name} {row.acronym} {row.code} {row.department}")
            for word in words
        )
    ]
    return Scoreboard(
        start=board.start, end=board.end, previous_start=board.previous_start, rows=rows
    )
