"""The YouTube connector against the documented Data API v3 shapes (served by ``responses``):
commentThreads.list with allThreadsRelatedToChannelId and pageToken, the daily quota, the
channel's own replies as answers, edits, and replies sent with comments.insert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import requests
import responses
from django.conf import settings
from django.db import connection
from django.utils import timezone
from responses import matchers

from agora.connectors import youtube
from agora.connectors.models import AccountCredential, CredentialKind, PollCursor
from agora.core.models import AuditEvent, User
from agora.directory import services as directory
from agora.directory.models import Entity, SocialAccount
from agora.inbox import send_queue
from agora.inbox import services as inbox
from agora.inbox import tasks as inbox_tasks
from agora.inbox.models import (
    Conversation,
    Direction,
    Message,
    MessageRevision,
    SendStatus,
    Status,
    ThreadKind,
)
from agora.inbox.senders import SendError

CHANNEL_ID = "UCk5GjR2bWnR2VnBrXeWJ3Xg"
API_KEY = "AIzaSyD-clave-de-prueba"
OAUTH = "ya29.token-oauth-de-prueba"
NOW = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)
VIDEO = "7ghhRHRP6t4"


def threads_url() -> str:
    return f"{settings.YOUTUBE_API_URL}/commentThreads"


def expected_params(**extra: str) -> dict[str, str]:
    return {
        "part": "snippet,replies",
        "allThreadsRelatedToChannelId": CHANNEL_ID,
        "maxResults": "100",
        "order": "time",
        "textFormat": "plainText",
        "key": API_KEY,
        **extra,
    }


def comment(
    comment_id: str,
    text: str,
    *,
    author: str = "Rosa Quispe",
    author_channel: str = "UCP22MyBntbNASpmy3aC4sdw",
    published: str = "2024-05-02T14:00:00Z",
    updated: str | None = None,
    parent_id: str | None = None,
    text_original: bool = True,
) -> dict[str, Any]:
    """A comment resource as documented (youtube#comment)."""
    snippet: dict[str, Any] = {
        "channelId": CHANNEL_ID,
        "videoId": VIDEO,
        "textDisplay": text,
        "authorDisplayName": author,
        "authorProfileImageUrl": "https://yt3.ggpht.com/ytc/foto=s48-c-k-c0x00ffffff-no-rj",
        "authorChannelUrl": f"http://www.youtube.com/channel/{author_channel}",
        "authorChannelId": {"value": author_channel},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 0,
        "publishedAt": published,
        "updatedAt": updated or published,
    }
    if text_original:
        snippet["textOriginal"] = text
    if parent_id:
        snippet["parentId"] = parent_id
    return {"kind": "youtube#comment", "etag": "etag", "id": comment_id, "snippet": snippet}


def thread(top: dict[str, Any], replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A commentThread resource: its id is the top-level comment's id."""
    item: dict[str, Any] = {
        "kind": "youtube#commentThread",
        "etag": "etag",
        "id": top["id"],
        "snippet": {
            "channelId": CHANNEL_ID,
            "videoId": VIDEO,
            "topLevelComment": top,
            "canReply": True,
            "totalReplyCount": len(replies or []),
            "isPublic": True,
        },
    }
    if replies:
        item["replies"] = {"comments": replies}
    return item


def page(items: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "youtube#commentThreadListResponse",
        "etag": "etag",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
        "items": items,
    }
    if next_token:
        body["nextPageToken"] = next_token
    return body


def google_error(code: int, reason: str, message: str, domain: str = "youtube") -> dict[str, Any]:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }


QUOTA = google_error(
    403,
    "quotaExceeded",
    "The request cannot be completed because you have exceeded your quota.",
    "youtube.quota",
)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mocked:
        yield mocked


@pytest.fixture
def yt_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform="youtube",
        url="https://www.youtube.com/@minsaperu",
        platform_id=CHANNEL_ID,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    AccountCredential.objects.create(
        account=account, kind=CredentialKind.API_KEY, secret=API_KEY, hint=API_KEY[-4:]
    )
    return account


def use_oauth(account: SocialAccount) -> None:
    credential = AccountCredential.objects.get(account=account)
    credential.secret = OAUTH
    credential.kind = CredentialKind.OAUTH
    credential.save()


def add_threads(
    api: responses.RequestsMock,
    body: dict[str, Any],
    *,
    params: dict[str, str],
    status: int = 200,
    url: str = "",
) -> None:
    api.add(
        responses.GET,
        url or threads_url(),
        json=body,
        status=status,
        match=[matchers.query_param_matcher(params)],
    )


# --- parsing -----------------------------------------------------------------------------------


def test_parse_threads_maps_top_level_comments_and_replies(yt_account: SocialAccount) -> None:
    body = page(
        [
            thread(
                comment("UgxTop1", "¿Cuándo abren las inscripciones?"),
                [
                    comment(
                        "UgxTop1.Reply1",
                        "El lunes 6 de mayo.",
                        author="Ministerio de Salud",
                        author_channel=CHANNEL_ID,
                        published="2024-05-02T14:20:00Z",
                        parent_id="UgxTop1",
                    ),
                    comment(
                        "UgxTop1.Reply2",
                        "Gracias (editado)",
                        published="2024-05-02T14:25:00Z",
                        updated="2024-05-02T14:27:00Z",
                        parent_id="UgxTop1",
                        text_original=False,
                    ),
                ],
            )
        ]
    )
    top, own, edited = youtube.parse_threads(body, yt_account)
    assert (top.thread_kind, top.thread_id, top.message_id) == (
        ThreadKind.COMMENTS,
        "UgxTop1",
        "UgxTop1",
    )
    assert (top.author_name, top.author_id) == ("Rosa Quispe", "UCP22MyBntbNASpmy3aC4sdw")
    assert top.sent_at == datetime(2024, 5, 2, 14, 0, tzinfo=UTC)
    assert (top.verb, top.from_entity, top.parent_id) == ("add", False, "")
    assert (own.from_entity, own.parent_id, own.thread_id) == (True, "UgxTop1", "UgxTop1")
    assert edited.verb == "edit"
    assert edited.text == "Gracias (editado)"  # textDisplay when textOriginal is withheld


# --- polling -----------------------------------------------------------------------------------


def test_poll_follows_page_tokens_and_keeps_the_newest_time(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_threads(
        api,
        page(
            [
                thread(comment("UgzC", "tres", published="2024-05-02T14:30:00Z")),
                thread(comment("UgzB", "dos", published="2024-05-02T14:20:00Z")),
            ],
            next_token="QURTSl9pMVNCeldJUmhfV284NV9zbDF2djE0dnRQZ3N4Z21hTW9od1R4VDBreW92",
        ),
        params=expected_params(),
    )
    add_threads(
        api,
        page(
            [thread(comment("UgzA", "uno", published="2024-05-01T10:00:00Z"))],
            next_token="Z2V0X25ld2VzdF9maXJzdC0tQ2dnSWdBUVZGN2ZST0JJRkNKMGdHQUVTQlFpSUlC",
        ),
        params=expected_params(
            pageToken="QURTSl9pMVNCeldJUmhfV284NV9zbDF2djE0dnRQZ3N4Z21hTW9od1R4VDBreW92"
        ),
    )
    add_threads(
        api,
        page([thread(comment("Ugz0", "cero", published="2024-04-30T10:00:00Z"))]),
        params=expected_params(
            pageToken="Z2V0X25ld2VzdF9maXJzdC0tQ2dnSWdBUVZGN2ZST0JJRkNKMGdHQUVTQlFpSUlC"
        ),
    )

    result = youtube.poll_account(yt_account, now=NOW)

    assert (result.pages, result.created, result.error) == (3, 4, "")
    cursor = PollCursor.objects.get(account=yt_account)
    assert datetime.fromisoformat(cursor.since_id) == datetime(2024, 5, 2, 14, 30, tzinfo=UTC)
    assert cursor.page_token == ""
    assert Conversation.objects.filter(account=yt_account).count() == 4


def test_poll_stops_at_the_first_page_older_than_the_cursor(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """The page whose comments are all older than since_id ends the run: its nextPageToken
    is not followed (responses would fail on an unregistered request)."""
    PollCursor.objects.create(account=yt_account, since_id="2024-05-02T12:00:00+00:00")
    add_threads(
        api,
        page(
            [
                thread(comment("UgzNew", "nuevo", published="2024-05-02T14:00:00Z")),
                thread(comment("UgzOld1", "antiguo", published="2024-05-01T09:00:00Z")),
            ],
            next_token="tok2",
        ),
        params=expected_params(),
    )
    add_threads(
        api,
        page(
            [thread(comment("UgzOld2", "más antiguo", published="2024-04-30T09:00:00Z"))],
            next_token="tok3",
        ),
        params=expected_params(pageToken="tok2"),
    )

    result = youtube.poll_account(yt_account, now=NOW)

    assert (result.pages, result.error) == (2, "")
    assert len(api.calls) == 2
    cursor = PollCursor.objects.get(account=yt_account)
    assert datetime.fromisoformat(cursor.since_id) == datetime(2024, 5, 2, 14, 0, tzinfo=UTC)
    assert cursor.page_token == ""


def test_polling_the_same_pages_again_adds_nothing(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    body = page(
        [
            thread(
                comment("UgxA", "¿Hay atención hoy?"),
                [comment("UgxA.R1", "¿Alguien sabe?", published="2024-05-02T14:10:00Z")],
            )
        ]
    )
    add_threads(api, body, params=expected_params())
    add_threads(api, body, params=expected_params())

    first = youtube.poll_account(yt_account, now=NOW)
    second = youtube.poll_account(yt_account, now=NOW)

    assert first.created == 2
    assert (second.created, second.edited, second.unchanged) == (0, 0, 2)
    assert Message.objects.filter(platform="youtube").count() == 2
    assert Conversation.objects.get(account=yt_account).message_count == 2


def test_quota_exceeded_waits_until_midnight_pacific_and_stops(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_threads(api, QUOTA, params=expected_params(), status=403)

    with mock.patch("agora.connectors.youtube.timezone.now", return_value=NOW):
        result = youtube.poll_account(yt_account, now=NOW)

    # 2024-05-02 15:00 UTC is 08:00 PDT; the quota resets at 00:00 PDT = 07:00 UTC next day.
    reset = datetime(2024, 5, 3, 7, 0, tzinfo=UTC)
    assert result.error == ""
    assert result.waiting_until == reset
    cursor = PollCursor.objects.get(account=yt_account)
    assert cursor.wait_until == reset
    assert "quotaExceeded" in cursor.last_error
    assert len(api.calls) == 1

    skipped = youtube.poll_account(yt_account, now=reset - timedelta(minutes=1))
    assert skipped.skipped
    assert len(api.calls) == 1


def test_quota_stop_mid_run_resumes_at_the_saved_page(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_threads(
        api,
        page([thread(comment("UgzB", "dos", published="2024-05-02T14:20:00Z"))], "tok2"),
        params=expected_params(),
    )
    add_threads(api, QUOTA, params=expected_params(pageToken="tok2"), status=403)
    youtube.poll_account(yt_account, now=NOW)
    cursor = PollCursor.objects.get(account=yt_account)
    assert cursor.since_id == ""
    assert cursor.page_token.endswith("|tok2")

    add_threads(
        api,
        page([thread(comment("UgzA", "uno", published="2024-05-01T10:00:00Z"))]),
        params=expected_params(pageToken="tok2"),
    )
    later = cursor.wait_until + timedelta(minutes=1) if cursor.wait_until else NOW
    resumed = youtube.poll_account(yt_account, now=later)
    assert (resumed.created, resumed.error) == (1, "")
    cursor.refresh_from_db()
    assert datetime.fromisoformat(cursor.since_id) == datetime(2024, 5, 2, 14, 20, tzinfo=UTC)
    assert cursor.page_token == ""


def test_the_channels_own_reply_counts_as_the_answer(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_threads(
        api,
        page(
            [
                thread(
                    comment("UgxQ", "¿Dónde me vacuno?"),
                    [
                        comment(
                            "UgxQ.A1",
                            "En cualquier centro de salud de su distrito.",
                            author="Ministerio de Salud",
                            author_channel=CHANNEL_ID,
                            published="2024-05-02T14:45:00Z",
                            parent_id="UgxQ",
                        )
                    ],
                )
            ]
        ),
        params=expected_params(),
    )
    youtube.poll_account(yt_account, now=NOW)

    conv = Conversation.objects.get(account=yt_account, thread_id="UgxQ")
    assert conv.thread_kind == ThreadKind.COMMENTS
    assert conv.first_response_at == datetime(2024, 5, 2, 14, 45, tzinfo=UTC)
    assert conv.status == Status.RESPONDIDO
    assert conv.author_name == "Rosa Quispe"
    assert Message.objects.get(platform_message_id="UgxQ.A1").direction == Direction.SALIENTE


def test_an_edited_comment_updates_the_text_and_keeps_the_old_one(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_threads(api, page([thread(comment("UgxE", "Texto original"))]), params=expected_params())
    add_threads(
        api,
        page(
            [
                thread(
                    comment(
                        "UgxE",
                        "Texto corregido",
                        published="2024-05-02T14:00:00Z",
                        updated="2024-05-02T16:00:00Z",
                    )
                )
            ]
        ),
        params=expected_params(),
    )
    youtube.poll_account(yt_account, now=NOW)
    result = youtube.poll_account(yt_account, now=NOW + timedelta(hours=2))

    assert result.edited == 1
    message = Message.objects.get(platform_message_id="UgxE")
    assert message.text == "Texto corregido"
    assert message.edited_at is not None
    assert MessageRevision.objects.get(message=message).text == "Texto original"
    cursor = PollCursor.objects.get(account=yt_account)
    assert datetime.fromisoformat(cursor.since_id) == datetime(2024, 5, 2, 16, 0, tzinfo=UTC)


def test_oauth_credentials_are_sent_as_a_bearer_header(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    use_oauth(yt_account)
    params = expected_params()
    del params["key"]
    api.add(
        responses.GET,
        threads_url(),
        json=page([]),
        match=[
            matchers.query_param_matcher(params),
            matchers.header_matcher({"Authorization": f"Bearer {OAUTH}"}),
        ],
    )
    assert youtube.poll_account(yt_account, now=NOW).error == ""


def test_a_server_error_is_recorded_and_nothing_moves(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_threads(
        api,
        google_error(500, "backendError", "Backend Error", "global"),
        params=expected_params(),
        status=500,
    )
    result = youtube.poll_account(yt_account, now=NOW)
    cursor = PollCursor.objects.get(account=yt_account)
    assert "backendError" in result.error
    assert (cursor.since_id, cursor.page_token, cursor.wait_until) == ("", "", None)


@pytest.mark.parametrize(
    ("now", "reset"),
    [
        # Winter (PST, UTC-8) and summer (PDT, UTC-7), and just after a Pacific midnight.
        (datetime(2024, 1, 15, 12, 0, tzinfo=UTC), datetime(2024, 1, 16, 8, 0, tzinfo=UTC)),
        (datetime(2024, 7, 15, 12, 0, tzinfo=UTC), datetime(2024, 7, 16, 7, 0, tzinfo=UTC)),
        (datetime(2024, 7, 15, 7, 1, tzinfo=UTC), datetime(2024, 7, 16, 7, 0, tzinfo=UTC)),
        (datetime(2024, 7, 15, 6, 59, tzinfo=UTC), datetime(2024, 7, 15, 7, 0, tzinfo=UTC)),
    ],
)
def test_next_quota_reset_is_the_next_pacific_midnight(now: datetime, reset: datetime) -> None:
    assert youtube.next_quota_reset(now) == reset


# --- sending -----------------------------------------------------------------------------------


@pytest.fixture
def conversation(yt_account: SocialAccount) -> Conversation:
    use_oauth(yt_account)
    inbox.messages_ingest(
        batch=youtube.parse_threads(
            page(
                [
                    thread(
                        comment("UgxS", "¿Cuándo es la campaña?"),
                        [
                            comment(
                                "UgxS.R1",
                                "Yo también quiero saber",
                                author="Juan Pérez",
                                author_channel="UCjuan",
                                published="2024-05-02T14:05:00Z",
                                parent_id="UgxS",
                            )
                        ],
                    )
                ]
            ),
            yt_account,
        )
    )
    return Conversation.objects.get(account=yt_account)


def add_insert(
    api: responses.RequestsMock,
    *,
    text: str,
    status: int = 200,
    body: dict[str, Any] | Exception | None = None,
) -> None:
    kwargs: dict[str, Any] = {"status": status}
    if isinstance(body, Exception):
        kwargs = {"body": body}
    else:
        kwargs["json"] = (
            body
            if body is not None
            else comment(
                "UgxS.Ans1",
                text,
                author="Ministerio de Salud",
                author_channel=CHANNEL_ID,
                parent_id="UgxS",
            )
        )
    api.add(
        responses.POST,
        f"{settings.YOUTUBE_API_URL}/comments",
        match=[
            matchers.query_param_matcher({"part": "snippet"}),
            matchers.json_params_matcher({"snippet": {"parentId": "UgxS", "textOriginal": text}}),
            matchers.header_matcher({"Authorization": f"Bearer {OAUTH}"}),
        ],
        **kwargs,
    )


def answer(conversation: Conversation, author: User, body: str) -> Message:
    with mock.patch.object(send_queue, "enqueue_send"):
        return inbox.message_answer(conversation=conversation, author=author, body=body)


def test_send_reply_inserts_a_reply_under_the_top_level_comment(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    """Even when the latest citizen comment is a reply, the parent is the thread's top-level
    comment: YouTube threads are one level deep."""
    message = answer(conversation, manager, "La campaña empieza el lunes.")
    assert message.parent_platform_id == "UgxS.R1"
    add_insert(api, text="La campaña empieza el lunes.")
    assert youtube.send_reply(message) == "UgxS.Ans1"


def test_an_api_key_cannot_answer(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    message = answer(conversation, manager, "Respuesta")
    credential = AccountCredential.objects.get(account_id=conversation.account_id)
    credential.kind = CredentialKind.API_KEY
    credential.secret = API_KEY
    credential.save()
    with pytest.raises(SendError) as caught:
        youtube.send_reply(message)
    assert caught.value.permanent is True
    assert "OAuth" in str(caught.value)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (500, google_error(500, "backendError", "Backend Error", "global"), False),
        (503, google_error(503, "backendError", "Backend Error", "global"), False),
        (403, QUOTA, False),
        (401, google_error(401, "authError", "Invalid Credentials", "global"), True),
        (
            403,
            google_error(403, "forbidden", "The comment could not be created.", "youtube.comment"),
            True,
        ),
        (
            400,
            google_error(400, "commentTextTooLong", "The comment is too long.", "youtube.comment"),
            True,
        ),
    ],
)
def test_send_errors_are_retryable_or_permanent(
    conversation: Conversation,
    manager: User,
    api: responses.RequestsMock,
    status: int,
    body: dict[str, Any],
    permanent: bool,
) -> None:
    message = answer(conversation, manager, "Respuesta")
    add_insert(api, text="Respuesta", status=status, body=body)
    with pytest.raises(SendError) as caught:
        youtube.send_reply(message)
    assert caught.value.permanent is permanent
    assert str(status) in str(caught.value)


@pytest.mark.parametrize(
    "failure", [requests.Timeout("read timed out"), requests.ConnectionError("reset")]
)
def test_timeouts_and_connection_errors_are_retryable(
    conversation: Conversation,
    manager: User,
    api: responses.RequestsMock,
    failure: Exception,
) -> None:
    message = answer(conversation, manager, "Respuesta")
    add_insert(api, text="Respuesta", body=failure)
    with pytest.raises(SendError) as caught:
        youtube.send_reply(message)
    assert caught.value.permanent is False


def test_an_answer_survives_a_timeout_and_counts_once_sent(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    """message_answer then send_message: on a read timeout the answer stays "publicando"
    with the error and does not count; when the look is due, the thread's replies are read
    (``comments.list?parentId=``): not there, it is sent again; the retry succeeds and then
    it counts."""
    message = answer(conversation, manager, "La campaña empieza el lunes.")
    add_insert(api, text="La campaña empieza el lunes.", body=requests.Timeout("timed out"))
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert inbox_tasks.send_message(message.pk) == "por comprobar"
    enqueue.assert_called_once_with(message.pk, inbox_tasks.BACKOFF_SECONDS)
    message.refresh_from_db()
    conversation.refresh_from_db()
    assert message.send_status == SendStatus.ENVIANDO
    assert message.send_error
    assert not message.counts_as_answer
    assert conversation.first_response_at is None

    Message.objects.filter(pk=message.pk).update(send_due_at=timezone.now())
    api.get(
        f"{settings.YOUTUBE_API_URL}/comments",
        match=[matchers.query_param_matcher({"parentId": "UgxS"}, strict_match=False)],
        json={"kind": "youtube#commentListResponse", "items": []},
    )

    add_insert(
        api,
        text="La campaña empieza el lunes.",
        status=500,
        body=google_error(500, "backendError", "Backend Error", "global"),
    )
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert inbox_tasks.send_message(message.pk) == "error"
    enqueue.assert_called_once_with(message.pk, inbox_tasks.BACKOFF_SECONDS * 2)
    message.refresh_from_db()
    assert (message.send_status, message.send_attempts) == (SendStatus.PENDIENTE, 2)
    assert "500" in message.send_error

    add_insert(api, text="La campaña empieza el lunes.")
    with mock.patch.object(send_queue, "enqueue_send"):
        assert inbox_tasks.send_message(message.pk) == "UgxS.Ans1"
    message.refresh_from_db()
    conversation.refresh_from_db()
    assert message.send_status == SendStatus.ENVIADO
    assert message.platform_message_id == "UgxS.Ans1"
    assert message.counts_as_answer
    assert conversation.first_response_at is not None
    assert conversation.status == Status.RESPONDIDO


def test_a_long_backlog_is_read_over_several_runs(
    yt_account: SocialAccount, api: responses.RequestsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run reads at most MAX_PAGES_PER_RUN pages; the next run continues at the saved
    page, and since_id moves only when the backlog is done."""
    monkeypatch.setattr(youtube, "MAX_PAGES_PER_RUN", 1)
    add_threads(
        api,
        page([thread(comment("UgzB", "dos", published="2024-05-02T14:20:00Z"))], "tok2"),
        params=expected_params(),
    )
    first = youtube.poll_account(yt_account, now=NOW)
    cursor = PollCursor.objects.get(account=yt_account)
    assert (first.pages, cursor.since_id) == (1, "")
    assert cursor.page_token.endswith("|tok2")

    add_threads(
        api,
        page([thread(comment("UgzA", "uno", published="2024-05-01T10:00:00Z"))]),
        params=expected_params(pageToken="tok2"),
    )
    youtube.poll_account(yt_account, now=NOW + timedelta(minutes=5))
    cursor.refresh_from_db()
    assert datetime.fromisoformat(cursor.since_id) == datetime(2024, 5, 2, 14, 20, tzinfo=UTC)
    assert cursor.page_token == ""


# --- long threads: the replies commentThreads.list leaves out ----------------------------------


def replies_url() -> str:
    return f"{settings.YOUTUBE_API_URL}/comments"


def replies_params(parent_id: str, **extra: str) -> dict[str, str]:
    return {
        "part": "snippet",
        "parentId": parent_id,
        "maxResults": "100",
        "textFormat": "plainText",
        "key": API_KEY,
        **extra,
    }


def replies_page(items: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    """A comments.list response as documented (youtube#commentListResponse)."""
    body: dict[str, Any] = {
        "kind": "youtube#commentListResponse",
        "etag": "etag",
        "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
        "items": items,
    }
    if next_token:
        body["nextPageToken"] = next_token
    return body


def add_replies(
    api: responses.RequestsMock,
    body: dict[str, Any],
    *,
    params: dict[str, str],
    status: int = 200,
) -> None:
    """Like ``add_threads``, for ``comments.list``."""
    add_threads(api, body, params=params, status=status, url=replies_url())


def long_thread_replies() -> list[dict[str, Any]]:
    """Five replies to UgxL, the fourth written by the channel itself."""
    replies = [
        comment(
            f"UgxL.R{n}",
            f"Respuesta {n}",
            author=f"Persona {n}",
            author_channel=f"UCpersona{n}",
            published=f"2024-05-02T14:0{n}:00Z",
            parent_id="UgxL",
        )
        for n in range(1, 6)
    ]
    replies[3] = comment(
        "UgxL.R4",
        "Puede vacunarse en cualquier centro de salud.",
        author="Ministerio de Salud",
        author_channel=CHANNEL_ID,
        published="2024-05-02T14:04:00Z",
        parent_id="UgxL",
    )
    return replies


def long_thread(included: list[dict[str, Any]], total: int) -> dict[str, Any]:
    item = thread(comment("UgxL", "¿Dónde me vacuno?", published="2024-05-02T13:00:00Z"), included)
    item["snippet"]["totalReplyCount"] = total
    return item


def test_a_long_thread_is_completed_with_comments_list_across_pages(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    replies = long_thread_replies()
    add_threads(api, page([long_thread(replies[-2:], total=5)]), params=expected_params())
    add_replies(api, replies_page(replies[:3], "rtok2"), params=replies_params("UgxL"))
    add_replies(api, replies_page(replies[3:]), params=replies_params("UgxL", pageToken="rtok2"))

    result = youtube.poll_account(yt_account, now=NOW)

    assert (result.created, result.error) == (6, "")
    conv = Conversation.objects.get(account=yt_account, thread_id="UgxL")
    assert conv.message_count == 6
    assert set(conv.messages.values_list("platform_message_id", flat=True)) == {
        "UgxL",
        *(f"UgxL.R{n}" for n in range(1, 6)),
    }
    assert set(
        conv.messages.exclude(parent_platform_id="").values_list("parent_platform_id", flat=True)
    ) == {"UgxL"}
    assert Message.objects.get(platform_message_id="UgxL.R4").direction == Direction.SALIENTE
    assert conv.first_response_at == datetime(2024, 5, 2, 14, 4, tzinfo=UTC)
    assert conv.status == Status.ABIERTO  # R5 came after the answer
    cursor = PollCursor.objects.get(account=yt_account)
    assert datetime.fromisoformat(cursor.since_id) == datetime(2024, 5, 2, 14, 5, tzinfo=UTC)

    # The same thread again: every reply is stored already, comments.list is not called
    # (the strict mock would fail on an unregistered request).
    PollCursor.objects.filter(account=yt_account).update(since_id="")
    add_threads(api, page([long_thread(replies[-2:], total=5)]), params=expected_params())
    again = youtube.poll_account(yt_account, now=NOW + timedelta(minutes=5))
    assert (again.created, again.error) == (0, "")
    assert len([c for c in api.calls if "/comments?" in str(c.request.url)]) == 2


def test_a_thread_whose_replies_are_all_included_needs_no_comments_list(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    replies = long_thread_replies()
    add_threads(api, page([long_thread(replies, total=5)]), params=expected_params())
    assert youtube.poll_account(yt_account, now=NOW).created == 6
    assert len(api.calls) == 1


def test_quota_on_the_second_replies_page_loses_nothing(
    yt_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """The page is stored only with its whole threads: a quota stop while reading the
    replies stores nothing, keeps the cursor, and the next run reads the page again."""
    replies = long_thread_replies()
    add_threads(api, page([long_thread(replies[-2:], total=5)]), params=expected_params())
    add_replies(api, replies_page(replies[:3], "rtok2"), params=replies_params("UgxL"))
    add_replies(api, QUOTA, params=replies_params("UgxL", pageToken="rtok2"), status=403)

    stopped = youtube.poll_account(yt_account, now=NOW)

    assert stopped.error == ""
    assert stopped.waiting_until is not None  # the next Pacific midnight (real clock)
    assert not Message.objects.filter(platform="youtube").exists()
    cursor = PollCursor.objects.get(account=yt_account)
    assert (cursor.since_id, cursor.page_token) == ("", "")
    assert cursor.wait_until == stopped.waiting_until

    add_threads(api, page([long_thread(replies[-2:], total=5)]), params=expected_params())
    add_replies(api, replies_page(replies[:3], "rtok2"), params=replies_params("UgxL"))
    add_replies(api, replies_page(replies[3:]), params=replies_params("UgxL", pageToken="rtok2"))
    resumed = youtube.poll_account(yt_account, now=cursor.wait_until + timedelta(minutes=1))

    assert (resumed.created, resumed.error) == (6, "")
    assert Message.objects.filter(platform="youtube").count() == 6


# --- OAuth: renewing an expired access token ----------------------------------------------------

REFRESH = "1//0g-token-de-actualizacion"
NEW_TOKEN = "ya29.a0-token-renovado-XyZ9"


@pytest.fixture
def oauth_account(yt_account: SocialAccount, settings: Any) -> SocialAccount:
    settings.YOUTUBE_CLIENT_ID = "1234-abc.apps.googleusercontent.com"
    settings.YOUTUBE_CLIENT_SECRET = "GOCSPX-secreto"
    use_oauth(yt_account)
    AccountCredential.objects.filter(account=yt_account).update(hint=OAUTH[-4:])
    credential = AccountCredential.objects.get(account=yt_account)
    credential.refresh_token = REFRESH
    credential.refresh_hint = REFRESH[-4:]
    credential.save()
    return yt_account


def oauth_params(**extra: str) -> dict[str, str]:
    params = expected_params(**extra)
    del params["key"]
    return params


def add_oauth_threads(
    api: responses.RequestsMock,
    token: str,
    *,
    status: int = 200,
    body: dict[str, Any],
    params: dict[str, str] | None = None,
) -> None:
    api.add(
        responses.GET,
        threads_url(),
        json=body,
        status=status,
        match=[
            matchers.query_param_matcher(params or oauth_params()),
            matchers.header_matcher({"Authorization": f"Bearer {token}"}),
        ],
    )


EXPIRED = google_error(401, "authError", "Invalid Credentials", "global")


def add_token(api: responses.RequestsMock, *, status: int, body: dict[str, Any]) -> None:
    api.add(
        responses.POST,
        "https://oauth2.googleapis.com/token",
        json=body,
        status=status,
        match=[
            matchers.urlencoded_params_matcher(
                {
                    "client_id": "1234-abc.apps.googleusercontent.com",
                    "client_secret": "GOCSPX-secreto",
                    "refresh_token": REFRESH,
                    "grant_type": "refresh_token",
                }
            )
        ],
    )


def stored_secret_column(account: SocialAccount) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT secret FROM {AccountCredential._meta.db_table} WHERE account_id = %s",  # noqa: S608
            [account.pk],
        )
        return str(cursor.fetchone()[0])


def test_a_401_refreshes_the_token_stores_it_encrypted_and_retries_once(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_oauth_threads(api, OAUTH, status=401, body=EXPIRED)
    add_token(
        api,
        status=200,
        body={
            "access_token": NEW_TOKEN,
            "expires_in": 3599,
            "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
            "token_type": "Bearer",
        },
    )
    add_oauth_threads(api, NEW_TOKEN, body=page([thread(comment("UgxT", "¿Hay citas?"))]))

    before = timezone.now()
    result = youtube.poll_account(oauth_account, now=NOW)

    assert (result.created, result.error) == (1, "")
    assert "Authorization" not in api.calls[1].request.headers  # the old token stays home
    credential = AccountCredential.objects.get(account=oauth_account)
    assert credential.secret == NEW_TOKEN
    assert credential.hint == NEW_TOKEN[-4:]
    assert credential.refresh_token == REFRESH
    assert credential.expires_at is not None
    assert before + timedelta(seconds=3598) <= credential.expires_at
    assert credential.expires_at <= timezone.now() + timedelta(seconds=3600)
    raw = stored_secret_column(oauth_account)
    assert NEW_TOKEN not in raw and raw != NEW_TOKEN
    event = AuditEvent.objects.get(verb="credencial.renovada")
    assert NEW_TOKEN not in str(event.after) and OAUTH not in str(event.before)


def test_invalid_grant_asks_to_reconnect_and_changes_nothing(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_oauth_threads(api, OAUTH, status=401, body=EXPIRED)
    add_token(
        api,
        status=400,
        body={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    credential_before = AccountCredential.objects.get(account=oauth_account)
    raw_before = stored_secret_column(oauth_account)

    result = youtube.poll_account(oauth_account, now=NOW)

    assert "Vuelva a conectar la cuenta" in result.error
    assert "invalid_grant" in result.error
    assert len(api.calls) == 2  # no retry with the same dead token
    credential = AccountCredential.objects.get(account=oauth_account)
    assert (credential.secret, credential.hint, credential.expires_at) == (
        OAUTH,
        credential_before.hint,
        None,
    )
    assert stored_secret_column(oauth_account) == raw_before
    assert not AuditEvent.objects.filter(verb="credencial.renovada").exists()
    cursor = PollCursor.objects.get(account=oauth_account)
    assert "Vuelva a conectar" in cursor.last_error
    assert (cursor.since_id, cursor.page_token) == ("", "")
    assert not Message.objects.filter(platform="youtube").exists()


def test_invalid_grant_in_the_middle_of_a_run_keeps_its_place(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """Google's 400 on the token endpoint is not an expired page token: the run is not
    restarted from the top (no wasted calls) and resumes at its page once reconnected."""
    state = "2024-05-01T10:00:00+00:00|QURTSl9pNVk"
    PollCursor.objects.create(account=oauth_account, page_token=state)
    add_oauth_threads(
        api, OAUTH, status=401, body=EXPIRED, params=oauth_params(pageToken="QURTSl9pNVk")
    )
    add_token(api, status=400, body={"error": "invalid_grant"})
    result = youtube.poll_account(oauth_account, now=NOW)
    assert "Vuelva a conectar la cuenta" in result.error
    assert len(api.calls) == 2
    assert PollCursor.objects.get(account=oauth_account).page_token == state


def test_a_second_401_after_refreshing_is_not_retried_again(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_oauth_threads(api, OAUTH, status=401, body=EXPIRED)
    add_token(api, status=200, body={"access_token": NEW_TOKEN, "expires_in": 3599})
    add_oauth_threads(api, NEW_TOKEN, status=401, body=EXPIRED)
    result = youtube.poll_account(oauth_account, now=NOW)
    assert "401" in result.error
    assert len(api.calls) == 3


def test_without_client_settings_a_401_is_only_recorded(
    oauth_account: SocialAccount, api: responses.RequestsMock, settings: Any
) -> None:
    settings.YOUTUBE_CLIENT_SECRET = ""
    add_oauth_threads(api, OAUTH, status=401, body=EXPIRED)
    result = youtube.poll_account(oauth_account, now=NOW)
    assert "401" in result.error
    assert AccountCredential.objects.get(account=oauth_account).secret == OAUTH


def test_an_answer_sent_with_an_expired_token_is_sent_after_refreshing(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    conv_message = inbox.messages_ingest(
        batch=[
            inbox.IncomingMessage(
                platform="youtube",
                account_id=oauth_account.pk,
                thread_kind=ThreadKind.COMMENTS,
                thread_id="UgxS",
                message_id="UgxS",
                sent_at=datetime(2024, 5, 2, 14, 0, tzinfo=UTC),
                text="¿Atienden los sábados?",
                author_id="UCP22MyBntbNASpmy3aC4sdw",
            )
        ]
    )
    assert conv_message.created == 1
    conversation = Conversation.objects.get(account=oauth_account, thread_id="UgxS")
    message = Message(conversation=conversation, text="Sí, de 8 a 13 h.")
    api.add(
        responses.POST,
        replies_url(),
        json=EXPIRED,
        status=401,
        match=[matchers.header_matcher({"Authorization": f"Bearer {OAUTH}"})],
    )
    add_token(api, status=200, body={"access_token": NEW_TOKEN, "expires_in": 3599})
    api.add(
        responses.POST,
        replies_url(),
        json={"kind": "youtube#comment", "id": "UgxS.AgoraRespuesta"},
        match=[
            matchers.header_matcher({"Authorization": f"Bearer {NEW_TOKEN}"}),
            matchers.json_params_matcher(
                {"snippet": {"parentId": "UgxS", "textOriginal": "Sí, de 8 a 13 h."}}
            ),
        ],
    )
    assert youtube.send_reply(message) == "UgxS.AgoraRespuesta"


def test_a_token_known_to_be_expired_is_renewed_before_the_call(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    AccountCredential.objects.filter(account=oauth_account).update(
        expires_at=timezone.now() - timedelta(minutes=5)
    )
    add_token(api, status=200, body={"access_token": NEW_TOKEN, "expires_in": 3599})
    add_oauth_threads(api, NEW_TOKEN, body=page([]))
    assert youtube.poll_account(oauth_account, now=NOW).error == ""
    assert len(api.calls) == 2  # no 401 spent
    credential = AccountCredential.objects.get(account=oauth_account)
    assert credential.secret == NEW_TOKEN
    assert credential.expires_at is not None and credential.expires_at > timezone.now()


def test_a_token_still_valid_is_used_as_is(
    oauth_account: SocialAccount, api: responses.RequestsMock
) -> None:
    AccountCredential.objects.filter(account=oauth_account).update(
        expires_at=timezone.now() + timedelta(minutes=30)
    )
    add_oauth_threads(api, OAUTH, body=page([]))
    assert youtube.poll_account(oauth_account, now=NOW).error == ""
    assert len(api.calls) == 1
