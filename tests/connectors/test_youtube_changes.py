"""Issue 14, point 3 for YouTube: a comment edited on YouTube (``updatedAt`` later than
``publishedAt``, new ``textOriginal``) updates its message with the old text kept; a reply
deleted on YouTube is marked deleted when a thread read whole no longer lists it (the Data API
reports no deletions: see agora/connectors/youtube.py, vanished_replies). Long reply ids are
stored whole. Shapes: tests/connectors/payloads/ids_payloads.py (YouTube Data API v3)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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


OTHER_TOP = "UgwQ4nLmT7rY2pXcVbJ94AaABAg"


def _asked(call: Any) -> dict[str, str]:
    """The query parameters of a recorded request."""
    return dict(parse_qsl(urlsplit(call.request.url).query))


def _threads_stored(yt_account: SocialAccount) -> None:
    from agora.inbox import services as inbox

    other = yt_comment(OTHER_TOP, "¿Dónde me vacuno?", published="2024-05-02T12:00:00Z")
    inbox.messages_ingest(
        batch=youtube.parse_threads(yt_page([yt_thread(_top()), yt_thread(other)]), yt_account),
        now=NOW,
    )


def test_a_deleted_top_level_comment_is_found_by_asking_for_the_open_threads_by_id(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """A deleted top-level comment takes its thread out of the channel's listing: the check
    asks commentThreads.list?id= (the YouTube Data API v3 reference: ``id`` takes a
    comma-separated list; a deleted or removed thread is not among the items)."""
    _threads_stored(yt_account)
    # Only the first thread still exists (shape: commentThreadListResponse with part=id).
    call = api.get(
        f"{settings.YOUTUBE_API_URL}/commentThreads",
        json={"kind": "youtube#commentThreadListResponse", "items": [{"id": TOP}]},
    )
    assert youtube.threads_check(yt_account, now=NOW) == 1
    asked = _asked(call.calls[0])
    assert asked["part"] == "id"
    assert set(asked["id"].split(",")) == {TOP, OTHER_TOP}
    assert Message.objects.get(platform_message_id=OTHER_TOP).deleted_at is not None
    assert Message.objects.get(platform_message_id=TOP).deleted_at is None
    # Again: the deleted one is not asked for any more, nothing changes.
    assert youtube.threads_check(yt_account, now=NOW) == 0
    assert _asked(call.calls[1])["id"] == TOP


def test_the_thread_check_skips_new_and_closed_conversations_and_marks_nothing_on_errors(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    _threads_stored(yt_account)
    # Five minutes after the first comment: both are newer than the margin, nothing is asked.
    assert youtube.threads_check(yt_account, now=datetime(2024, 5, 2, 10, 5, tzinfo=UTC)) == 0
    from agora.inbox.models import Conversation, Status

    Conversation.objects.filter(thread_id=OTHER_TOP).update(status=Status.CERRADO)
    api.get(
        f"{settings.YOUTUBE_API_URL}/commentThreads",
        status=403,
        json={"error": {"code": 403, "errors": [{"reason": "quotaExceeded"}]}},
    )
    with pytest.raises(youtube.YouTubeError):
        youtube.threads_check(yt_account, now=NOW)
    assert _asked(api.calls[0])["id"] == TOP  # the closed one is not asked for
    assert not Message.objects.filter(deleted_at__isnull=False).exists()
