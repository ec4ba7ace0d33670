"""``{% load numbers %}``: ``{{ value|cifra }}``, ``{{ value|cifra:1 }}`` and
``{{ value|porcentaje:1 }}`` write numbers one way across the site (agora/core/numbers.py)."""

from __future__ import annotations

from typing import Any

from django import template

from agora.core import numbers

register = template.Library()


@register.filter
def cifra(value: Any, places: int = 0) -> str:
    if value is None or value == "":
        return "—"
    try:
        return numbers.number(float(value), int(places))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def porcentaje(value: Any, places: int = 1) -> str:
    if value is None or value == "":
        return "—"
    try:
        return numbers.percent(float(value), int(places))
    except (TypeError, ValueError):
        return str(value)
