"""Server-rendered bar charts (SVG): each bar carries its value as text, so the chart reads
without colour; the page also gives a text summary and the data table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agora.core import numbers

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 190  # at least; wider for long labels, up to MAX_LABEL_WIDTH
MAX_LABEL_WIDTH = 300
# A generous average advance of a 12 px sans-serif character (DejaVu Sans is about 7 px):
# labels are sized with it so that none runs past the chart's left edge.
CHAR_WIDTH = 7.6
LABEL_PAD = 10
BAR_AREA = 260
VALUE_WIDTH = 90
MAX_BARS = 12


@dataclass
class Bar:
    label: str
    short_label: str
    value: float
    text: str
    y: int
    width: int
    text_y: int
    value_x: int


@dataclass
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    summary: str


def _fmt(value: float) -> str:
    return numbers.number(value, 1 if value % 1 else 0)


def label_room(label_width: int) -> int:
    """How many characters fit in a label column ``label_width`` px wide."""
    return int((label_width - LABEL_PAD) / CHAR_WIDTH)


def _shorten(label: str, room: int) -> str:
    if len(label) <= room:
        return label
    cut = label[: room - 1]
    if " " in cut[room // 2 :]:
        cut = cut[: cut.rindex(" ")]  # whole words
    return cut.rstrip(" ,;·") + "…"


def bar_chart(
    rows: list[list[Any]],
    *,
    unit: str = "",
    title: str = "",
    label_col: int = 0,
    value_col: int = 1,
) -> Chart | None:
    """Horizontal bars of ``value_col`` by ``label_col`` (at most twelve, largest first as
    given); None when there is nothing to draw."""
    items = [
        (str(row[label_col]), float(row[value_col]))
        for row in rows
        if isinstance(row[value_col], int | float)
    ][:MAX_BARS]
    if not items or not any(value for _, value in items):
        return None
    top = max(value for _, value in items) or 1
    longest = max(len(label) for label, _value in items)
    label_width = max(
        LABEL_WIDTH, min(MAX_LABEL_WIDTH, round(longest * CHAR_WIDTH + LABEL_PAD + 1))
    )
    room = label_room(label_width)
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * (BAR_HEIGHT + GAP)
        width = max(1, round(BAR_AREA * value / top)) if value else 0
        bars.append(
            Bar(
                label=label,
                short_label=_shorten(label, room),
                value=value,
                text=f"{_fmt(value)}{unit}",
                y=y,
                width=width,
                text_y=y + BAR_HEIGHT // 2 + 5,
                value_x=label_width + width + 6,
            )
        )
    summary = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return Chart(
        bars=bars,
        width=label_width + BAR_AREA + VALUE_WIDTH,
        height=len(bars) * (BAR_HEIGHT + GAP),
        label_width=label_width,
        summary=f"{title}. {summary}." if title else f"{summary}.",
    )
