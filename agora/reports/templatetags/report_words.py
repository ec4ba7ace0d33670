"""Template filters that write dates and periods the Peruvian way (see
``agora.reports.periods``; numbers: ``agora.core.templatetags.numbers``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import template

from agora.reports import periods

register = template.Library()


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@register.filter(name="date_es")
def date_es_filter(value: Any) -> str:
    """``5 de noviembre de 2026`` (a date, a datetime in Lima or an ISO string)."""
    if isinstance(value, datetime):
        return periods.datetime_es(value).rsplit(",", 1)[0]
    day = _as_date(value)
    return periods.date_es(day) if day else ""


@register.filter(name="datetime_es")
def datetime_es_filter(value: Any) -> str:
    """``5 de noviembre de 2026, 14:05`` in Lima."""
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return periods.datetime_es(value) if isinstance(value, datetime) else ""


@register.simple_tag
def period_name(start: Any, end: Any) -> str:
    first, last = _as_date(start), _as_date(end)
    if first is None or last is None:
        return ""
    name = periods.period_name(first, last)
    return name[:1].upper() + name[1:]
