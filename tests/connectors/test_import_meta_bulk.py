"""``agora ingest --platform meta`` after its speed-ups (issue 16, point 7): a file of webhook
bodies ends exactly as the same bodies posted one by one to the webhook (messages, threads,
attachments, timelines, the rules' priority), a run killed inside a batch then run again
loses and duplicates nothing, and the after-commit work of every committed batch is recorded
in the outbox."""

from __future__ import annotations

import gc
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from agora.connectors import imports, meta
from agora.core.models import OutboxTask, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Attachment, Conversation, Message
from tests.helpers import make_verified_account


@pytest.fixture
def pages(rector: User, entities: dict[str, Entity]) -> dict[str, SocialAccount]:
    """Two pages of the same entity: one fed by a file, the other by webhooks."""
    return {
        "file": make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "2002"),
        "hook": make_verified_account(rector, entities["minsa"], "facebook", "minsasalud", "3003"),
    }


def _bodies(page: str) -> list[dict[str, Any]]:
    """Comments on two posts of ``page``: old ones (their deadline passed), recent ones of
    a citizen who opened four threads minutes ago (the repeated-citizen rule: their due
    times stay far from the "due soon" window at any hour), a reply, the
    page's own answer, a photo and a text-only comment."""
    now = int(timezone.now().timestamp())
    old = int(datetime(2025, 3, 3, 15, tzinfo=UTC).timestamp())
    items: list[tuple[str, str, str, str, int, dict[str, Any]]] = [
        # (comment, parent, author id, text, time, extra)
        ("c1", "", "u-1", "¿Cuándo abre la posta?", old, {}),
        ("c2", "c1", "u-2", "Yo también pregunto", old + 60, {}),
        ("c3", "c1", page, "Abre el lunes a las 8.", old + 120, {}),
        ("c4", "", "u-3", "", old + 180, {"photo": "https://scontent.example/foto-4.jpg"}),
    ]
    items += [
        (f"r{n}", "", "u-9", f"Sigo sin respuesta, vez {n}", now - 60 * (10 - n), {})
        for n in range(4)
    ]
    items.append(("r9", "", "u-10", "Una sola consulta", now - 30, {}))
    bodies = []
    for comment, parent, author, text, when, extra in items:
        post = f"{page}_{1 if comment.startswith('c') else 2}"
        value: dict[str, Any] = {
            "from": {"id": author, "name": f"Persona {author}"},
            "post": {"status_type": "added_photos", "is_published": True, "id": post},
            "message": text,
            "post_id": post,
            "comment_id": f"{post}_{comment}",
            "created_time": when,
            "item": "comment",
            "parent_id": f"{post}_{parent}" if parent else post,
            "verb": "add",
            **extra,
        }
        bodies.append(
            {
                "object": "page",
                "entry": [
                    {"id": page, "time": when, "changes": [{"field": "feed", "value": value}]}
                ],
            }
        )
    return bodies


def _write(tmp_path: Path, bodies: list[dict[str, Any]]) -> Path:
    path = tmp_path / "webhooks.jsonl"
    path.write_text("\n".join(json.dumps(b) for b in bodies) + "\n", encoding="utf-8")
    return path


def _snapshot(account: SocialAccount) -> dict[str, Any]:
    """What the inbox holds for ``account``, with the page id written as «PAGE»."""
    page = account.platform_id

    def plain(value: Any) -> Any:
        return value.replace(page, "PAGE") if isinstance(value, str) else value

    conversations = sorted(
        tuple(plain(v) for v in row)
        for row in Conversation.objects.filter(account=account).values_list(
            "thread_id",
            "subject",
            "author_id",
            "status",
            "priority",
            "priority_reason",
            "message_count",
            "first_inbound_at",
            "last_inbound_at",
            "awaiting_since",
            "first_response_at",
            "due_at",
            "resolution_due_at",
            "post__platform_post_id",
        )
    )
    messages = sorted(
        tuple(plain(v) for v in row)
        for row in Message.objects.filter(conversation__account=account).values_list(
            "platform_message_id",
            "conversation__thread_id",
            "parent_platform_id",
            "direction",
            "author_id",
            "text",
            "sent_at",
            "kind",
        )
    )
    attachments = sorted(
        (plain(a.message.platform_message_id), a.position, a.kind, a.url, a.platform_id)
        for a in Attachment.objects.filter(message__conversation__account=account).select_related(
            "message"
        )
    )
    return {"conversations": conversations, "messages": messages, "attachments": attachments}


def test_a_file_of_bodies_ends_as_the_same_bodies_posted_to_the_webhook(
    tmp_path: Path, pages: dict[str, SocialAccount]
) -> None:
    report = imports.import_file(
        platform="meta", path=_write(tmp_path, _bodies("2002")), batch_size=3
    )
    assert report.ok and report.created == 9
    for body in _bodies("3003"):
        meta.handle_webhook_body(json.dumps(body).encode())
    by_file, by_hook = _snapshot(pages["file"]), _snapshot(pages["hook"])
    assert by_file == by_hook
    # The rules ran on both: the old unanswered thread is overdue, the answered one is not,
    # the citizen of four threads this week is repeated, the single recent one is normal.
    rules = {row[0]: (row[4], row[5]) for row in by_file["conversations"]}
    assert rules["PAGE_1_c4"] == ("alta", "plazo")
    assert rules["PAGE_1_c1"] == ("normal", "")
    assert {rules[f"PAGE_2_r{n}"] for n in range(4)} == {("alta", "recurrente")}
    assert rules["PAGE_2_r9"] == ("normal", "")
    assert by_file["attachments"] == [
        ("PAGE_1_c4", 0, "imagen", "https://scontent.example/foto-4.jpg", "")
    ]


