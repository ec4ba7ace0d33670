"""Issue 14, point 1: platform ids of any real length are stored whole (Instagram direct
messages carry ~164-character ids), on SQLite and PostgreSQL alike. An id longer than any
column is refused with a Spanish reason — the event quarantined, the rest of the batch taken,
an import line reported — and never cut. SQLite does not enforce column lengths, so the
refusal is proven in code, not by the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError
from responses import matchers

from agora.connectors import meta, x, youtube
from agora.connectors.models import AccountCredential, PollCursor
from agora.core.errors import DomainError
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox import send_queue, tasks
from agora.inbox import services as inbox
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    Conversation,
    Direction,
    Message,
    MessageRevision,
    QuarantinedEvent,
    SendStatus,
    ThreadKind,
)
from tests.connectors.payloads.ids_payloads import (
    IG_ACCOUNT_ID,
    IG_CITIZEN_ID,
    ig_dm,
    ig_dm_edit,
    ig_dm_unsend,
    ig_message_id,
    ig_webhook,
)

GRAPH = "https://graph.example.test/v21.0"
TOKEN = "EAABsecretoinstagram"
T0 = 1714564800  # 2024-05-01 12:00:00 UTC


@pytest.fixture(autouse=True)
def _graph(settings: Any) -> None:
    settings.META_GRAPH_URL = GRAPH
    settings.CONNECTOR_TIMEOUT_SECONDS = 3


@pytest.fixture
def ig_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform=Platform.INSTAGRAM,
        handle="minsaperu",
        platform_id=IG_ACCOUNT_ID,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    AccountCredential.objects.create(account=account, kind="page_token", secret=TOKEN)
    return account


def _deliver(payload: dict[str, Any]) -> meta.MetaResult:
    return meta.handle_webhook_body(json.dumps(payload).encode())


def test_the_fixture_ids_are_as_long_as_real_instagram_ids() -> None:
    assert len(ig_message_id(1)) >= 164
    assert ig_message_id(1) != ig_message_id(2)


def test_an_instagram_dm_with_a_long_id_is_ingested_answered_edited_and_unsent(
    ig_account: SocialAccount, communicator: User
) -> None:
    """The citizen's 168-character id is stored whole; the answer is published as a reply
    and saved with its own long id and its long reply-to; the platform's echo of it adds
    nothing; the citizen's edit keeps the old text; the unsend marks the message deleted."""
    mid = ig_message_id(1)
    result = _deliver(
        ig_webhook(ig_dm(mid, "Buenas, ¿atienden el sábado?", ms=T0 * 1000), time_s=T0)
    )
    assert result.ingest.created == 1 and not result.ingest.refused
    citizen = Message.objects.get()
    assert citizen.platform_message_id == mid
    conv = citizen.conversation
    assert (conv.thread_kind, conv.thread_id) == (ThreadKind.DIRECT, IG_CITIZEN_ID)

    answer = inbox.message_answer(conversation=conv, author=communicator, body="Sí, de 8 a 13.")
    assert answer.reply_to_id == citizen.pk
    assert answer.parent_platform_id == mid
    answer_mid = ig_message_id(2)
    with responses.RequestsMock() as api:
        api.post(
            f"{GRAPH}/{IG_ACCOUNT_ID}/messages",
            json={"recipient_id": IG_CITIZEN_ID, "message_id": answer_mid},
            match=[
                matchers.json_params_matcher(
                    {"recipient": {"id": IG_CITIZEN_ID}, "message": {"text": "Sí, de 8 a 13."}}
                )
            ],
        )
        with mock.patch.object(send_queue, "enqueue_send"):
            assert tasks.send_message(answer.pk) == answer_mid
    answer.refresh_from_db()
    assert answer.send_status == SendStatus.ENVIADO
    assert answer.platform_message_id == answer_mid
    assert answer.parent_platform_id == mid

    # Instagram echoes the answer: the same row, not a second one.
    echo = ig_webhook(
        ig_dm(answer_mid, "Sí, de 8 a 13.", ms=(T0 + 60) * 1000, echo=True), time_s=T0
    )
    assert _deliver(echo).ingest.created == 0
    assert Message.objects.filter(direction=Direction.SALIENTE).count() == 1

    edit = ig_webhook(
        ig_dm_edit(mid, "Buenas, ¿atienden el sábado y el domingo?", ms=(T0 + 120) * 1000),
        time_s=T0,
    )
    assert _deliver(edit).ingest.edited == 1
    citizen.refresh_from_db()
    assert citizen.text == "Buenas, ¿atienden el sábado y el domingo?"
    assert list(MessageRevision.objects.values_list("text", flat=True)) == [
        "Buenas, ¿atienden el sábado?"
    ]

    assert (
        _deliver(ig_webhook(ig_dm_unsend(mid, ms=(T0 + 180) * 1000), time_s=T0)).ingest.deleted == 1
    )
    citizen.refresh_from_db()
    assert citizen.deleted_at is not None
    assert citizen.platform_message_id == mid


