"""A conversation is one citizen thread: a top-level comment with its replies, under the
entity's post (context, not a message). Each answer targets one citizen message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import responses

from agora.connectors import meta
from agora.connectors.models import AccountCredential
from agora.core.errors import DomainError
from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.models import Conversation, Direction, Message, Post, ThreadKind
from agora.inbox.services import IncomingMessage, IncomingPost, messages_ingest

T0 = datetime(2024, 5, 6, 14, tzinfo=UTC)
POST = "page_1"
GRAPH = "https://graph.example.test/v21.0"


def _comment(
    account: SocialAccount,
    comment_id: str,
    *,
    parent: str = "",
    minutes: int = 0,
    author: str = "9001",
    text: str = "¿Cuándo abre la campaña?",
) -> IncomingMessage:
    """Shaped as the Meta connector reads a feed comment."""
    parent = parent or POST
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.COMMENTS,
        thread_id=comment_id if parent == POST else parent,
        message_id=comment_id,
        sent_at=T0 + timedelta(minutes=minutes),
        text=text,
        author_id=author,
        author_name=f"Persona {author}",
        parent_id=parent,
        post_id=POST,
    )


def test_each_top_level_comment_is_its_own_conversation_under_the_post(
    verified_account: SocialAccount,
) -> None:
    messages_ingest(
        batch=[
            _comment(verified_account, "c1", author="1"),
            _comment(verified_account, "c2", author="2", minutes=5, text="Otra pregunta"),
        ],
        posts=[
            IncomingPost(
                platform=verified_account.platform,
                account_id=verified_account.pk,
                post_id=POST,
                text="Campaña de vacunación",
            )
        ],
    )
    first, second = Conversation.objects.order_by("thread_id")
    assert (first.thread_id, first.author_id, first.subject) == (
        "c1",
        "1",
        "¿Cuándo abre la campaña?",
    )
    assert (second.thread_id, second.author_id, second.subject) == ("c2", "2", "Otra pregunta")
    assert first.post_id == second.post_id == Post.objects.get().pk
    assert Post.objects.get().text == "Campaña de vacunación"
    assert Message.objects.count() == 2


def test_a_reply_and_a_reply_to_a_reply_join_the_top_level_comment(
    verified_account: SocialAccount,
) -> None:
    messages_ingest(batch=[_comment(verified_account, "c1")])
    # Stored parent, then a reply to that reply in a later batch.
    messages_ingest(batch=[_comment(verified_account, "r1", parent="c1", minutes=1, author="2")])
    messages_ingest(batch=[_comment(verified_account, "r2", parent="r1", minutes=2)])
    conv = Conversation.objects.get()
    assert conv.thread_id == "c1"
    assert conv.message_count == 3
    assert set(conv.messages.values_list("platform_message_id", flat=True)) == {"c1", "r1", "r2"}


def test_a_reply_to_a_reply_in_the_same_batch_joins_the_top_level_comment(
    verified_account: SocialAccount,
) -> None:
    messages_ingest(
        batch=[
            _comment(verified_account, "r2", parent="r1", minutes=2),
            _comment(verified_account, "r1", parent="c1", minutes=1),
            _comment(verified_account, "c1"),
        ]
    )
    assert Conversation.objects.get().thread_id == "c1"


def test_a_reply_whose_parent_is_unknown_waits_in_the_parents_thread(
    verified_account: SocialAccount,
) -> None:
    messages_ingest(batch=[_comment(verified_account, "r1", parent="c1", minutes=1)])
    conv = Conversation.objects.get()
    assert conv.thread_id == "c1"
    # The parent arrives later: it is the top-level comment of that same thread.
    messages_ingest(batch=[_comment(verified_account, "c1")])
    assert Conversation.objects.get().pk == conv.pk
    assert Message.objects.filter(conversation=conv).count() == 2


def test_a_replay_changes_nothing(verified_account: SocialAccount) -> None:
    batch = [
        _comment(verified_account, "c1"),
        _comment(verified_account, "r1", parent="c1", minutes=1),
        _comment(verified_account, "c2", minutes=3, author="2"),
    ]
    messages_ingest(batch=batch)
    before = list(Conversation.objects.order_by("pk").values("pk", "message_count", "due_at"))
    result = messages_ingest(batch=batch)
    assert result.created == 0
    assert result.conversations_created == 0
    after = list(Conversation.objects.order_by("pk").values("pk", "message_count", "due_at"))
    assert after == before


# --- reply-to ----------------------------------------------------------------------------------


def _thread(account: SocialAccount) -> Conversation:
    messages_ingest(
        batch=[
            _comment(account, "c1"),
            _comment(account, "r1", parent="c1", minutes=1, author="2", text="Yo también"),
        ]
    )
    return Conversation.objects.get()


def test_an_answer_targets_the_latest_citizen_message_by_default(
    verified_account: SocialAccount, communicator: User
) -> None:
    conv = _thread(verified_account)
    answer = services.message_answer(conversation=conv, author=communicator, body="Hola")
    latest = Message.objects.get(platform_message_id="r1")
    assert answer.reply_to == latest
    assert answer.parent_platform_id == "r1"


def test_an_answer_may_target_an_earlier_citizen_message(
    verified_account: SocialAccount, communicator: User
) -> None:
    conv = _thread(verified_account)
    first = Message.objects.get(platform_message_id="c1")
    answer = services.message_answer(
        conversation=conv, author=communicator, body="Hola", reply_to=first
    )
    assert answer.reply_to == first
    assert answer.parent_platform_id == "c1"


def test_the_target_must_be_a_live_citizen_message_of_the_conversation(
    verified_account: SocialAccount, communicator: User
) -> None:
    conv = _thread(verified_account)
    messages_ingest(batch=[_comment(verified_account, "c9", minutes=9, author="3")])
    other = Message.objects.get(platform_message_id="c9")
    with pytest.raises(DomainError, match="no es de esta conversación"):
        services.message_answer(conversation=conv, author=communicator, body="x", reply_to=other)
    note = services.note_add(conversation=conv, author=communicator, body="nota")
    with pytest.raises(DomainError, match="Solo se responde a mensajes de la ciudadanía"):
        services.message_answer(conversation=conv, author=communicator, body="x", reply_to=note)
    gone = Message.objects.get(platform_message_id="r1")
    Message.objects.filter(pk=gone.pk).update(deleted_at=T0)
    gone.refresh_from_db()
    with pytest.raises(DomainError, match="borrado"):
        services.message_answer(conversation=conv, author=communicator, body="x", reply_to=gone)
    assert not Message.objects.filter(direction=Direction.SALIENTE).exists()


@responses.activate
def test_facebook_publishes_an_answer_to_a_reply_under_its_top_level_comment(
    verified_account: SocialAccount, communicator: User, settings: object
) -> None:
    settings.META_GRAPH_URL = GRAPH  # type: ignore[attr-defined]
    AccountCredential.objects.create(account=verified_account, kind="page_token", secret="tok")
    conv = _thread(verified_account)
    for target, expected in (("c1", "c1"), ("r1", "c1")):
        answer = services.message_answer(
            conversation=conv,
            author=communicator,
            body="Hola",
            reply_to=Message.objects.get(platform_message_id=target),
        )
        responses.post(f"{GRAPH}/{expected}/comments", json={"id": f"a-{target}"})
        message = Message.objects.select_related("conversation__account").get(pk=answer.pk)
        assert meta.send_reply(message) == f"a-{target}"