def test_priority_written_with_new_conversations_equals_the_rules_run_again(
    tmp_path: Path, pages: dict[str, SocialAccount]
) -> None:
    """The priority a batch writes with each conversation it creates is what the rules give
    when run again on every conversation (nothing changes)."""
    imports.import_file(platform="meta", path=_write(tmp_path, _bodies("2002")), batch_size=2)
    from agora.inbox import priority

    ids = list(Conversation.objects.values_list("pk", flat=True))
    assert priority.priorities_refresh(conversation_ids=ids) == 0


def test_killed_inside_a_batch_then_run_again_loses_and_duplicates_nothing(
    tmp_path: Path, pages: dict[str, SocialAccount], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path, _bodies("2002"))
    real = imports.messages_ingest
    calls = {"n": 0}

    def dying(**kwargs: Any) -> inbox.IngestResult:
        calls["n"] += 1
        result = real(**kwargs)
        if calls["n"] == 3:
            raise KeyboardInterrupt  # after the writes of the third batch, before its commit
        return result

    monkeypatch.setattr(imports, "messages_ingest", dying)
    with pytest.raises(KeyboardInterrupt):
        imports.import_file(platform="meta", path=path, batch_size=3)
    assert Message.objects.count() == 6  # two whole batches
    assert gc.isenabled()  # the import's pause of the cycle collector ended with it
    monkeypatch.setattr(imports, "messages_ingest", real)
    report = imports.import_file(platform="meta", path=path, batch_size=3)
    assert (report.created, report.unchanged) == (3, 6)
    again = imports.import_file(platform="meta", path=path, batch_size=3)
    assert (again.created, again.unchanged) == (0, 9)
    assert Message.objects.count() == 9
    assert sum(Conversation.objects.values_list("message_count", flat=True)) == 9
    assert Attachment.objects.count() == 1


def test_every_committed_batch_records_its_after_commit_work(
    tmp_path: Path, pages: dict[str, SocialAccount], settings: Any
) -> None:
    """Classification and rollups of a large import go through the outbox, one row each per
    batch, in the batch's transaction."""
    settings.AGORA_ROLLUPS_BY_WORKER = True
    imports.import_file(platform="meta", path=_write(tmp_path, _bodies("2002")), batch_size=3)
    funcs = list(OutboxTask.objects.values_list("func", flat=True))
    assert funcs.count("agora.reports.tasks.rollups_pending") == 3


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PRAGMAs de SQLite")
def test_the_import_leaves_the_connection_as_it_found_it(
    tmp_path: Path, pages: dict[str, SocialAccount]
) -> None:
    def pragmas() -> list[Any]:
        with connection.cursor() as cursor:
            values = []
            for name in ("cache_size", "temp_store", "wal_autocheckpoint"):
                cursor.execute(f"PRAGMA {name}")
                values.append(cursor.fetchone()[0])
            return values

    before = pragmas()
    imports.import_file(platform="meta", path=_write(tmp_path, _bodies("2002")))
    assert pragmas() == before
    assert gc.isenabled()


def test_lines_orjson_refuses_are_read_as_json_reads_them() -> None:
    assert imports._json_loads(b'{"a": NaN, "b": 123456789012345678901234567890}')["b"] == (
        123456789012345678901234567890
    )
    assert imports._json_loads(b'{"t": "\\ud800"}')["t"] == "\ud800"
    with pytest.raises(UnicodeDecodeError):
        imports._json_loads(b'{"t": "\xff"}')
    with pytest.raises(ValueError):
        imports._json_loads(b"{not json")


def test_a_comment_without_attachments_keys_has_none_and_one_with_a_photo_keeps_it() -> None:
    from agora.connectors.attachments import meta_feed_attachments

    assert meta_feed_attachments({"item": "comment", "message": "hola"}) == ()
    (photo,) = meta_feed_attachments(
        {"item": "comment", "photo": " https://x.example/a.jpg ", "photo_id": 7}
    )
    assert (photo.url, photo.platform_id) == ("https://x.example/a.jpg", "7")


def test_due_times_and_timeline_datetimes_are_stored_in_utc(
    tmp_path: Path, pages: dict[str, SocialAccount]
) -> None:
    imports.import_file(platform="meta", path=_write(tmp_path, _bodies("2002")))
    conv = Conversation.objects.get(thread_id="2002_1_c4")
    assert conv.due_at is not None and conv.first_inbound_at is not None
    assert conv.first_inbound_at == datetime(2025, 3, 3, 15, 3, tzinfo=UTC)
    assert conv.due_at > conv.first_inbound_at
    assert conv.due_at - conv.first_inbound_at < timedelta(days=7)
