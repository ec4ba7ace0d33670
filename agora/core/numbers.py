"""One way of writing numbers for people, everywhere (issue #17: the scoreboard mixed «0,1» and
«40.5»). Peru's legal system of units (Ley 23560, Sistema Legal de Unidades de Medida del Perú)
writes the decimal sign as a comma and groups the digits of large numbers in threes with a
space; Django's Spanish formats already write the comma, so pages, charts, reports, PDF and
spreadsheets' text use :func:`number` (templates: ``{% load numbers %}{{ value|cifra:1 }}``).
Downloads meant for machines (CSV, JSON, the API) keep plain numbers."""

from __future__ import annotations

from decimal import Decimal

# A no-break space between groups of three digits: a figure never splits across lines.
GROUP_SEPARATOR = "\u00a0"
DECIMAL_SEPARATOR = ","


def number(value: float | int | Decimal | None, places: int = 0, *, empty: str = "—") -> str:
    """``value`` with ``places`` decimals (none when the value is whole and ``places`` is 0),
    decimal comma and digits grouped in threes from 10 000 on: 1234 → «1234», 12345.6 with one
    place → «12 345,6», 0.05 → «0,1» with one place. None gives ``empty``."""
    if value is None:
        return empty
    rounded = round(float(value), places)
    text = f"{abs(rounded):.{places}f}"
    whole, _, decimals = text.partition(".")
    if len(whole) > 4:
        groups: list[str] = []
        while whole:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = GROUP_SEPARATOR.join(groups)
    sign = "-" if rounded < 0 else ""
    return sign + whole + (DECIMAL_SEPARATOR + decimals if decimals else "")


def percent(value: float | None, places: int = 1, *, empty: str = "—") -> str:
    """``number`` followed by a no-break space and «%»."""
    if value is None:
        return empty
    return number(value, places) + "\u00a0%"
