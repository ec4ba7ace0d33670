"""The public scoreboard: per entity, messages received, share answered, median first
response in working hours, share within deadline and the trend, added up from the daily
rollups only (never from messages). No citizen data ever reaches it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


@dataclass
class ScoreRow:
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

_SUMS_SQL = """
WITH sums AS (
    SELECT entity_id,
        SUM(CASE WHEN day >= %s THEN received ELSE 0 END) AS r,
        SUM(CASE WHEN day >= %s THEN conversations ELSE 0 END) AS c,
        SUM(CASE WHEN day >= %s THEN answered ELSE 0 END) AS a,
        SUM(CASE WHEN day >= %s THEN decided ELSE 0 END) AS d,
        SUM(CASE WHEN day >= %s THEN "within" ELSE 0 END) AS w,
        SUM(CASE WHEN day < %s THEN received ELSE 0 END) AS pr,
        SUM(CASE WHEN day < %s THEN decided ELSE 0 END) AS pd,
        SUM(CASE WHEN day < %s THEN "within" ELSE 0 END) AS pw,
        MIN(CASE WHEN day >= %s THEN day END) AS first_day,
        MAX(CASE WHEN day >= %s THEN day END) AS last_day
    FROM reports_dailyrollup
    WHERE day >= %s AND day <= %s {entities}
    GROUP BY entity_id
)
SELECT sums.entity_id, r, c, a, d, w, pr, pd, pw,
    f.first_response_histogram, f.cumulative_histogram, l.cumulative_histogram
FROM sums
LEFT JOIN reports_dailyrollup f ON f.entity_id = sums.entity_id AND f.day = sums.first_day
LEFT JOIN reports_dailyrollup l ON l.entity_id = sums.entity_id AND l.day = sums.last_day
    AND sums.last_day <> sums.first_day
"""


def _period_histogram(daily: Any, first_cumulative: Any, last_cumulative: Any) -> dict[int, int]:
    """The period's histogram: the first day's, plus what the running histogram gained from
    the first day to the last (two rows per entity, whatever the period's length)."""
    histogram: dict[str, int] = dict(_decode(daily))
    if last_cumulative is not None:
        get = histogram.get
        for key, value in _decode(last_cumulative).items():
            histogram[key] = get(key, 0) + value
        for key, value in _decode(first_cumulative).items():
            histogram[key] = get(key, 0) - value
    return {int(key): value for key, value in histogram.items() if value > 0}


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
    # One pass over both periods' rollups (sums in SQL, conditional on the period), joined to
    # each entity's first and last row of the period for the median's histogram.
    adapt = connection.ops.adapt_datefield_value
    first, last, before = adapt(start), adapt(end), adapt(previous_start)
    params: list[Any] = [first] * 5 + [first] * 3 + [first] * 2 + [before, last]
    restriction = ""
    if level or branch or department:
        subquery, sub_params = entities.values("pk").query.sql_with_params()
        restriction = f"AND entity_id IN ({subquery})"
        params += list(sub_params)
    current: dict[int, list[int]] = {}
    previous: dict[int, tuple[int, int, int]] = {}
    histograms: dict[int, dict[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_SUMS_SQL.format(entities=restriction), params)
        for pk, r, c, a, d, w, pr, pd, pw, daily, first_cum, last_cum in cursor.fetchall():
            if r or c or daily is not None:
                current[pk] = [r or 0, c or 0, a or 0, d or 0, w or 0]
                histograms[pk] = _period_histogram(daily, first_cum, last_cum)
            previous[pk] = (pr or 0, pd or 0, pw or 0)
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
            row.median_seconds = histogram_median(histograms.get(pk, {}))
        if pk in previous:
            row.previous_received, row.previous_decided, row.previous_within = previous[pk]
        board.rows.append(row)
    return board


def departments() -> list[tuple[str, str]]:
    return list(
        Entity.objects.exclude(department_code="")
        .values_list("department_code", "department")
        .distinct()
        .order_by("department")
    )
