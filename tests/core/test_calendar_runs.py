"""``BusinessCalendar.add`` walks cached runs of working days (ingestion computes two due
times per new conversation): the same moment, to the microsecond, as counting day by day."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import pytest

from agora.core.calendar import LIMA, BusinessCalendar


def _day_by_day(calendar: BusinessCalendar, moment: datetime, seconds: float) -> datetime:
    """The working-time addition written plainly: one day after the other."""
    current = moment.astimezone(LIMA)
    remaining = float(seconds)
    day = current.date()
    for _ in range(3700):
        if calendar.is_working_day(day):
            opens = datetime.combine(day, calendar.start, tzinfo=LIMA)
            closes = datetime.combine(day, calendar.end, tzinfo=LIMA)
            begin = max(current, opens)
            if begin < closes:
                available = (closes - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
        day += timedelta(days=1)
        current = datetime.combine(day, time(0), tzinfo=LIMA)
    raise ValueError("sin días laborables")


CALENDARS = [
    BusinessCalendar(),
    BusinessCalendar.build(start=time(0), end=time(23, 59)),
    BusinessCalendar.build(workdays=[5, 6], closed=[date(2025, 3, 1), date(2025, 3, 8)]),
    BusinessCalendar.build(start=time(7), end=time(13), workdays=[0, 2, 4]),
]


@pytest.mark.parametrize("calendar", CALENDARS)
def test_add_equals_counting_day_by_day(calendar: BusinessCalendar) -> None:
    rng = random.Random(16)
    base = datetime(2024, 12, 20, tzinfo=UTC)
    for _ in range(3000):
        moment = base + timedelta(
            seconds=rng.randrange(0, 86400 * 400), microseconds=rng.choice([0, 123456])
        )
        seconds = rng.choice([0, 1, 3600, 7200.5, 32400, 8 * 3600, 45 * 3600, rng.uniform(0, 3e6)])
        assert calendar.add(moment, seconds) == _day_by_day(calendar, moment, seconds)


def test_a_calendar_without_working_days_is_refused() -> None:
    with pytest.raises(ValueError):
        BusinessCalendar.build(workdays=[]).add(datetime(2025, 3, 3, tzinfo=UTC), 3600)
