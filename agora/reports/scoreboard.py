"""The public scoreboard: per entity, messages received, share answered, median first
response in working hours, share within deadline and the trend, added up from the daily
rollups only (never from messages). No citizen data ever reaches it."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.db.models import CharField, Max, Min, Q, Sum, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.directory.models import Branch, Entity, Level
from agora.reports.models import DailyRollup
from agora.reports.rollups import histogram_median

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


def scoreboard(
    *,
    days: int = 30,
    level: str = "",
    branch: str = "",
    department: str = "",
    sort: str = "entidad",
    today: date | None = None,
) -> Scoreboard:
    """Every entity with a verified account or messages in either period, filtered."""
    start, end, previous_start = period_bounds(days, today)
    entities = Entity.objects.all()
    if level:
        entities = entities.filter(level=level)
    if branch:
        entities = entities.filter(branch=branch)
    if department:
        entities = entities.filter(department_code=department)
    filtered = bool(level or branch or department)
    rollups = DailyRollup.objects.filter(day__gte=start, day__lte=end)
    previous = DailyRollup.objects.filter(day__gte=previous_start, day__lt=start)
    if filtered:
        rollups = rollups.filter(entity__in=entities)
        previous = previous.filter(entity__in=entities)

    # Sums in SQL; for the median, each entity's first and last row of the period (their
    # running histograms give the period's histogram without reading the days between).
    marker = Concat(
        Cast("day", CharField()), Value(":"), Cast("id", CharField()), output_field=CharField()
    )
    current: dict[int, list[int]] = {}
    ends: dict[int, tuple[int, int]] = {}
    for sums in (
        rollups.values("entity_id")
        .annotate(
            r=Sum("received"),
            c=Sum("conversations"),
            a=Sum("answered"),
            d=Sum("decided"),
            w=Sum("within"),
            first=Min(marker),
            last=Max(marker),
        )
        .order_by()
    ):
        current[sums["entity_id"]] = [sums["r"], sums["c"], sums["a"], sums["d"], sums["w"]]
        ends[sums["entity_id"]] = (
            int(sums["first"].rsplit(":", 1)[1]),
            int(sums["last"].rsplit(":", 1)[1]),
        )
    # Raw rows, decoded here: only the three histograms the median needs per entity.
    raw: dict[int, tuple[str, str]] = {}
    edge_ids = sorted({pk for pair in ends.values() for pk in pair})
    table = DailyRollup._meta.db_table
    with connection.cursor() as cursor:
        for start_index in range(0, len(edge_ids), 900):
            chunk = edge_ids[start_index : start_index + 900]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT id, first_response_histogram, cumulative_histogram FROM {table} "  # noqa: S608
                f"WHERE id IN ({marks})",
                chunk,
            )
            for pk, daily, cumulative in cursor.fetchall():
                raw[pk] = (daily, cumulative)
    histograms: dict[int, Counter[int]] = {}
    for entity_id, (first, last) in ends.items():
        histogram: Counter[int] = Counter()
        if first == last:
            for key, value in _decode(raw[first][0]).items():
                histogram[int(key)] = value
        else:
            for key, value in _decode(raw[last][1]).items():
                histogram[int(key)] += value
            for key, value in _decode(raw[first][1]).items():
                histogram[int(key)] -= value
            for key, value in _decode(raw[first][0]).items():
                histogram[int(key)] += value
        histograms[entity_id] = histogram
    before = {
        row["entity_id"]: row
        for row in previous.values("entity_id")
        .annotate(r=Sum("received"), d=Sum("decided"), w=Sum("within"))
        .order_by()
    }
    ids = set(current) | set(before)
    shown = (
        entities.filter(Q(pk__in=ids) | Q(verified_count__gt=0))
        if ids
        else entities.filter(verified_count__gt=0)
    )
    board = Scoreboard(start=start, end=end, previous_start=previous_start)
    for pk, code, name, acronym, level_value, branch_value, department_name in shown.values_list(
        "pk", "code", "name", "acronym", "level", "branch", "department"
    ).order_by():
        row = ScoreRow(
            code=code,
            name=name,
            acronym=acronym,
            level=str(Level(level_value).label) if level_value in Level.values else level_value,
            branch=str(Branch(branch_value).label)
            if branch_value in Branch.values
            else branch_value,
            department=department_name,
        )
        if pk in current:
            row.received, row.conversations, row.answered, row.decided, row.within = current[pk]
            row.median_seconds = histogram_median(histograms.get(pk, Counter()))
        if pk in before:
            row.previous_received = before[pk]["r"] or 0
            row.previous_decided = before[pk]["d"] or 0
            row.previous_within = before[pk]["w"] or 0
        board.rows.append(row)
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
    return board


def departments() -> list[tuple[str, str]]:
    return list(
        Entity.objects.exclude(department_code="")
        .values_list("department_code", "department")
        .distinct()
        .order_by("department")
    )
