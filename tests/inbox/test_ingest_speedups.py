"""The shortcuts ingestion takes for speed (bench/ingest.py) write exactly what the general
path writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from agora.inbox.services import datetime_adapter

VALUES = [
    None,
    datetime(2025, 3, 11, 15, 0, tzinfo=UTC),
    datetime(2025, 3, 11, 15, 0, 0, 123456, tzinfo=UTC),
    datetime(2025, 3, 11, 10, 0, 0, 500, tzinfo=ZoneInfo("America/Lima")),
    datetime(2025, 3, 11, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2025, 3, 11, 15, 0, tzinfo=timezone(timedelta(0))),
]


@pytest.mark.django_db
@pytest.mark.parametrize("value", VALUES, ids=str)
def test_the_datetime_shortcut_writes_what_django_writes(value: datetime | None) -> None:
    assert datetime_adapter()(value) == connection.ops.adapt_datetimefield_value(value)
