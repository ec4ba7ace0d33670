"""Meta connector: the webhook handshake and signature, reading page feed comments, Instagram
comments and direct messages into the inbox (idempotent, quarantine for unknown pages), and
sending answers through the Graph API with retries that never count a failed send."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
import requests
import responses
from django.db import DatabaseError, connection
from django.test import Client, RequestFactory
from django.urls import reverse
from responses import matchers

from agora.connectors import meta, views
from agora.connectors.models import AccountCredential
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import AccountStatus, Entity, Platform, SocialAccount
from agora.inbox import send_queue, tasks
from agora.inbox import services as inbox
from agora.inbox.ingest import batch as ingest_batch
from agora.inbox.models import (
    Conversation,
    Direction,
    Message,
    MessageRevision,
    Post,
    QuarantinedEvent,
    SendStatus,
    Status,
    ThreadKind,
)
from agora.inbox.senders import SendError, SendUncertain, sender_for
from tests.helpers import make_verified_account

APP_SECRET = "secreto-de-la-app"
VERIFY_TOKEN = "token-de-verificacion"
GRAPH = "https://graph.example.test/v21.0"
PAGE_ID = "1234567890"
IG_ID = "17841400000000001"
PAGE_TOKEN = "EAABsecretopagina123"
POST_ID = f"{PAGE_ID}_555"
T0 = 1714564800  # 2024-05-01 12:00:00 UTC


@pytest.fixture(autouse=True)
def _meta_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_URL = GRAPH
    settings.CONNECTOR_TIMEOUT_SECONDS = 3


@pytest.fixture
def fb_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = make_verified_account(
        rector, entities["minsa"], Platform.FACEBOOK, "minsaperu", PAGE_ID
    )
    AccountCredential.objects.create(account=account, kind="page_token", secret=PAGE_TOKEN)
    return account


@pytest.fixture
def ig_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = make_verified_account(
        rector, entities["minsa"], Platform.INSTAGRAM, "minsaperu", IG_ID
    )
    AccountCredential.objects.create(account=account, kind="page_token", secret=PAGE_TOKEN)
    return account


# --- helpers ---------------------------------------------------------------------------------


def _sign(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def _post(client: Client, payload: dict[str, Any] | bytes, signature: str | None = None) -> Any:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {} if signature == "" else {"X-Hub-Signature-256": signature or _sign(raw)}
    return client.post(
        reverse("connectors:meta_webhook"),
        data=raw,
        content_type="application/json",
        headers=headers,
    )


def _comment(
    comment_id: str,
    text: str = "¿Cuándo abre la campaña de vacunación?",
    *,
    verb: str = "add",
    author: tuple[str, str] = ("9001", "Rosa Quispe"),
    created_time: int | str = T0,
    parent_id: str = POST_ID,
    post_id: str = POST_ID,
) -> dict[str, Any]:
    return {
        "field": "feed",
        "value": {
            "from": {"id": author[0], "name": author[1]},
            "post": {"status_type": "added_photos", "is_published": True, "id": post_id},
            "message": text,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_time": created_time,
            "item": "comment",
            "parent_id": parent_id,
            "verb": verb,
        },
    }


def _page(*changes: dict[str, Any], page_id: str = PAGE_ID) -> dict[str, Any]:
    return {
        "object": "page",
        "entry": [{"id": page_id, "time": T0 + 60, "changes": list(changes)}],
    }


def _messaging(
    *events: dict[str, Any], obj: str = "page", object_id: str = PAGE_ID
) -> dict[str, Any]:
    return {
        "object": obj,
        "entry": [{"id": object_id, "time": (T0 + 60) * 1000, "messaging": list(events)}],
    }


def _dm(
    mid: str,
    text: str,
    *,
    citizen: str = "7001",
    page: str = PAGE_ID,
    echo: bool = False,
    ms: int = T0 * 1000,
) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message.update(is_echo=True, app_id=1517776481860111)
    sender, recipient = (page, citizen) if echo else (citizen, page)
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": ms,
        "message": message,
    }


def _conversation(thread_id: str = "555_1") -> Conversation:
    """A comment thread is its top-level comment (555_1 in most tests)."""
    return Conversation.objects.get(thread_id=thread_id)


# --- handshake -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_handshake_echoes_the_challenge_when_the_token_matches(client: Client) -> None:
    response = client.get(
        reverse("connectors:meta_webhook"),
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_handshake_refuses_a_wrong_token(client: Client) -> None:
    response = client.get(
        reverse("connectors:meta_webhook"),
        {"hub.mode": "subscribe", "hub.verify_token": "otro", "hub.challenge": "1158201444"},
    )
    assert response.status_code == 403
    assert "token de verificación" in response.content.decode()
    assert b"1158201444" not in response.content


@pytest.mark.django_db
def test_handshake_refuses_everything_when_no_token_is_configured(
    client: Client, settings: Any
) -> None:
    settings.META_VERIFY_TOKEN = ""
    response = client.get(
        reverse("connectors:meta_webhook"),
        {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
    )
    assert response.status_code in (400, 403)
    response = client.get(
        reverse("connectors:meta_webhook"),
        {"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "1"},
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_handshake_without_parameters_is_a_bad_request(client: Client) -> None:
    response = client.get(reverse("connectors:meta_webhook"), {"hub.mode": "subscribe"})
    assert response.status_code == 400
    assert "Faltan" in response.content.decode()


# --- request checks --------------------------------------------------------------------------


def _nothing_written() -> bool:
    return not Message.objects.exists() and not QuarantinedEvent.objects.exists()


@pytest.mark.django_db
def test_a_correct_signature_is_accepted(client: Client, fb_account: SocialAccount) -> None:
    response = _post(client, _page(_comment("555_1")))
    assert response.status_code == 200
    assert response.content == b"EVENT_RECEIVED"
    assert Message.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_signature_is_refused_and_nothing_is_written(
    client: Client, fb_account: SocialAccount
) -> None:
    raw = json.dumps(_page(_comment("555_1"))).encode()
    response = _post(client, raw, signature=_sign(raw, "otro-secreto"))
    assert response.status_code == 403
    assert "firma" in response.content.decode()
    assert _nothing_written()


@pytest.mark.django_db
def test_a_signature_of_another_body_is_refused(client: Client, fb_account: SocialAccount) -> None:
    raw = json.dumps(_page(_comment("555_1"))).encode()
    response = _post(client, raw, signature=_sign(raw + b" "))
    assert response.status_code == 403
    assert _nothing_written()


@pytest.mark.django_db
def test_a_missing_signature_is_refused(client: Client, fb_account: SocialAccount) -> None:
    response = _post(client, _page(_comment("555_1")), signature="")
    assert response.status_code == 403
    assert _nothing_written()


@pytest.mark.django_db
def test_without_an_app_secret_every_post_is_refused(
    client: Client, fb_account: SocialAccount, settings: Any
) -> None:
    raw = json.dumps(_page(_comment("555_1"))).encode()
    signature = _sign(raw)
    settings.META_APP_SECRET = ""
    response = _post(client, raw, signature=signature)
    assert response.status_code == 403
    assert _nothing_written()


@pytest.mark.django_db
def test_a_body_over_one_megabyte_is_refused(client: Client, fb_account: SocialAccount) -> None:
    raw = b'{"object": "page", "entry": [], "x": "' + b"a" * (1024 * 1024) + b'"}'
    response = _post(client, raw)
    assert response.status_code == 413
    assert "tamaño máximo" in response.content.decode()
    assert _nothing_written()


@pytest.mark.django_db
def test_a_body_without_content_length_is_still_capped(rf: RequestFactory) -> None:
    """The body is read up to the limit plus one byte, whatever the headers say."""
    raw = b"a" * (1024 * 1024 + 10)
    request = rf.post("/webhooks/meta/", data=b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request._stream = io.BytesIO(raw)
    request.META["HTTP_X_HUB_SIGNATURE_256"] = _sign(raw)
    assert views.meta_webhook(request).status_code == 413


@pytest.mark.django_db
def test_bad_json_is_a_bad_request_with_a_spanish_detail(client: Client) -> None:
    response = _post(client, b'{"object": "page", "entry": [')
    assert response.status_code == 400
    assert "no es JSON válido" in response.content.decode()


@pytest.mark.django_db
def test_an_object_other_than_page_or_instagram_is_a_bad_request(client: Client) -> None:
    response = _post(client, {"object": "user", "entry": []})
    assert response.status_code == 400
    assert "page" in response.content.decode()
    assert _post(client, [1, 2]).status_code == 400  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_database_error_answers_500_so_that_meta_retries(
    client: Client, fb_account: SocialAccount
) -> None:
    with mock.patch.object(meta, "messages_ingest", side_effect=DatabaseError("bloqueada")):
        response = _post(client, _page(_comment("555_1")))
    assert response.status_code == 500
    assert _nothing_written()


@pytest.mark.django_db
def test_only_get_and_post_are_allowed(client: Client) -> None:
    assert client.put(reverse("connectors:meta_webhook")).status_code == 405


# --- page feed comments ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_feed_comment_opens_a_conversation_on_the_post(
    client: Client, fb_account: SocialAccount
) -> None:
    assert _post(client, _page(_comment("555_1"))).status_code == 200
    conv = _conversation()
    assert conv.account == fb_account
    assert conv.entity_id == fb_account.entity_id
    assert conv.platform == Platform.FACEBOOK
    assert conv.thread_kind == ThreadKind.COMMENTS
    assert conv.author_id == "9001"
    assert conv.author_name == "Rosa Quispe"
    assert conv.status == Status.NUEVO
    assert conv.awaiting_since == datetime(2024, 5, 1, 12, tzinfo=UTC)
    message = conv.messages.get()
    assert message.platform_message_id == "555_1"
    assert message.direction == Direction.ENTRANTE
    assert message.text == "¿Cuándo abre la campaña de vacunación?"
    assert message.author_id == "9001"
    assert message.parent_platform_id == POST_ID  # a top-level comment: its parent is the post
    # The post is the context of the thread, never one of its messages.
    assert conv.post is not None and conv.post.platform_post_id == POST_ID
    assert message.sent_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.mark.django_db
def test_a_reply_keeps_its_parent_comment(client: Client, fb_account: SocialAccount) -> None:
    _post(client, _page(_comment("555_1"), _comment("555_2", "Yo también", parent_id="555_1")))
    reply = Message.objects.get(platform_message_id="555_2")
    assert reply.parent_platform_id == "555_1"
    assert reply.conversation == _conversation()


@pytest.mark.parametrize(
    "created_time",
    [T0, str(T0), "2024-05-01T12:00:00+0000", "2024-05-01T07:00:00-0500", "2024-05-01T12:00:00Z"],
)
@pytest.mark.django_db
def test_created_time_is_read_as_unix_seconds_or_iso(
    client: Client, fb_account: SocialAccount, created_time: int | str
) -> None:
    _post(client, _page(_comment("555_1", created_time=created_time)))
    assert Message.objects.get().sent_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.mark.django_db
def test_an_unreadable_created_time_falls_back_to_the_entry_time(
    client: Client, fb_account: SocialAccount
) -> None:
    _post(client, _page(_comment("555_1", created_time="ayer")))
    assert Message.objects.get().sent_at == datetime(2024, 5, 1, 12, 1, tzinfo=UTC)


@pytest.mark.django_db
def test_the_same_bodies_posted_twice_add_nothing(
    client: Client, fb_account: SocialAccount
) -> None:
    """500 comments on 50 posts in one body, then the same body again."""
    comments = [
        _comment(
            f"{n % 50}_{n}",
            f"Comentario {n}",
            author=(f"u{n}", f"Persona {n}"),
            post_id=f"{PAGE_ID}_{n % 50}",
            parent_id=f"{PAGE_ID}_{n % 50}",
        )
        for n in range(500)
    ]
    raw = json.dumps(_page(*comments)).encode()
    assert _post(client, raw).status_code == 200
    counts = (Message.objects.count(), Conversation.objects.count())
    snapshot = list(Conversation.objects.order_by("pk").values("message_count", "due_at"))
    # One conversation per top-level comment, under 50 posts.
    assert counts == (500, 500)
    assert Post.objects.count() == 50
    assert _post(client, raw).status_code == 200
    assert (Message.objects.count(), Conversation.objects.count()) == counts
    assert list(Conversation.objects.order_by("pk").values("message_count", "due_at")) == snapshot
    assert not MessageRevision.objects.exists()


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor == "postgresql",
    # CI's time: 20,000 webhook requests take five minutes per database. On PostgreSQL the
    # same replay is proven by the test above (a body of 500 comments, posted twice).
    reason="10 000 cuerpos solo en SQLite; en PostgreSQL, la repetición de 500 comentarios",
)
def test_ten_thousand_bodies_posted_twice_add_nothing_the_second_time(
    client: Client, fb_account: SocialAccount
) -> None:
    """Issue #3: the same 10,000 webhook bodies (one comment each, as Meta sends them one by
    one) posted twice: the second round adds no row and changes no conversation."""
    bodies = [
        json.dumps(
            _page(
                _comment(
                    f"{n % 100}_{n}",
                    f"Comentario {n}",
                    author=(f"u{n % 700}", f"Persona {n % 700}"),
                    post_id=f"{PAGE_ID}_{n % 100}",
                    parent_id=f"{PAGE_ID}_{n % 100}",
                    created_time=T0 + n,
                )
            )
        ).encode()
        for n in range(10_000)
    ]
    for raw in bodies:
        assert _post(client, raw).status_code == 200
    counts = (Message.objects.count(), Conversation.objects.count())
    assert counts == (10_000, 10_000)
    snapshot = list(
        Conversation.objects.order_by("pk").values("message_count", "due_at", "last_inbound_at")
    )
    for raw in bodies:
        assert _post(client, raw).status_code == 200
    assert (Message.objects.count(), Conversation.objects.count()) == counts
    assert (
        list(
            Conversation.objects.order_by("pk").values("message_count", "due_at", "last_inbound_at")
        )
        == snapshot
    )
    assert not MessageRevision.objects.exists()


@pytest.mark.django_db
def test_an_edit_keeps_the_old_text(client: Client, fb_account: SocialAccount) -> None:
    _post(client, _page(_comment("555_1", "Texto original")))
    _post(client, _page(_comment("555_1", "Texto corregido", verb="edited")))
    message = Message.objects.get()
    assert message.text == "Texto corregido"
    assert message.edited_at is not None
    assert list(message.revisions.values_list("text", flat=True)) == ["Texto original"]
    # The same edit delivered again changes nothing.
    _post(client, _page(_comment("555_1", "Texto corregido", verb="edited")))
    assert MessageRevision.objects.count() == 1


@pytest.mark.django_db
def test_a_removal_marks_the_message_and_keeps_it(
    client: Client, fb_account: SocialAccount
) -> None:
    _post(client, _page(_comment("555_1", "Un comentario")))
    removal = _comment("555_1", "", verb="remove")
    del removal["value"]["message"]
    assert _post(client, _page(removal)).status_code == 200
    message = Message.objects.get()
    assert message.deleted_at is not None
    assert message.text == "Un comentario"


@pytest.mark.django_db
def test_the_pages_own_reply_counts_as_an_answer(client: Client, fb_account: SocialAccount) -> None:
    _post(client, _page(_comment("555_1")))
    answer = _comment(
        "555_2",
        "La campaña empieza el lunes.",
        author=(PAGE_ID, "Ministerio de Salud"),
        created_time=T0 + 600,
        parent_id="555_1",
    )
    _post(client, _page(answer))
    conv = _conversation()
    assert Message.objects.get(platform_message_id="555_2").direction == Direction.SALIENTE
    assert conv.first_response_at == datetime(2024, 5, 1, 12, 10, tzinfo=UTC)
    assert conv.status == Status.RESPONDIDO
    assert conv.awaiting_since is None


@pytest.mark.django_db
def test_the_pages_own_post_is_stored_but_is_not_an_answer(
    client: Client, fb_account: SocialAccount
) -> None:
    post = {
        "field": "feed",
        "value": {
            "from": {"id": PAGE_ID, "name": "Ministerio de Salud"},
            "item": "status",
            "post_id": POST_ID,
            "verb": "add",
            "published": 1,
            "created_time": T0 - 3600,
            "message": "Campaña nacional de vacunación",
        },
    }
    _post(client, _page(post, _comment("555_1")))
    conv = _conversation()
    # The title is the citizen's comment; the post is the context, not a message.
    assert conv.subject == "¿Cuándo abre la campaña de vacunación?"
    assert conv.post is not None
    assert conv.post.text == "Campaña nacional de vacunación"
    assert conv.post.posted_at == datetime(2024, 5, 1, 11, tzinfo=UTC)
    # The thread's citizen is the first commenter, never the page itself.
    assert conv.author_id not in ("", PAGE_ID)
    assert not Message.objects.filter(platform_message_id=POST_ID).exists()
    assert conv.message_count == 1
    assert conv.first_response_at is None
    assert conv.awaiting_since == datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.mark.django_db
def test_reactions_and_other_feed_items_are_ignored_and_counted(
    fb_account: SocialAccount,
) -> None:
    like = {
        "field": "feed",
        "value": {"item": "reaction", "verb": "add", "post_id": POST_ID, "reaction_type": "like"},
    }
    hide = _comment("555_1", verb="hide")
    result = meta.handle_webhook_body(json.dumps(_page(like, hide, _comment("555_2"))).encode())
    assert result.ignored == 2
    assert result.ingest.created == 1
    batch = meta.parse_webhook(_page(like))
    assert batch.ignored == {"feed:reaction": 1}


@pytest.mark.django_db
def test_citizen_text_is_stored_verbatim(client: Client, fb_account: SocialAccount) -> None:
    text = '<script>alert("hola")</script> & <b>¿ñandú?</b>'
    _post(client, _page(_comment("555_1", text)))
    assert Message.objects.get().text == text


# --- Instagram and direct messages -----------------------------------------------------------


@pytest.mark.django_db
def test_an_instagram_comment(client: Client, ig_account: SocialAccount) -> None:
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ID,
                "time": T0,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "178400099", "username": "vecina_arequipa"},
                            "media": {"id": "18000000001", "media_product_type": "FEED"},
                            "id": "17900000001",
                            "text": "¿Dónde me vacuno?",
                        },
                    }
                ],
            }
        ],
    }
    assert _post(client, payload).status_code == 200
    conv = Conversation.objects.get()
    assert (conv.account, conv.platform) == (ig_account, Platform.INSTAGRAM)
    # The comment is the thread; the media is its context.
    assert (conv.thread_kind, conv.thread_id) == (ThreadKind.COMMENTS, "17900000001")
    assert conv.post is not None and conv.post.platform_post_id == "18000000001"
    message = conv.messages.get()
    assert message.platform_message_id == "17900000001"
    assert message.author_name == "vecina_arequipa"
    assert message.text == "¿Dónde me vacuno?"
    assert message.sent_at == datetime(2024, 5, 1, 12, tzinfo=UTC)


@pytest.mark.django_db
def test_a_messenger_message_and_the_pages_echo(client: Client, fb_account: SocialAccount) -> None:
    _post(client, _messaging(_dm("m_1", "Hola, necesito mi certificado")))
    conv = Conversation.objects.get()
    assert (conv.thread_kind, conv.thread_id, conv.author_id) == (ThreadKind.DIRECT, "7001", "7001")
    message = conv.messages.get()
    assert message.platform_message_id == "m_1"
    assert message.sent_at == datetime(2024, 5, 1, 12, tzinfo=UTC)
    assert message.direction == Direction.ENTRANTE

    _post(client, _messaging(_dm("m_2", "Con gusto", echo=True, ms=(T0 + 300) * 1000)))
    conv.refresh_from_db()
    echo = Message.objects.get(platform_message_id="m_2")
    assert echo.conversation == conv
    assert echo.direction == Direction.SALIENTE
    assert conv.first_response_at == datetime(2024, 5, 1, 12, 5, tzinfo=UTC)
    assert conv.status == Status.RESPONDIDO


@pytest.mark.django_db
def test_an_instagram_direct_message(client: Client, ig_account: SocialAccount) -> None:
    payload = _messaging(
        _dm("aWdfZAG1", "Buenas tardes", citizen="5550001", page=IG_ID),
        {"sender": {"id": "5550001"}, "recipient": {"id": IG_ID}, "read": {"mid": "aWdfZAG1"}},
        obj="instagram",
        object_id=IG_ID,
    )
    result = meta.handle_webhook_body(json.dumps(payload).encode())
    assert result.ingest.created == 1
    assert result.ignored == 1
    conv = Conversation.objects.get()
    assert (conv.platform, conv.thread_kind, conv.thread_id) == (
        Platform.INSTAGRAM,
        ThreadKind.DIRECT,
        "5550001",
    )


# --- quarantine ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_page_goes_to_quarantine_and_is_still_acknowledged(
    client: Client, fb_account: SocialAccount
) -> None:
    payload = _page(_comment("999_1"), page_id="999")
    payload["entry"].append(_page(_comment("555_1"))["entry"][0])
    response = _post(client, payload)
    assert response.status_code == 200
    event = QuarantinedEvent.objects.get()
    assert (event.platform, event.object_id) == (Platform.FACEBOOK, "999")
    assert event.reason == "Página no registrada o no verificada en el directorio"
    assert event.payload["changes"][0]["value"]["comment_id"] == "999_1"
    # The known page's comment in the same body is stored.
    assert list(Message.objects.values_list("platform_message_id", flat=True)) == ["555_1"]
    # Replaying the body does not duplicate the quarantined entry.
    _post(client, payload)
    assert QuarantinedEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_suspended_account_goes_to_quarantine(
    client: Client, fb_account: SocialAccount, rector: User
) -> None:
    directory.account_suspend(actor=rector, account=fb_account, reason="Cuenta comprometida")
    assert _post(client, _page(_comment("555_1"))).status_code == 200
    assert not Message.objects.exists()
    event = QuarantinedEvent.objects.get()
    assert event.object_id == PAGE_ID
    assert "no está verificada" in event.reason
    assert str(AccountStatus.SUSPENDIDA.label) in event.reason


@pytest.mark.django_db
def test_an_instagram_id_is_not_looked_up_among_facebook_pages(
    fb_account: SocialAccount,
) -> None:
    batch = meta.parse_webhook(_messaging(_dm("m_1", "hola"), obj="instagram"))
    assert batch.events == []
    assert [object_id for object_id, _reason, _entry in batch.quarantine] == [PAGE_ID]


# --- sending answers -------------------------------------------------------------------------


def _citizen_comment(client: Client) -> Conversation:
    _post(client, _page(_comment("555_1")))
    return _conversation()


def _answer(
    conv: Conversation, author: User, body: str = "La campaña empieza el lunes."
) -> Message:
    message = inbox.message_answer(conversation=conv, author=author, body=body)
    return Message.objects.select_related("conversation__account").get(pk=message.pk)


@responses.activate
@pytest.mark.django_db
def test_send_reply_answers_the_citizens_comment(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    message = _answer(_citizen_comment(client), communicator)
    responses.post(
        f"{GRAPH}/555_1/comments",
        json={"id": "555_9"},
        match=[
            matchers.json_params_matcher({"message": "La campaña empieza el lunes."}),
            matchers.header_matcher({"Authorization": f"Bearer {PAGE_TOKEN}"}),
        ],
    )
    assert meta.send_reply(message) == "555_9"
    call = responses.calls[0]
    assert PAGE_TOKEN not in (call.request.url or "")


@responses.activate
@pytest.mark.django_db
def test_send_reply_to_a_reply_answers_its_top_level_comment(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    _post(
        client,
        _page(
            _comment("555_1"),
            _comment("555_2", "¿Y?", parent_id="555_1", created_time=T0 + 60),
            _comment("555_3", "¿Y ahora?", parent_id="555_2", created_time=T0 + 120),
        ),
    )
    conv = _conversation()
    # A reply and a reply to the reply belong to the top-level comment's thread.
    assert conv.messages.count() == 3
    message = _answer(conv, communicator)
    assert message.parent_platform_id == "555_3"
    # Facebook nests two levels: the answer goes under the top-level comment.
    responses.post(f"{GRAPH}/555_1/comments", json={"id": "555_9"})
    assert meta.send_reply(message) == "555_9"


@responses.activate
@pytest.mark.django_db
def test_send_reply_in_messenger_uses_the_send_api(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    _post(client, _messaging(_dm("m_1", "Hola")))
    message = _answer(Conversation.objects.get(), communicator, "Buenos días")
    responses.post(
        f"{GRAPH}/me/messages",
        json={"recipient_id": "7001", "message_id": "m_9"},
        match=[
            matchers.json_params_matcher(
                {
                    "recipient": {"id": "7001"},
                    "messaging_type": "RESPONSE",
                    "message": {"text": "Buenos días"},
                }
            )
        ],
    )
    assert meta.send_reply(message) == "m_9"


@responses.activate
@pytest.mark.django_db
def test_send_reply_on_instagram(
    client: Client, ig_account: SocialAccount, communicator: User
) -> None:
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ID,
                "time": T0,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "178400099", "username": "vecina"},
                            "media": {"id": "18000000001"},
                            "id": "17900000001",
                            "text": "¿Dónde?",
                        },
                    }
                ],
                "messaging": [_dm("aWdf1", "Hola", citizen="5550001", page=IG_ID)],
            }
        ],
    }
    _post(client, payload)
    comment_answer = _answer(
        Conversation.objects.get(thread_kind=ThreadKind.COMMENTS), communicator
    )
    dm_answer = _answer(Conversation.objects.get(thread_kind=ThreadKind.DIRECT), communicator, "Sí")
    responses.post(
        f"{GRAPH}/17900000001/replies",
        json={"id": "17900000002"},
        match=[matchers.json_params_matcher({"message": "La campaña empieza el lunes."})],
    )
    responses.post(
        f"{GRAPH}/{IG_ID}/messages",
        json={"recipient_id": "5550001", "message_id": "aWdf2"},
        match=[
            matchers.json_params_matcher(
                {"recipient": {"id": "5550001"}, "message": {"text": "Sí"}}
            )
        ],
    )
    assert meta.send_reply(comment_answer) == "17900000002"
    assert meta.send_reply(dm_answer) == "aWdf2"


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        ({"status": 500, "json": {"error": {"message": "Unknown error", "code": 1}}}, "retry"),
        ({"status": 503, "body": "Service Unavailable"}, "retry"),
        ({"status": 429, "json": {"error": {"message": "Too many calls"}}}, "retry"),
        ({"status": 400, "json": {"error": {"message": "Rate limit", "code": 613}}}, "retry"),
        ({"body": requests.exceptions.ConnectTimeout("lento")}, "retry"),
        # The request went out and no answer came back: looked for before any new attempt.
        ({"body": requests.exceptions.ReadTimeout("lento")}, "uncertain"),
        ({"body": requests.exceptions.ConnectionError("reset")}, "uncertain"),
        ({"status": 504, "body": "Gateway Timeout"}, "uncertain"),
        ({"status": 200, "json": {"success": True}}, "uncertain"),  # no id: never sent blindly
        ({"status": 400, "json": {"error": {"message": "(#100) Invalid", "code": 100}}}, "perm"),
        ({"status": 403, "json": {"error": {"message": "Permissions", "code": 200}}}, "perm"),
    ],
)
@responses.activate
@pytest.mark.django_db
def test_send_failures_are_retryable_uncertain_or_permanent(
    client: Client,
    fb_account: SocialAccount,
    communicator: User,
    reply: dict[str, Any],
    outcome: str,
) -> None:
    message = _answer(_citizen_comment(client), communicator)
    responses.post(f"{GRAPH}/555_1/comments", **reply)
    with pytest.raises(SendError) as caught:
        meta.send_reply(message)
    assert caught.value.permanent is (outcome == "perm")
    assert isinstance(caught.value, SendUncertain) is (outcome == "uncertain")
    assert PAGE_TOKEN not in str(caught.value)
    assert str(caught.value)  # a message for staff


@responses.activate
@pytest.mark.django_db
def test_a_timeout_uses_the_connector_timeout(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    message = _answer(_citizen_comment(client), communicator)
    responses.post(f"{GRAPH}/555_1/comments", json={"id": "555_9"})
    with mock.patch.object(meta.requests, "post", wraps=requests.post) as post:
        meta.send_reply(message)
    assert post.call_args.kwargs["timeout"] == 3


@pytest.mark.django_db
def test_an_account_without_a_token_cannot_send(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    message = _answer(_citizen_comment(client), communicator)
    AccountCredential.objects.filter(account=fb_account).delete()
    message = Message.objects.select_related("conversation__account").get(pk=message.pk)
    with pytest.raises(SendError) as caught:
        meta.send_reply(message)
    assert caught.value.permanent
    assert "token de acceso" in str(caught.value)


@pytest.mark.django_db
def test_the_meta_sender_is_registered_for_both_platforms() -> None:
    assert sender_for(Platform.FACEBOOK) is meta.send_reply
    assert sender_for(Platform.INSTAGRAM) is meta.send_reply


@responses.activate
@pytest.mark.django_db
def test_a_failed_send_is_retried_shown_and_never_counted(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    """500 first: the answer waits with the error shown and the conversation unanswered;
    then the platform accepts it and it counts; Meta's echo of it adds nothing."""
    conv = _citizen_comment(client)
    message = inbox.message_answer(conversation=conv, author=communicator, body="Gracias")
    responses.post(f"{GRAPH}/555_1/comments", status=500, json={"error": {"code": 2}})
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert tasks.send_message(message.pk) == "error"
    enqueue.assert_called_once_with(message.pk, tasks.BACKOFF_SECONDS)
    message.refresh_from_db()
    conv.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE
    assert message.send_attempts == 1
    assert "500" in message.send_error
    assert message.text == "Gracias"
    assert not message.counts_as_answer
    assert conv.first_response_at is None
    assert conv.status != Status.RESPONDIDO

    responses.replace(responses.POST, f"{GRAPH}/555_1/comments", json={"id": "555_9"})
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert tasks.send_message(message.pk) == "555_9"
    enqueue.assert_not_called()
    message.refresh_from_db()
    conv.refresh_from_db()
    assert message.send_status == SendStatus.ENVIADO
    assert message.platform_message_id == "555_9"
    assert message.send_error == ""
    assert conv.first_response_at is not None
    assert conv.status == Status.RESPONDIDO
    count = conv.message_count

    echo = _comment("555_9", "Gracias", author=(PAGE_ID, "Ministerio de Salud"), parent_id="555_1")
    echo["value"]["created_time"] = int(datetime.now(tz=UTC).timestamp())
    assert _post(client, _page(echo)).status_code == 200
    conv.refresh_from_db()
    assert Message.objects.filter(conversation=conv, direction=Direction.SALIENTE).count() == 1
    assert conv.message_count == count


