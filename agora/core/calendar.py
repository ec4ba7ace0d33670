"""The working calendar: Peru's national holidays (``holidays`` package), working hours and an
entity's own non-working days. Response deadlines count working time on it.

All arithmetic happens in America/Lima local time; callers pass and receive aware datetimes.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

LIMA = zoneinfo.ZoneInfo("America/Lima")


@lru_cache(maxsize=64)
def peru_holidays(year: int) -> dict[date, str]:
    """Peru's national holidays of ``year``, with their Spanish names."""
    return dict(holidays.country_holidays("PE", years=[year], language="es"))


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours. ``workdays`` uses Monday = 0."""

    start: time = time(8, 30)
    end: time = time(17, 30)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    extra_closed: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def build(
        cls,
        *,
        start: time | None = None,
        end: time | None = None,
        workdays: Iterable[int] | None = None,
        closed: Iterable[date] = (),
    ) -> BusinessCalendar:
        return cls(
            start=start or cls.start,
            end=end or cls.end,
            workdays=frozenset(workdays) if workdays is not None else cls().workdays,
            extra_closed=frozenset(closed),
        )

    def holiday_name(self, day: date) -> str | None:
        if day in self.extra_closed:
            return "Día no laborable de la entidad"
        return peru_holidays(day.year).get(day)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and self.holiday_name(day) is None

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (
            datetime.combine(day, self.start, tzinfo=LIMA),
            datetime.combine(day, self.end, tzinfo=LIMA),
        )

    @property
    def seconds_per_day(self) -> int:
        return int(
            (
                datetime.combine(date(2000, 1, 3), self.end)
                - datetime.combine(date(2000, 1, 3), self.start)
            ).total_seconds()
        )

    def add(self, moment: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of working time after ``moment``."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        current = moment.astimezone(LIMA)
        remaining = float(seconds)
        day = current.date()
        scanned = 0
        # Working days in runs read from a cache (ingestion computes two due times per new
        # conversation, mostly from the same few days); the arithmetic is the day-by-day one.
        while scanned < MAX_SCAN_DAYS:  # a guard against a calendar with no workday
            windows, after = _working_windows(self, day)
            for opens, closes, length in windows:
                if current > opens:  # only on the first day: starts within or after it
                    if current >= closes:
                        continue
                    available = (closes - current).total_seconds()
                    if remaining <= available:
                        return current + timedelta(seconds=remaining)
                    remaining -= available
                    continue
                if remaining <= length:
                    return opens + timedelta(seconds=remaining)
                remaining -= length
            scanned += (after - day).days
            day = after
        raise ValueError("el calendario no tiene días laborables")

    def between(self, start: datetime, end: datetime) -> float:
        """Working seconds between two moments (0 if ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        start, end = start.astimezone(LIMA), end.astimezone(LIMA)
        total = 0.0
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                opens, closes = self._window(day)
                lo, hi = max(start, opens), min(end, closes)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total


# Days looked at before a calendar is declared to have no working day (ten years).
MAX_SCAN_DAYS = 3700
# Days per cached run of working windows.
_RUN_DAYS = 64


@lru_cache(maxsize=8192)
def _working_windows(
    calendar: BusinessCalendar, day: date
) -> tuple[tuple[tuple[datetime, datetime, float], ...], date]:
    """The working hours (opens, closes, seconds) of the working days among the ``_RUN_DAYS``
    days from ``day``, and the day after them: what ``add`` walks, read from a cache."""
    windows = []
    for offset in range(_RUN_DAYS):
        current = day + timedelta(days=offset)
        if calendar.is_working_day(current):
            opens, closes = calendar._window(current)
            windows.append((opens, closes, (closes - opens).total_seconds()))
    return tuple(windows), day + timedelta(days=_RUN_DAYS)