def test_an_id_too_long_is_refused_quarantined_and_the_rest_of_the_batch_taken(
    ig_account: SocialAccount,
) -> None:
    too_long = "m" * (PLATFORM_ID_MAX + 1)
    payload = ig_webhook(
        ig_dm(too_long, "Este no cabe", ms=T0 * 1000),
        ig_dm(ig_message_id(3), "Este sí", ms=(T0 + 1) * 1000),
        time_s=T0,
    )
    result = _deliver(payload)
    assert result.ingest.created == 1
    [refused] = result.ingest.refused
    assert refused.event.message_id == too_long
    assert "513 caracteres" in refused.reason and "nunca se recorta" in refused.reason
    # Nothing of it was stored, cut or whole.
    assert list(Message.objects.values_list("text", flat=True)) == ["Este sí"]
    assert not Message.objects.filter(platform_message_id__startswith="mmmm").exists()
    quarantined = QuarantinedEvent.objects.get()
    assert quarantined.object_id == IG_ACCOUNT_ID
    assert quarantined.payload["evento"]["message_id"] == too_long
    assert "nunca se recorta" in quarantined.payload["motivo"]


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("message_id", "el id del mensaje"),
        ("thread_id", "el id del hilo"),
        ("parent_id", "el id del mensaje al que responde"),
        ("author_id", "el id del autor"),
        ("post_id", "el id de la publicación"),
    ],
)
def test_every_id_of_an_event_is_checked(field: str, name: str) -> None:
    base = inbox.IncomingMessage(
        platform=Platform.X,
        account_id=1,
        thread_kind=ThreadKind.MENTION,
        thread_id="1",
        message_id="1",
        sent_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert inbox.incoming_problem(base) == ""
    fits = inbox.IncomingMessage(**{**base.__dict__, field: "9" * PLATFORM_ID_MAX})
    assert inbox.incoming_problem(fits) == ""
    over = inbox.IncomingMessage(**{**base.__dict__, field: "9" * (PLATFORM_ID_MAX + 1)})
    assert name in inbox.incoming_problem(over)


def test_a_long_alias_is_refused_too() -> None:
    event = inbox.IncomingMessage(
        platform=Platform.X,
        account_id=1,
        thread_kind=ThreadKind.MENTION,
        thread_id="1",
        message_id="1",
        sent_at=datetime(2024, 5, 1, tzinfo=UTC),
        aliases=("2", "3" * (PLATFORM_ID_MAX + 1)),
    )
    assert "otro id del mensaje" in inbox.incoming_problem(event)


def test_ids_of_the_full_column_length_are_stored_and_found_again(
    ig_account: SocialAccount,
) -> None:
    """The longest id that fits goes in and out whole (PostgreSQL would refuse a longer one;
    SQLite would keep it: neither is asked to)."""
    longest = "a" * PLATFORM_ID_MAX
    _deliver(ig_webhook(ig_dm(longest, "Hola", ms=T0 * 1000), time_s=T0))
    assert Message.objects.get(platform_message_id=longest).text == "Hola"
    assert _deliver(ig_webhook(ig_dm(longest, "Hola", ms=T0 * 1000), time_s=T0)).ingest.created == 0


def test_a_send_result_with_an_id_too_long_keeps_the_answer_counted(
    ig_account: SocialAccount, communicator: User
) -> None:
    """Published already: the answer counts under its local id rather than a cut one."""
    _deliver(ig_webhook(ig_dm(ig_message_id(4), "Hola", ms=T0 * 1000), time_s=T0))
    conv = Conversation.objects.get()
    answer = inbox.message_answer(conversation=conv, author=communicator, body="Buen día")
    local = answer.platform_message_id
    inbox.message_send_result(message=answer, platform_id="z" * (PLATFORM_ID_MAX + 1))
    answer.refresh_from_db()
    assert answer.send_status == SendStatus.ENVIADO
    assert answer.platform_message_id == local


def test_polling_cursors_keep_long_page_tokens_whole(ig_account: SocialAccount) -> None:
    """YouTube and X page tokens are kept whole, however long (a cut token reads nothing)."""
    token = "CAIQAA" + "x" * 3000
    cursor = PollCursor.objects.create(
        account=ig_account,
        since_id="9" * PLATFORM_ID_MAX,
        page_token=youtube._pending_state(datetime(2024, 5, 1, tzinfo=UTC), token),
        replies_page_token=x._pending_state("1790000000000000009", "", token),
    )
    cursor.refresh_from_db()
    assert youtube._resume_state(cursor.page_token)[1] == token
    assert x._resume_state(cursor.replies_page_token)[2] == token
    assert cursor.since_id == "9" * PLATFORM_ID_MAX


def test_the_directory_refuses_a_platform_id_too_long(
    rector: User, entities: dict[str, Entity]
) -> None:
    with pytest.raises(DomainError, match="supera los 255 caracteres"):
        directory.account_propose(
            actor=rector,
            entity=entities["minsa"],
            platform=Platform.YOUTUBE,
            handle="@minsa.oficial",
            platform_id="U" * 256,
        )
    account = directory.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform=Platform.YOUTUBE,
        handle="@minsa.oficial",
        platform_id="U" * 255,
    )
    account.refresh_from_db()
    assert account.platform_id == "U" * 255


def _ingest(*args: str) -> tuple[str, str, int]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ingest", *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    return out.getvalue(), err.getvalue(), code


def test_the_instagram_import_takes_real_dm_ids_and_reports_an_id_too_long(
    tmp_path: Path, ig_account: SocialAccount
) -> None:
    """``agora ingest --platform instagram`` took no real DM before (every id was cut); now
    each is stored whole, and a line with an id over the limit is reported by number."""
    lines = [
        ig_webhook(ig_dm(ig_message_id(5), "Primera", ms=T0 * 1000), time_s=T0),
        ig_webhook(ig_dm("q" * (PLATFORM_ID_MAX + 10), "Larguísimo", ms=T0 * 1000), time_s=T0),
        ig_webhook(ig_dm(ig_message_id(6), "Tercera", ms=(T0 + 5) * 1000), time_s=T0),
    ]
    path = tmp_path / "instagram.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    out, err, code = _ingest("--platform", "instagram", "--input", str(path))
    assert code == 1
    assert "2 creados" in out
    assert "Línea 2:" in err and "522 caracteres" in err
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == {
        ig_message_id(5),
        ig_message_id(6),
    }
    assert not QuarantinedEvent.objects.exists()  # reported on its line instead
