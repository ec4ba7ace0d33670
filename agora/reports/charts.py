"""Server-rendered bar charts (SVG): each bar carries its value as text, so the chart reads
without colour; the page also gives a text summary and the data table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agora.core import numbers

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 190
BAR_AREA = 260
VALUE_WIDTH = 70
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
    bars = []
    for index, (label, value) in enumerate(items):
        y = index * (BAR_HEIGHT + GAP)
        width = max(1, round(BAR_AREA * value / top)) if value else 0
        bars.append(
            Bar(
                label=label,
                short_label=label if len(label) <= 28 else label[:27] + "…",
                value=value,
                text=f"{_fmt(value)}{unit}",
                y=y,
                width=width,
                text_y=y + BAR_HEIGHT // 2 + 5,
                value_x=LABEL_WIDTH + width + 6,
            )
        )
    summary = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return Chart(
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        height=len(bars) * (BAR_HEIGHT + GAP),
        label_width=LABEL_WIDTH,
        summary=f"{title}. {summary}." if title else f"{summary}.",
    )
