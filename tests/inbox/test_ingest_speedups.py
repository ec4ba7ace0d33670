"""The shortcuts ingestion takes for speed (bench/ingest.py) write exactly what the general
path writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
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


def _large_batch(account_id: int, platform: str) -> list[Any]:
    """1,500 events shaped as the Meta connector reads feed comments: top-level comments and
    replies (to a comment of the batch), texts with what COPY must escape, attachments."""
    from agora.inbox.attachments import IncomingAttachment
    from agora.inbox.models import ThreadKind
    from agora.inbox.services import IncomingMessage

    sent = datetime(2025, 3, 11, 15, 0, tzinfo=UTC)
    texts = [
        "¿Cuándo abre la campaña de vacunación?",
        'Tab\there, "comillas", barra \\ y salto\nde línea',
        "Emoji 🙂 y eñe; NULL; \\N; ''",
        "",
    ]
    events = []
    for n in range(1_500):
        top = n % 3 != 2
        thread = f"c{n}" if top else f"c{n - 1}"
        photo = (
            (IncomingAttachment(kind="imagen", url=f"https://scontent.example/{n}.jpg"),)
            if n % 5 == 0
            else ()
        )
        place = (
            (
                IncomingAttachment(
                    kind="ubicacion", title="Plaza", latitude=-12.05, longitude=-77.04
                ),
            )
            if n % 7 == 0
            else ()
        )
        events.append(
            IncomingMessage(
                platform=platform,
                account_id=account_id,
                thread_kind=ThreadKind.COMMENTS,
                thread_id=thread,
                message_id=f"c{n}",
                sent_at=sent + timedelta(minutes=n),
                text=texts[n % len(texts)],
                author_id=str(9000 + n % 40),
                author_name=f"Persona {n % 40}",
                parent_id="page_1" if top else thread,
                post_id="page_1",
                attachments=photo + place,
            )
        )
    return events


def _stored() -> dict[str, Any]:
    """What a batch wrote, without ids and times of writing: comparable across two runs."""
    from agora.inbox.models import Attachment, Conversation, Message, Post

    skip = {"id", "updated_at"}
    posts = dict(Post.objects.values_list("pk", "platform_post_id"))
    conversations = {
        c["thread_id"]: {
            **{k: v for k, v in c.items() if k not in skip | {"post_id"}},
            "post": posts[c["post_id"]],
        }
        for c in Conversation.objects.values()
    }
    threads = dict(Conversation.objects.values_list("pk", "thread_id"))
    messages = {
        m["platform_message_id"]: {
            **{k: v for k, v in m.items() if k not in skip | {"conversation_id"}},
            "thread": threads[m["conversation_id"]],
        }
        for m in Message.objects.values()
    }
    ids = dict(Message.objects.values_list("pk", "platform_message_id"))
    attachments = sorted(
        (
            ids[a["message_id"]],
            a["position"],
            sorted((k, v) for k, v in a.items() if k not in {"id", "message_id", "position"}),
        )
        for a in Attachment.objects.values()
    )
    return {"conversations": conversations, "messages": messages, "attachments": attachments}


@pytest.fixture
def staged(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The columns of each batch staged by COPY (bulk_sql._staged), as it happens; PostgreSQL
    only: elsewhere there is no COPY to compare with the other path."""
    from agora.inbox import bulk_sql

    if connection.vendor != "postgresql":
        pytest.skip("COPY solo en PostgreSQL")
    columns: list[Any] = []
    real = bulk_sql._staged

    def spy(*args: Any) -> str:
        columns.append(args[2])
        return real(*args)

    monkeypatch.setattr(bulk_sql, "_staged", spy)
    return columns


@pytest.mark.django_db
def test_a_large_batch_staged_by_copy_stores_what_the_array_path_stores(
    verified_account: Any, staged: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a batch of hundreds of rows travels by COPY into temporary tables
    (bulk_sql.row_sources); the same batch by the arrays of ``rows_source`` stores the same."""
    from agora.inbox import bulk_sql
    from agora.inbox.models import Conversation, Message, Post
    from agora.inbox.services import messages_ingest

    now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    batch = _large_batch(verified_account.pk, verified_account.platform)
    first = messages_ingest(batch=batch, now=now)
    by_copy = _stored()
    assert first.created == 1_500
    assert len(staged) == 4, staged  # thread look-up, conversations, messages, attachments
    Message.objects.all().delete()
    Conversation.objects.all().delete()
    Post.objects.all().delete()
    staged.clear()
    monkeypatch.setattr(bulk_sql, "STAGE_MIN_ROWS", 10**9)
    again = messages_ingest(batch=batch, now=now)
    assert staged == []
    assert again.created == 1_500
    by_arrays = _stored()
    assert by_copy["messages"] == by_arrays["messages"]
    assert by_copy["conversations"] == by_arrays["conversations"]
    assert by_copy["attachments"] == by_arrays["attachments"]
    assert by_copy["messages"]["c1"]["text"] == 'Tab\there, "comillas", barra \\ y salto\nde línea'
    assert by_copy["messages"]["c0"]["flags"] == []


@pytest.mark.django_db
def test_staged_batches_find_what_is_stored_and_replays_add_nothing(
    verified_account: Any, staged: list[Any]
) -> None:
    """By COPY too, a later batch joins the stored conversations (the staged look-up finds
    them) and the same batch delivered again, in the same transaction, adds nothing."""
    from dataclasses import replace

    from django.db import transaction

    from agora.inbox.models import Conversation, Message
    from agora.inbox.services import messages_ingest

    now = datetime(2025, 3, 12, 9, 0, tzinfo=UTC)
    batch = _large_batch(verified_account.pk, verified_account.platform)
    messages_ingest(batch=batch, now=now)
    threads = Conversation.objects.count()
    # Replies of the entity's followers to 600 stored threads, by ids never seen.
    later = [
        replace(
            event,
            message_id=f"r{n}",
            parent_id=event.thread_id,
            sent_at=event.sent_at + timedelta(days=1),
            attachments=(),
        )
        for n, event in enumerate(e for e in batch if e.message_id == e.thread_id)
    ][:600]
    staged.clear()
    with transaction.atomic():
        second = messages_ingest(batch=later, now=now)
        replayed = messages_ingest(batch=later, now=now)
    assert second.created == 600 and second.conversations_created == 0
    assert ["account_id", "thread_kind", "thread_id"] in staged  # the look-up went by COPY
    assert replayed.created == 0
    assert Conversation.objects.count() == threads
    joined = dict(
        Message.objects.filter(platform_message_id__startswith="r").values_list(
            "platform_message_id", "conversation__thread_id"
        )
    )
    assert joined == {event.message_id: event.thread_id for event in later}
