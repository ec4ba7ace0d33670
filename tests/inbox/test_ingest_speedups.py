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


MOMENTS = [
    datetime(2025, 3, 11, 15, 0, tzinfo=UTC),  # Tuesday, within working hours in Lima
    datetime(2025, 3, 11, 2, 30, tzinfo=UTC),  # Monday night in Lima
    datetime(2025, 3, 15, 18, 0, tzinfo=UTC),  # Saturday
    datetime(2025, 7, 28, 15, 0, tzinfo=UTC),  # Fiestas Patrias
    datetime(2025, 12, 31, 22, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.django_db
@pytest.mark.parametrize("sent_at", MOMENTS, ids=str)
def test_a_new_conversation_of_one_citizen_message_has_the_general_timeline(
    sent_at: datetime,
) -> None:
    """The shortcut of ``_timeline_new`` for one inbound message against the general path
    (each message applied, then the deadlines refreshed)."""
    from decimal import Decimal

    from agora.core.calendar import BusinessCalendar
    from agora.inbox import timeline as services
    from agora.inbox.deadlines import Deadlines

    # First and next answers on different clocks, so that using one for the other shows.
    deadlines = Deadlines(
        first_response_hours=Decimal(16),
        next_response_hours=Decimal(4),
        resolution_hours=Decimal(72),
        calendar=BusinessCalendar(),
    )
    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    fast = services._timeline_new(None, [(sent_at, False)], deadlines, now)
    general = services._Timeline(None, now)
    general.message_count = 1
    services._apply_inbound(general, sent_at, deadlines, now)
    services._refresh_deadlines(general, deadlines)
    for name in services._TIMELINE_FIELDS:
        assert getattr(fast, name) == getattr(general, name), name
    assert fast.due_at is not None and fast.resolution_due_at is not None


URLS = [
    "https://scontent.xx.fbcdn.net/v/t39.30808-6/123_n.jpg?_nc_cat=1&oh=00_A&oe=65F",
    "http://example.com",
    "https://",
    "http://",
    "https:///path",
    "https://?q=1",
    "https://#frag",
    "https://example.com/a b",
    "https://example.com/\ttab",
    "https://exa\nmple.com/",
    "https://example.com/\x00",
    "  https://example.com/trimmed  ",
    "https://[::1]/ipv6",
    "https://[::1/broken",
    "https://ejemplo.pe/ñandú",
    "https://ñandú.pe/",
    "HTTPS://EXAMPLE.COM/upper",
    "javascript:alert(1)",
    "data:image/png;base64,AAAA",
    "/relative/path",
    "ftp://example.com/file",
    "https:example.com",
    "https://user:pass@example.com:8443/x",
    "https://@/",
    "",
]


@pytest.mark.parametrize("url", URLS, ids=repr)
def test_the_web_address_shortcut_decides_what_urlsplit_decides(url: str) -> None:
    from agora.inbox import attachments

    assert attachments.web_url(url) == attachments._web_url(url.strip())
