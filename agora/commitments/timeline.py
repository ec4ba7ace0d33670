"""Geometry of the server-rendered SVG timeline (no script, no inline style): one bar per
milestone or commitment between its start and end months, with year ticks and today."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

WIDTH = 800
LABEL_WIDTH = 70
ROW_HEIGHT = 26
TOP = 28


@dataclass
class Bar:
    label: str
    title: str
    start: datetime.date
    end: datetime.date
    status: str
    status_label: str
    overdue: bool = False
    x: float = 0
    y: float = 0
    width: float = 0
    text_y: float = 0


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Timeline:
    bars: list[Bar]
    ticks: list[Tick]
    width: int
    height: int
    today_x: float | None
    first: datetime.date | None
    last: datetime.date | None


def _months(a: datetime.date, b: datetime.date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def build(bars: Iterable[Bar], *, today: datetime.date) -> Timeline:
    items = list(bars)
    if not items:
        return Timeline([], [], WIDTH, TOP, None, None, None)
    first = min(b.start for b in items).replace(day=1)
    last = max(b.end for b in items).replace(day=1)
    span = _months(first, last) + 1  # the end month counts whole
    unit = (WIDTH - LABEL_WIDTH - 10) / span
    for index, bar in enumerate(items):
        bar.x = round(LABEL_WIDTH + _months(first, bar.start) * unit, 1)
        bar.width = round(max(unit * (_months(bar.start, bar.end) + 1) - 2, 3), 1)
        bar.y = TOP + index * ROW_HEIGHT
        bar.text_y = bar.y + ROW_HEIGHT / 2 + 1
    ticks = []
    for year in range(first.year, last.year + 1):
        month = datetime.date(year, 1, 1)
        if month < first:
            month = first
        ticks.append(Tick(x=round(LABEL_WIDTH + _months(first, month) * unit, 1), label=str(year)))
    today_month = today.replace(day=1)
    today_x = None
    if first <= today_month <= last:
        today_x = round(
            LABEL_WIDTH + (_months(first, today_month) + (today.day - 1) / 31) * unit, 1
        )
    height = TOP + len(items) * ROW_HEIGHT + 6
    return Timeline(items, ticks, WIDTH, height, today_x, first, last)
