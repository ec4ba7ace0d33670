"""Issue 14, point 3 for X: an edited post arrives as a new post whose
``edit_history_tweet_ids`` starts with the original's id. It edits the original message
(the old text kept in its history), in polling and in imports, and its new id still finds
it (a reply to the edited post joins the same conversation; an answer goes under the
latest version). Reposts never become citizen messages; quotes do (the citizen's own words).
Shapes: tests/connectors/payloads/ids_payloads.py (X API v2 post object)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import responses
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from agora.connectors import x
from agora.connectors.models import AccountCredential, CredentialKind
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Conversation, Message, MessageAlias, MessageRevision
from tests.connectors.payloads.ids_payloads import (
    X_CITIZEN,
    X_ENTITY_HANDLE,
    X_ENTITY_ID,
    X_OTHER,
    x_page,
    x_post,
)

NOW = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)
T1, T2, T3 = "1786000000000000001", "1786000000000000005", "1786000000000000009"
MENTION = f"@{X_ENTITY_HANDLE} ¿Cuándo abre la posta de Cayma?"
EDITED = f"@{X_ENTITY_HANDLE} ¿Cuándo abre la posta médica de Cayma?"


@pytest.fixture
def x_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform="x",
        handle=f"@{X_ENTITY_HANDLE}",
        platform_id=X_ENTITY_ID,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    AccountCredential.objects.create(account=account, kind=CredentialKind.BEARER, secret="tok")
    return account


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mocked:
        yield mocked


def _serve(api: responses.RequestsMock, *bodies: dict[str, Any]) -> None:
    """Mentions pages served in order, one per poll."""
    for body in bodies:
        api.get(f"{settings.X_API_URL}/users/{X_ENTITY_ID}/mentions", json=body)


def test_an_edit_read_by_polling_updates_the_original_message(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    _serve(
        api,
        x_page([x_post(T1, MENTION)]),
        x_page([x_post(T2, EDITED, created_at="2024-05-02T14:03:00.000Z", history=[T1, T2])]),
    )
    assert x.poll_account(x_account, now=NOW).created == 1
    second = x.poll_account(x_account, now=NOW)
    assert (second.created, second.edited) == (0, 1)
    message = Message.objects.get()
    assert message.platform_message_id == T1
    assert message.text == EDITED
    assert message.edited_at is not None
    assert list(MessageRevision.objects.values_list("text", flat=True)) == [MENTION]
    assert Conversation.objects.count() == 1
    assert list(MessageAlias.objects.values_list("alias_id", flat=True)) == [T2]


def test_a_reply_to_the_edited_id_joins_the_same_conversation(
    x_account: SocialAccount,
) -> None:
    inbox.messages_ingest(batch=x.parse_mentions(x_page([x_post(T1, MENTION)]), x_account))
    inbox.messages_ingest(
        batch=x.parse_mentions(x_page([x_post(T2, EDITED, history=[T1, T2])]), x_account)
    )
    reply = x_post(
        T3,
        f"@{X_CITIZEN['username']} @{X_ENTITY_HANDLE} A mí también me interesa",
        author_id=X_OTHER["id"],
        created_at="2024-05-02T14:10:00.000Z",
        replied_to=T2,
        in_reply_to_user_id=X_CITIZEN["id"],
    )
    result = inbox.messages_ingest(batch=x.parse_mentions(x_page([reply]), x_account))
    assert result.created == 1 and result.conversations_created == 0
    conv = Conversation.objects.get()
    assert conv.thread_id == T1
    assert conv.messages.count() == 2
    assert Message.objects.get(platform_message_id=T3).parent_platform_id == T2
    # Answers go under the version people see.
    assert x.latest_version(T1) == T2
    assert x.latest_version(T2) == T2
    assert x.latest_version("1") == "1"


def test_original_and_edit_in_one_page_keep_the_old_text(x_account: SocialAccount) -> None:
    """Newest first, as X serves it; the original lists the later version too."""
    body = x_page(
        [
            x_post(T2, EDITED, created_at="2024-05-02T14:03:00.000Z", history=[T1, T2]),
            x_post(T1, MENTION, history=[T1, T2]),
        ]
    )
    result = inbox.messages_ingest(batch=x.parse_mentions(body, x_account))
    assert (result.created, result.edited) == (1, 1)
    message = Message.objects.get()
    assert (message.platform_message_id, message.text) == (T1, EDITED)
    assert list(MessageRevision.objects.values_list("text", flat=True)) == [MENTION]
    # The same page again changes nothing.
    again = inbox.messages_ingest(batch=x.parse_mentions(body, x_account))
    assert (again.created, again.edited) == (0, 0)


def test_a_superseded_version_is_left_out_and_the_latest_edits(x_account: SocialAccount) -> None:
    ignored: Counter[str] = Counter()
    events = x.parse_mentions(
        x_page([x_post(T2, EDITED, history=[T1, T2, T3])]), x_account, ignored=ignored
    )
    assert events == [] and ignored["version_anterior"] == 1
    [event] = x.parse_mentions(
        x_page([x_post(T3, "versión final", history=[T1, T2, T3])]), x_account
    )
    assert (event.message_id, event.verb, event.aliases) == (T1, "edit", (T2, T3))


def test_ids_as_numbers_and_times_in_seconds_milliseconds_or_iso(
    x_account: SocialAccount,
) -> None:
    body = x_page(
        [
            x_post(int(T1), "iso", created_at="2024-05-02T14:00:00Z"),
            x_post(int(T2), "segundos", created_at=1714658400),
            x_post(int(T3), "milisegundos", created_at="1714658400000", history=[int(T3)]),
        ]
    )
    events = x.parse_mentions(body, x_account)
    assert {e.message_id for e in events} == {T1, T2, T3}
    assert {e.sent_at for e in events} == {datetime(2024, 5, 2, 14, 0, tzinfo=UTC)}


def test_reposts_are_never_citizen_messages_and_quotes_are(x_account: SocialAccount) -> None:
    repost = x_post(T2, f"RT @rosaq: {MENTION}", author_id=X_OTHER["id"], retweeted=T1)
    quote = x_post(T3, f"@{X_ENTITY_HANDLE} Esto urge", author_id=X_OTHER["id"], quoted=T1)
    ignored: Counter[str] = Counter()
    events = x.parse_mentions(x_page([quote, repost]), x_account, ignored=ignored)
    assert [e.message_id for e in events] == [T3]
    assert ignored["repost"] == 1
    inbox.messages_ingest(batch=events)
    conv = Conversation.objects.get()
    assert (conv.thread_id, conv.messages.get().text) == (T3, f"@{X_ENTITY_HANDLE} Esto urge")


def test_the_entitys_reply_edited_on_x_edits_its_answer(x_account: SocialAccount) -> None:
    inbox.messages_ingest(batch=x.parse_mentions(x_page([x_post(T1, MENTION)]), x_account))
    own = [
        x_post(
            T3,
            "Abre el lunes a las 8.",
            author_id=X_ENTITY_ID,
            created_at="2024-05-02T14:20:00.000Z",
            replied_to=T1,
            in_reply_to_user_id=X_CITIZEN["id"],
            history=[T2, T3],
        ),
        x_post(
            T2,
            "Abre el lunes.",
            author_id=X_ENTITY_ID,
            created_at="2024-05-02T14:10:00.000Z",
            replied_to=T1,
            in_reply_to_user_id=X_CITIZEN["id"],
            history=[T2, T3],
        ),
    ]
    events = x.parse_own_replies({"data": own}, x_account)
    assert [(e.message_id, e.verb) for e in events] == [(T2, "add"), (T2, "edit")]
    inbox.messages_ingest(batch=events)
    answers = Message.objects.filter(direction="saliente")
    assert [(m.platform_message_id, m.text) for m in answers] == [(T2, "Abre el lunes a las 8.")]


# --- imports -------------------------------------------------------------------------------


def _ingest(*args: str) -> tuple[str, str, int]:
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return out.getvalue(), err.getvalue(), code


def _jsonl(tmp_path: Path, pages: list[dict[str, Any]]) -> Path:
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(p) for p in pages) + "\n", encoding="utf-8")
    return path


def test_an_import_applies_edits_and_leaves_reposts_out(
    tmp_path: Path, x_account: SocialAccount
) -> None:
    path = _jsonl(
        tmp_path,
        [
            x_page([x_post(T1, MENTION)]),
            x_page([x_post(T2, EDITED, history=[T1, T2])]),
            x_page([x_post(T3, f"RT @rosaq: {MENTION}", author_id=X_OTHER["id"], retweeted=T1)]),
        ],
    )
    out, err, code = _ingest("--platform", "x", "--input", str(path), "--account", X_ENTITY_ID)
    assert code == 0, err
    assert "1 creados, 1 editados" in out
    assert "1 publicaciones que no son mensajes de la ciudadanía" in out
    message = Message.objects.get()
    assert (message.platform_message_id, message.text) == (T1, EDITED)
