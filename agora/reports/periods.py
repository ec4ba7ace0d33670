"""Report periods as a manager reads them: calendar months, quarters and years, the period they
are compared with (the previous month for a month, not "the 31 days before"), and dates written
the Peruvian way ("5 de noviembre de 2026", "14:05"), always in America/Lima."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agora.core.calendar import LIMA

MONTHS = [
    gettext_lazy("enero"),
    gettext_lazy("febrero"),
    gettext_lazy("marzo"),
    gettext_lazy("abril"),
    gettext_lazy("mayo"),
    gettext_lazy("junio"),
    gettext_lazy("julio"),
    gettext_lazy("agosto"),
    gettext_lazy("septiembre"),
    gettext_lazy("octubre"),
    gettext_lazy("noviembre"),
    gettext_lazy("diciembre"),
]
QUARTERS = [
    gettext_lazy("primer trimestre"),
    gettext_lazy("segundo trimestre"),
    gettext_lazy("tercer trimestre"),
    gettext_lazy("cuarto trimestre"),
]


def month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def whole_months(start: date, end: date) -> int:
    """How many calendar months the range covers exactly (0 when it does not start on a
    first and end on a last day)."""
    if start.day != 1 or end != month_end(end) or end < start:
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def previous_range(start: date, end: date) -> tuple[date, date]:
    """The period a report compares with: the same number of whole calendar months just
    before (1–31 October → 1–30 September; a quarter → the quarter before), otherwise the
    range of the same length that ends the day before ``start``."""
    months = whole_months(start, end)
    if months:
        return add_months(start, -months), start - timedelta(days=1)
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


def last_month(today: date) -> tuple[date, date]:
    """The last complete calendar month before ``today``."""
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def last_quarter(today: date) -> tuple[date, date]:
    """The last complete calendar quarter before ``today``."""
    first_of_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    start = add_months(first_of_quarter, -3)
    return start, first_of_quarter - timedelta(days=1)


def last_year(today: date) -> tuple[date, date]:
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


def date_es(day: date, *, year: bool = True) -> str:
    """``5 de noviembre de 2026`` (``year=False``: ``5 de noviembre``)."""
    if year:
        return _("%(day)s de %(month)s de %(year)s") % {
            "day": day.day,
            "month": MONTHS[day.month - 1],
            "year": day.year,
        }
    return _("%(day)s de %(month)s") % {"day": day.day, "month": MONTHS[day.month - 1]}


def datetime_es(moment: datetime) -> str:
    """``5 de noviembre de 2026, 14:05`` in Lima."""
    local = timezone.localtime(moment, LIMA)
    return _("%(date)s, %(time)s") % {"date": date_es(local.date()), "time": f"{local:%H:%M}"}


def _month_year(day: date) -> str:
    return _("%(month)s de %(year)s") % {"month": MONTHS[day.month - 1], "year": day.year}


def period_name(start: date, end: date) -> str:
    """A name that can follow "en" or stand as a title: "octubre de 2026", "el tercer
    trimestre de 2026", "el año 2026", "agosto a octubre de 2026", "del 3 al 16 de octubre de
    2026"."""
    months = whole_months(start, end)
    if months == 1:
        return _month_year(start)
    if months == 3 and start.month in (1, 4, 7, 10):
        return _("el %(quarter)s de %(year)s") % {
            "quarter": QUARTERS[(start.month - 1) // 3],
            "year": start.year,
        }
    if months == 12 and start.month == 1:
        return _("el año %(year)s") % {"year": start.year}
    if months:
        if start.year == end.year:
            return _("%(first)s a %(last)s de %(year)s") % {
                "first": MONTHS[start.month - 1],
                "last": MONTHS[end.month - 1],
                "year": end.year,
            }
        return _("%(first)s a %(last)s") % {
            "first": _month_year(start),
            "last": _month_year(end),
        }
    if start == end:
        return _("el %(date)s") % {"date": date_es(start)}
    if start.year != end.year:
        first = date_es(start)
    elif start.month != end.month:
        first = date_es(start, year=False)
    else:
        first = str(start.day)
    return _("del %(first)s al %(last)s") % {"first": first, "last": date_es(end)}


def period_in(start: date, end: date) -> str:
    """The period at the start of a sentence, capitalised: "En octubre de 2026", "Del 3 al 16
    de octubre de 2026", "En el año 2026"."""
    name = period_name(start, end)
    if name.startswith(("del ", "el ")) and not whole_months(start, end):
        text = name
    else:
        text = _("en %(period)s") % {"period": name}
    return text[:1].upper() + text[1:]


def comparison_text(start: date, end: date) -> str:
    """What the report compares with, in words: "septiembre de 2026", or for a range that is
    not whole months "los 14 días anteriores (del 19 de septiembre al 2 de octubre de 2026)"."""
    before_start, before_end = previous_range(start, end)
    if whole_months(start, end):
        return period_name(before_start, before_end)
    days = (end - start).days + 1
    if days == 1:
        return _("el día anterior (%(date)s)") % {"date": date_es(before_start)}
    return _("los %(n)s días anteriores (%(period)s)") % {
        "n": days,
        "period": period_name(before_start, before_end),
    }