@responses.activate
@pytest.mark.django_db
def test_a_permanent_failure_stops_retrying(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    conv = _citizen_comment(client)
    message = inbox.message_answer(conversation=conv, author=communicator, body="Gracias")
    responses.post(
        f"{GRAPH}/555_1/comments", status=400, json={"error": {"message": "Bad", "code": 100}}
    )
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        tasks.send_message(message.pk)
    enqueue.assert_not_called()
    message.refresh_from_db()
    assert message.send_status == SendStatus.FALLIDO
    assert "código 100" in message.send_error
    conv.refresh_from_db()
    assert conv.first_response_at is None


@responses.activate
@pytest.mark.django_db
def test_an_echo_that_arrives_before_the_send_result_is_not_duplicated(
    client: Client, fb_account: SocialAccount, communicator: User
) -> None:
    _post(client, _messaging(_dm("m_1", "Hola")))
    conv = Conversation.objects.get()
    message = inbox.message_answer(conversation=conv, author=communicator, body="Buenos días")

    def send_and_echo(request: Any) -> tuple[int, dict[str, str], str]:
        # Meta delivers the echo webhook while our send call is still open.
        echo = _dm("m_9", "Buenos días", echo=True, ms=int(datetime.now(tz=UTC).timestamp() * 1000))
        assert _post(client, _messaging(echo)).status_code == 200
        return 200, {}, json.dumps({"recipient_id": "7001", "message_id": "m_9"})

    responses.add_callback(responses.POST, f"{GRAPH}/me/messages", callback=send_and_echo)
    tasks.send_message(message.pk)
    assert conv.messages.filter(direction=Direction.SALIENTE).count() == 1
    assert conv.messages.get(platform_message_id="m_9").pk == message.pk


# --- moderation ------------------------------------------------------------------------------


@responses.activate
@pytest.mark.django_db
def test_hide_comment_on_facebook_and_instagram(
    fb_account: SocialAccount, ig_account: SocialAccount
) -> None:
    responses.post(
        f"{GRAPH}/555_1",
        json={"success": True},
        match=[matchers.json_params_matcher({"is_hidden": True})],
    )
    responses.post(
        f"{GRAPH}/17900000001",
        json={"success": True},
        match=[matchers.json_params_matcher({"hide": False})],
    )
    meta.hide_comment(fb_account, "555_1", True)
    meta.hide_comment(ig_account, "17900000001", False)
    assert len(responses.calls) == 2


@responses.activate
@pytest.mark.django_db
def test_hide_comment_failure_raises(fb_account: SocialAccount) -> None:
    responses.post(f"{GRAPH}/555_1", status=400, json={"error": {"message": "No", "code": 100}})
    with pytest.raises(SendError) as caught:
        meta.hide_comment(fb_account, "555_1", True)
    assert caught.value.permanent


def test_a_delivery_that_loses_the_race_counts_nothing_twice(
    fb_account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two deliveries of the same comment at once: both look it up before either commits and
    both insert it. The unique index lets one row in, and the insert reports which rows this
    transaction wrote: the loser writes none and leaves the conversation's counters alone."""

    def comment(message_id: str, minute: int) -> inbox.IncomingMessage:
        return inbox.IncomingMessage(
            platform=Platform.FACEBOOK,
            account_id=fb_account.pk,
            thread_kind="comentarios",
            thread_id="post-1",
            message_id=message_id,
            sent_at=datetime(2026, 11, 2, 15, minute, tzinfo=UTC),
            text="¿Dónde me vacuno?",
            author_id="ciudadana-1",
            author_name="Ciudadana",
        )

    assert inbox.messages_ingest(batch=[comment("comment-1", 0)]).created == 1
    original = ingest_batch._insert_messages

    def rival_commits_first(rows: list[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
        assert original(rows)  # the other delivery wins the unique index
        return original(rows)

    monkeypatch.setattr(ingest_batch, "_insert_messages", rival_commits_first)
    raced = inbox.messages_ingest(batch=[comment("comment-2", 5)])
    assert (raced.created, raced.unchanged, raced.new_keys) == (0, 1, [])
    assert Message.objects.filter(platform_message_id="comment-2").count() == 1
    # Only the winner (not simulated here) moves the timeline: this delivery counted nothing.
    assert Conversation.objects.get().message_count == 1
