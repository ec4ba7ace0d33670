"""The working calendar that response deadlines count on: Peru's national holidays (from the
``holidays`` package), weekends, working hours and an entity's own non-working days. Every
expected moment is an exact datetime in America/Lima."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from agora.core.calendar import LIMA, BusinessCalendar, peru_holidays
from agora.directory.models import Entity
from agora.inbox.deadlines import deadlines_for
from agora.inbox.models import NonWorkingDay

HOUR = 3600.0
CAL = BusinessCalendar()


def lima(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LIMA)


# --- holidays and working days ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 7, 28), "Día de la Independencia"),
        (date(2025, 7, 29), "Día de la Gran Parada Militar"),
        (date(2025, 12, 8), "Inmaculada Concepción"),
        (date(2025, 4, 17), "Jueves Santo"),
        (date(2025, 4, 18), "Viernes Santo"),
        (date(2026, 4, 2), "Jueves Santo"),
        (date(2026, 4, 3), "Viernes Santo"),
        (date(2026, 12, 9), "Batalla de Ayacucho"),
    ],
)
def test_peruvian_public_holidays_are_not_working_days(day: date, name: str) -> None:
    assert peru_holidays(day.year)[day] == name
    assert CAL.holiday_name(day) == name
    assert day.weekday() < 5  # a weekday that would otherwise be worked
    assert not CAL.is_working_day(day)


def test_weekends_are_not_working_days_and_ordinary_weekdays_are() -> None:
    assert not CAL.is_working_day(date(2025, 7, 26))  # Saturday
    assert not CAL.is_working_day(date(2025, 7, 27))  # Sunday
    assert CAL.is_working_day(date(2025, 7, 25))  # Friday
    assert CAL.is_working_day(date(2025, 4, 16))  # Wednesday before Easter
    assert CAL.holiday_name(date(2025, 4, 16)) is None


def test_the_entitys_own_closed_days_are_not_working_days() -> None:
    cal = BusinessCalendar.build(closed=[date(2025, 3, 14)])
    assert not cal.is_working_day(date(2025, 3, 14))
    assert cal.holiday_name(date(2025, 3, 14)) == "Día no laborable de la entidad"
    assert CAL.is_working_day(date(2025, 3, 14))  # the default calendar still works that day


# --- adding working time -----------------------------------------------------------------------


def test_message_at_five_pm_with_eight_hours_is_due_next_working_day_at_four() -> None:
    """17:00 Tuesday: 30 minutes left that day, 7 h 30 the next from 08:30 → 16:00."""
    due = CAL.add(lima(2025, 3, 11, 17, 0), 8 * HOUR)
    assert due == lima(2025, 3, 12, 16, 0)


def test_message_outside_working_hours_starts_counting_at_opening() -> None:
    assert CAL.add(lima(2025, 3, 11, 6, 15), 2 * HOUR) == lima(2025, 3, 11, 10, 30)
    assert CAL.add(lima(2025, 3, 11, 21, 0), 2 * HOUR) == lima(2025, 3, 12, 10, 30)
    # Exactly a whole day from opening ends at closing time, not the next morning.
    assert CAL.add(lima(2025, 3, 11, 8, 30), 9 * HOUR) == lima(2025, 3, 11, 17, 30)


def test_friday_evening_message_is_due_monday() -> None:
    due = CAL.add(lima(2025, 3, 14, 17, 0), 8 * HOUR)
    assert due == lima(2025, 3, 17, 16, 0)
    # A message written on Saturday counts from Monday's opening.
    assert CAL.add(lima(2025, 3, 15, 11, 0), 8 * HOUR) == lima(2025, 3, 17, 16, 30)


def test_crossing_the_independence_long_weekend() -> None:
    """Friday 25 July 2025 17:00 → Saturday, Sunday, 28 and 29 July (holidays) are skipped:
    the rest of the eight hours runs on Wednesday 30 July."""
    due = CAL.add(lima(2025, 7, 25, 17, 0), 8 * HOUR)
    assert due == lima(2025, 7, 30, 16, 0)


def test_crossing_easter_thursday_and_friday() -> None:
    """Wednesday 16 April 2025 17:00 → Thursday and Friday are holidays, then the weekend."""
    assert CAL.add(lima(2025, 4, 16, 17, 0), 8 * HOUR) == lima(2025, 4, 21, 16, 0)


def test_crossing_december_eighth_and_ninth() -> None:
    """Friday 5 December 2025 16:30 → Monday 8 and Tuesday 9 are holidays."""
    assert CAL.add(lima(2025, 12, 5, 16, 30), 4 * HOUR) == lima(2025, 12, 10, 11, 30)


def test_several_working_days_and_custom_hours() -> None:
    """45 working hours = five 9-hour days: Monday 08:30 → Friday 17:30 of the same week."""
    assert CAL.add(lima(2025, 3, 10, 8, 30), 45 * HOUR) == lima(2025, 3, 14, 17, 30)
    long_day = BusinessCalendar.build(start=time(8, 0), end=time(18, 0))
    assert long_day.seconds_per_day == 10 * 3600
    assert long_day.add(lima(2025, 3, 11, 17, 0), 8 * HOUR) == lima(2025, 3, 12, 15, 0)


def test_utc_input_is_read_in_lima_time() -> None:
    """22:00 UTC is 17:00 in Lima (UTC−5, no daylight saving)."""
    due = CAL.add(datetime(2025, 3, 11, 22, 0, tzinfo=UTC), 8 * HOUR)
    assert due == lima(2025, 3, 12, 16, 0)
    assert due.utcoffset() == lima(2025, 1, 1).utcoffset()


def test_closed_day_of_the_entity_pushes_the_deadline() -> None:
    cal = BusinessCalendar.build(closed=[date(2025, 3, 12)])
    assert cal.add(lima(2025, 3, 11, 17, 0), 8 * HOUR) == lima(2025, 3, 13, 16, 0)


def test_negative_time_and_a_calendar_without_workdays_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add(lima(2025, 3, 11, 9, 0), -1)
    with pytest.raises(ValueError):
        BusinessCalendar.build(workdays=[]).add(lima(2025, 3, 11, 9, 0), HOUR)


# --- measuring working time ------------------------------------------------------------------


def test_between_counts_only_working_hours() -> None:
    assert CAL.between(lima(2025, 3, 11, 17, 0), lima(2025, 3, 12, 16, 0)) == 8 * HOUR
    assert CAL.between(lima(2025, 7, 25, 17, 0), lima(2025, 7, 30, 16, 0)) == 8 * HOUR
    assert CAL.between(lima(2025, 7, 26, 9, 0), lima(2025, 7, 29, 18, 0)) == 0
    assert CAL.between(lima(2025, 3, 12, 9, 0), lima(2025, 3, 11, 9, 0)) == 0


def test_add_and_between_agree() -> None:
    start = lima(2025, 12, 4, 10, 17)
    for hours in (0.5, 3, 8, 20, 45):
        due = CAL.add(start, hours * HOUR)
        assert CAL.between(start, due) == pytest.approx(hours * HOUR)


# --- the entity's calendar as deadlines use it -------------------------------------------------


def test_deadlines_use_the_entitys_non_working_days(entities: dict[str, Entity]) -> None:
    minsa, sunat = entities["minsa"], entities["sunat"]
    NonWorkingDay.objects.create(entity=minsa, day=date(2025, 3, 12), description="Mudanza")
    tuesday_five = lima(2025, 3, 11, 17, 0)
    assert deadlines_for(minsa).first_due(tuesday_five) == lima(2025, 3, 13, 16, 0)
    assert deadlines_for(sunat).first_due(tuesday_five) == lima(2025, 3, 12, 16, 0)
