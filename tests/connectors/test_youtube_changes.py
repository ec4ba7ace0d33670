"""Issue 14, point 3 for YouTube: a comment edited on YouTube (``updatedAt`` later than
``publishedAt``, new ``textOriginal``) updates its message with the old text kept; a reply
deleted on YouTube is marked deleted when a thread read whole no longer lists it (the Data API
reports no deletions: see agora/connectors/youtube.py, vanished_replies). Long reply ids are
stored whole. Shapes: tests/connectors/payloads/ids_payloads.py (YouTube Data API v3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses
from django.conf import settings

from agora.connectors import youtube
from agora.connectors.models import AccountCredential, CredentialKind
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Message, MessageRevision
from tests.connectors.payloads.ids_payloads import (
    YT_CHANNEL,
    yt_comment,
    yt_page,
    yt_thread,
)

NOW = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)
TOP = "UgzK3kHn5wIq0ZrLbJB4AaABAg"
# Reply ids are "<thread id>.<reply part>": long, and kept whole.
REPLY_1 = f"{TOP}.9zQmPq0vXhS9zQmPq0vXhT" + "a" * 150
REPLY_2 = f"{TOP}.9zQmPq0vXhS9zQmPq0vXhU" + "b" * 150


@pytest.fixture
def yt_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform="youtube",
        url="https://www.youtube.com/@minsaperu",
        platform_id=YT_CHANNEL,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    AccountCredential.objects.create(account=account, kind=CredentialKind.API_KEY, secret="k")
    return account


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mocked:
        yield mocked


def _serve(api: responses.RequestsMock, *bodies: dict[str, object]) -> None:
    for body in bodies:
        api.get(f"{settings.YOUTUBE_API_URL}/commentThreads", json=body)


def _top(text: str = "¿Hasta cuándo es la campaña?", updated: str | None = None) -> dict:
    return yt_comment(TOP, text, published="2024-05-02T10:00:00Z", updated=updated)


def _reply(comment_id: str, text: str, published: str) -> dict:
    return yt_comment(
        comment_id,
        text,
        published=published,
        parent_id=TOP,
        author=("UCvecino00000000000000002", "Vecino"),
    )


def test_an_edited_comment_updates_its_message_and_keeps_the_old_text(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    _serve(
        api,
        yt_page([yt_thread(_top())]),
        yt_page(
            [yt_thread(_top("¿Hasta cuándo es la campaña de vacunación?", "2024-05-02T10:30:00Z"))]
        ),
    )
    assert youtube.poll_account(yt_account, now=NOW).created == 1
    assert youtube.poll_account(yt_account, now=NOW).edited == 1
    message = Message.objects.get()
    assert message.text == "¿Hasta cuándo es la campaña de vacunación?"
    assert list(MessageRevision.objects.values_list("text", flat=True)) == [
        "¿Hasta cuándo es la campaña?"
    ]


def test_a_reply_missing_from_a_thread_read_whole_is_marked_deleted(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    first = _reply(REPLY_1, "Yo también pregunto", "2024-05-02T11:00:00Z")
    second = _reply(REPLY_2, "Y yo", "2024-05-02T11:05:00Z")
    _serve(
        api,
        yt_page([yt_thread(_top(), [first, second])]),
        # The author deleted the first reply: the thread now lists one of one.
        yt_page([yt_thread(_top(), [second])]),
    )
    assert youtube.poll_account(yt_account, now=NOW).created == 3
    assert Message.objects.get(platform_message_id=REPLY_1).deleted_at is None
    youtube.poll_account(yt_account, now=NOW)
    gone = Message.objects.get(platform_message_id=REPLY_1)
    assert gone.deleted_at is not None
    assert gone.text == "Yo también pregunto"  # kept, never purged
    assert Message.objects.get(platform_message_id=REPLY_2).deleted_at is None
    assert Message.objects.get(platform_message_id=TOP).deleted_at is None


def test_a_thread_listed_in_part_marks_nothing_deleted(yt_account: SocialAccount) -> None:
    """Only some replies included (totalReplyCount larger): missing ones are not deleted."""
    first = _reply(REPLY_1, "Yo también pregunto", "2024-05-02T11:00:00Z")
    second = _reply(REPLY_2, "Y yo", "2024-05-02T11:05:00Z")
    from agora.inbox import services as inbox

    inbox.messages_ingest(
        batch=youtube.parse_threads(yt_page([yt_thread(_top(), [first, second])]), yt_account)
    )
    partial = yt_page([yt_thread(_top(), [second], total=2)])
    assert youtube._complete_threads(partial) == {}
    complete = youtube._complete_threads(yt_page([yt_thread(_top(), [second])]))
    assert complete == {TOP: {REPLY_2}}
    # A reply newer than the margin is left alone (the page may predate it).
    assert (
        youtube.vanished_replies(yt_account, complete, datetime(2024, 5, 2, 11, 5, tzinfo=UTC))
        == []
    )
    [removal] = youtube.vanished_replies(yt_account, complete, NOW)
    assert (removal.message_id, removal.verb) == (REPLY_1, "remove")
