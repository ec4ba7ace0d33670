"""The X connector against the documented API v2 shapes (served by ``responses``): polling
mentions with since_id/pagination_token, rate limits, answers by the entity's own account,
and replies sent with ``reply.in_reply_to_tweet_id``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
import requests
import responses
from django.conf import settings
from django_q.models import Schedule
from responses import matchers

from agora.connectors import tasks as connector_tasks
from agora.connectors import x
from agora.connectors.models import AccountCredential, CredentialKind, PollCursor
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, SocialAccount
from agora.inbox import send_queue
from agora.inbox import services as inbox
from agora.inbox import tasks as inbox_tasks
from agora.inbox.models import Conversation, Direction, Message, SendStatus, Status, ThreadKind
from agora.inbox.senders import SendError

ENTITY_USER_ID = "1240392157542305793"
TOKEN = "token-de-usuario-x"
NOW = datetime(2024, 5, 2, 15, 0, tzinfo=UTC)


def mentions_url(user_id: str = ENTITY_USER_ID) -> str:
    return f"{settings.X_API_URL}/users/{user_id}/mentions"


def expected_params(**extra: str) -> dict[str, str]:
    return {
        "max_results": "100",
        "expansions": x.EXPANSIONS,
        "tweet.fields": x.TWEET_FIELDS,
        "user.fields": "name,username",
        "media.fields": x.MEDIA_FIELDS,
        **extra,
    }


def tweet(
    tweet_id: str,
    text: str,
    author_id: str = "2244994945",
    *,
    conversation_id: str | None = None,
    created_at: str = "2024-05-02T14:00:00.000Z",
    replied_to: str | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": author_id,
        "conversation_id": conversation_id or tweet_id,
        "created_at": created_at,
        "edit_history_tweet_ids": [tweet_id],
    }
    if replied_to:
        data["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
    return data


USERS = [
    {"id": "2244994945", "name": "Rosa Quispe", "username": "rosaq"},
    {"id": "783214", "name": "Juan Pérez", "username": "juanp"},
    {"id": ENTITY_USER_ID, "name": "Ministerio de Salud", "username": "Minsa_Peru"},
]


def page(tweets: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    """A mentions page as documented: data, includes.users, meta."""
    if not tweets:
        return {"meta": {"result_count": 0}}
    authors = {t["author_id"] for t in tweets}
    meta: dict[str, Any] = {
        "newest_id": tweets[0]["id"],
        "oldest_id": tweets[-1]["id"],
        "result_count": len(tweets),
    }
    if next_token:
        meta["next_token"] = next_token
    return {
        "data": tweets,
        "includes": {"users": [u for u in USERS if u["id"] in authors]},
        "meta": meta,
    }


def limits(remaining: int = 449, reset: datetime | None = None) -> dict[str, str]:
    reset = reset or NOW + timedelta(minutes=15)
    return {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(int(reset.timestamp())),
    }


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Every request must match a registered response, and every response must be used."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mocked:
        yield mocked


@pytest.fixture
def x_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entities["minsa"],
        platform="x",
        handle="@Minsa_Peru",
        platform_id=ENTITY_USER_ID,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    AccountCredential.objects.create(
        account=account, kind=CredentialKind.BEARER, secret=TOKEN, hint=TOKEN[-4:]
    )
    return account


def add_mentions(
    api: responses.RequestsMock,
    body: dict[str, Any],
    *,
    params: dict[str, str],
    status: int = 200,
    headers: dict[str, str] | None = None,
    url: str = "",
) -> None:
    api.add(
        responses.GET,
        url or mentions_url(),
        json=body,
        status=status,
        headers=headers if headers is not None else limits(),
        match=[
            matchers.query_param_matcher(params),
            matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
        ],
    )


# --- parsing -----------------------------------------------------------------------------------


def test_parse_mentions_maps_the_documented_shape(x_account: SocialAccount) -> None:
    """Thread = conversation_id, author from includes.users, parent from referenced_tweets,
    and the account's own post is marked as the entity's."""
    body = page(
        [
            tweet(
                "1790000000000000003",
                "Les respondemos por DM",
                ENTITY_USER_ID,
                conversation_id="1790000000000000001",
                created_at="2024-05-02T14:10:00.000Z",
                replied_to="1790000000000000001",
            ),
            tweet("1790000000000000001", "@Minsa_Peru ¿dónde me vacuno?"),
        ]
    )
    citizen, own = x.parse_mentions(body, x_account)
    assert citizen.thread_kind == ThreadKind.MENTION
    assert citizen.thread_id == "1790000000000000001"
    assert citizen.message_id == "1790000000000000001"
    assert citizen.author_id == "2244994945"
    assert citizen.author_name == "Rosa Quispe (@rosaq)"
    assert citizen.sent_at == datetime(2024, 5, 2, 14, 0, tzinfo=UTC)
    assert citizen.from_entity is False
    assert own.from_entity is True
    assert own.thread_id == "1790000000000000001"
    assert own.parent_id == "1790000000000000001"


def test_parse_mentions_of_an_empty_page_is_empty(x_account: SocialAccount) -> None:
    assert x.parse_mentions({"meta": {"result_count": 0}}, x_account) == []


# --- polling -----------------------------------------------------------------------------------


def test_poll_follows_pagination_and_moves_since_id_only_at_the_end(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """Three pages: since_id is sent on each, next_token becomes pagination_token, and the
    cursor ends at the newest id of the run with no pending page."""
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    add_mentions(
        api,
        page(
            [tweet("1790000000000000006", "seis"), tweet("1790000000000000005", "cinco")],
            next_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
        ),
        params=expected_params(since_id="1780000000000000000"),
    )
    add_mentions(
        api,
        page(
            [tweet("1790000000000000004", "cuatro"), tweet("1790000000000000003", "tres")],
            next_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5j",
        ),
        params=expected_params(
            since_id="1780000000000000000",
            pagination_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
        ),
    )
    add_mentions(
        api,
        page([tweet("1790000000000000002", "dos", "783214")]),
        params=expected_params(
            since_id="1780000000000000000",
            pagination_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5j",
        ),
    )

    result = x.poll_mentions(x_account, now=NOW)

    assert (result.pages, result.created, result.error) == (3, 5, "")
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.since_id == "1790000000000000006"
    assert cursor.page_token == ""
    assert cursor.last_polled_at == NOW
    assert Message.objects.filter(platform="x", direction=Direction.ENTRANTE).count() == 5
    assert Conversation.objects.filter(account=x_account).count() == 5


def test_polling_the_same_pages_again_adds_nothing(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    body = page(
        [
            tweet(
                "1790000000000000002",
                "¿Hay citas?",
                conversation_id="1790000000000000001",
                replied_to="1790000000000000001",
            ),
            tweet("1790000000000000001", "@Minsa_Peru hola"),
        ]
    )
    add_mentions(api, body, params=expected_params())
    add_mentions(api, body, params=expected_params())

    first = x.poll_mentions(x_account, now=NOW)
    PollCursor.objects.filter(account=x_account).update(since_id="")  # replay the same page
    second = x.poll_mentions(x_account, now=NOW)

    assert first.created == 2
    assert (second.created, second.unchanged) == (0, 2)
    assert Message.objects.filter(platform="x").count() == 2
    conv = Conversation.objects.get(account=x_account)
    assert conv.message_count == 2


def test_no_new_mentions_keeps_the_cursor(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    PollCursor.objects.create(account=x_account, since_id="1790000000000000009")
    add_mentions(api, page([]), params=expected_params(since_id="1790000000000000009"))
    result = x.poll_mentions(x_account, now=NOW)
    assert (result.pages, result.created) == (1, 0)
    assert PollCursor.objects.get(account=x_account).since_id == "1790000000000000009"


def test_rate_limit_remaining_zero_stops_and_the_run_resumes_after_reset(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """With x-rate-limit-remaining 0 no further request is made; wait_until comes from
    x-rate-limit-reset; later the run resumes at the saved page and only then moves
    since_id to the newest id of the whole run."""
    reset = NOW + timedelta(minutes=12)
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    add_mentions(
        api,
        page([tweet("1790000000000000009", "nueve")], next_token="b26v89c19zqg8o3fpds"),
        params=expected_params(since_id="1780000000000000000"),
        headers=limits(remaining=0, reset=reset),
    )

    result = x.poll_mentions(x_account, now=NOW)

    assert result.waiting_until == reset
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.wait_until == reset
    assert cursor.since_id == "1780000000000000000"  # the run is not finished
    assert cursor.page_token.endswith("b26v89c19zqg8o3fpds")
    assert len(api.calls) == 1

    # Still inside the window: the account is skipped without calling X.
    skipped = x.poll_mentions(x_account, now=NOW + timedelta(minutes=5))
    assert skipped.skipped and len(api.calls) == 1

    add_mentions(
        api,
        page([tweet("1790000000000000008", "ocho")]),
        params=expected_params(
            since_id="1780000000000000000", pagination_token="b26v89c19zqg8o3fpds"
        ),
    )
    resumed = x.poll_mentions(x_account, now=reset + timedelta(seconds=1))

    assert (resumed.pages, resumed.created) == (1, 1)
    cursor.refresh_from_db()
    assert cursor.since_id == "1790000000000000009"
    assert cursor.page_token == ""
    assert Message.objects.filter(platform="x").count() == 2


def test_429_sets_wait_until_and_stops_without_error(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    reset = NOW + timedelta(minutes=9)
    add_mentions(
        api,
        {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        params=expected_params(),
        status=429,
        headers=limits(remaining=0, reset=reset),
    )

    result = x.poll_mentions(x_account, now=NOW)

    assert result.error == ""
    assert result.waiting_until == reset
    cursor = PollCursor.objects.get(account=x_account)
    assert (cursor.wait_until, cursor.last_error, cursor.since_id) == (reset, "", "")
    assert len(api.calls) == 1


def test_a_server_error_is_recorded_and_nothing_moves(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    add_mentions(
        api,
        {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503},
        params=expected_params(since_id="1780000000000000000"),
        status=503,
    )
    result = x.poll_mentions(x_account, now=NOW)
    cursor = PollCursor.objects.get(account=x_account)
    assert "503" in result.error
    assert "503" in cursor.last_error
    assert (cursor.since_id, cursor.page_token, cursor.wait_until) == (
        "1780000000000000000",
        "",
        None,
    )


def test_an_expired_pagination_token_restarts_the_run(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    PollCursor.objects.create(
        account=x_account,
        since_id="1780000000000000000",
        page_token="1790000000000000009:caducado",
    )
    add_mentions(
        api,
        {"title": "Invalid Request", "detail": "Invalid pagination_token", "status": 400},
        params=expected_params(since_id="1780000000000000000", pagination_token="caducado"),
        status=400,
    )
    add_mentions(
        api,
        page([tweet("1790000000000000009", "nueve")]),
        params=expected_params(since_id="1780000000000000000"),
    )
    result = x.poll_mentions(x_account, now=NOW)
    assert (result.created, result.error) == (1, "")
    cursor = PollCursor.objects.get(account=x_account)
    assert (cursor.since_id, cursor.page_token) == ("1790000000000000009", "")


def test_the_entitys_own_post_counts_as_the_answer(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_mentions(
        api,
        page(
            [
                tweet(
                    "1790000000000000002",
                    "@rosaq Puede vacunarse en cualquier centro de salud.",
                    ENTITY_USER_ID,
                    conversation_id="1790000000000000001",
                    created_at="2024-05-02T14:30:00.000Z",
                    replied_to="1790000000000000001",
                ),
                tweet("1790000000000000001", "@Minsa_Peru ¿dónde me vacuno?"),
            ]
        ),
        params=expected_params(),
    )
    x.poll_mentions(x_account, now=NOW)

    conv = Conversation.objects.get(account=x_account, thread_id="1790000000000000001")
    assert conv.first_response_at == datetime(2024, 5, 2, 14, 30, tzinfo=UTC)
    assert conv.status == Status.RESPONDIDO
    assert conv.author_name == "Rosa Quispe (@rosaq)"
    answer = Message.objects.get(platform_message_id="1790000000000000002")
    assert answer.direction == Direction.SALIENTE
    assert answer.counts_as_answer


def test_an_account_without_credential_records_the_error(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    AccountCredential.objects.filter(account=x_account).delete()
    result = x.poll_mentions(x_account, now=NOW)
    assert "credencial" in result.error
    assert len(api.calls) == 0


# --- sending -----------------------------------------------------------------------------------


@pytest.fixture
def conversation(x_account: SocialAccount) -> Conversation:
    inbox.messages_ingest(
        batch=[
            inbox.IncomingMessage(
                platform="x",
                account_id=x_account.pk,
                thread_kind=ThreadKind.MENTION,
                thread_id="1790000000000000001",
                message_id="1790000000000000001",
                sent_at=datetime(2024, 5, 2, 14, 0, tzinfo=UTC),
                text="@Minsa_Peru ¿dónde me vacuno?",
                author_id="2244994945",
                author_name="Rosa Quispe (@rosaq)",
            ),
            inbox.IncomingMessage(
                platform="x",
                account_id=x_account.pk,
                thread_kind=ThreadKind.MENTION,
                thread_id="1790000000000000001",
                message_id="1790000000000000002",
                sent_at=datetime(2024, 5, 2, 14, 5, tzinfo=UTC),
                text="@Minsa_Peru ¿y los sábados?",
                author_id="2244994945",
                author_name="Rosa Quispe (@rosaq)",
                parent_id="1790000000000000001",
            ),
        ]
    )
    return Conversation.objects.get(account=x_account)


def add_reply(
    api: responses.RequestsMock,
    *,
    text: str,
    in_reply_to: str,
    status: int = 201,
    body: dict[str, Any] | Exception | None = None,
) -> None:
    kwargs: dict[str, Any] = {"status": status}
    if isinstance(body, Exception):
        kwargs = {"body": body}
    else:
        kwargs["json"] = (
            body if body is not None else {"data": {"id": "1790000000000000099", "text": text}}
        )
    api.add(
        responses.POST,
        f"{settings.X_API_URL}/tweets",
        match=[
            matchers.json_params_matcher(
                {"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to}}
            ),
            matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
        ],
        **kwargs,
    )


def answer(conversation: Conversation, author: User, body: str) -> Message:
    with mock.patch.object(send_queue, "enqueue_send"):
        return inbox.message_answer(conversation=conversation, author=author, body=body)


def test_send_reply_posts_to_the_latest_citizen_post(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    message = answer(conversation, manager, "Sí, también los sábados.")
    add_reply(api, text="Sí, también los sábados.", in_reply_to="1790000000000000002")
    assert x.send_reply(message) == "1790000000000000099"


def test_send_reply_falls_back_to_the_conversation(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    message = answer(conversation, manager, "Gracias por escribirnos.")
    Message.objects.filter(pk=message.pk).update(parent_platform_id="")
    message.refresh_from_db()
    add_reply(api, text="Gracias por escribirnos.", in_reply_to="1790000000000000001")
    assert x.send_reply(message) == "1790000000000000099"


def test_an_answer_to_an_x_direct_message_is_never_posted_in_public(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    """X direct messages are not sent by Ágora yet: a reply to the DM's id would be a public
    post, so the send is refused (nothing reaches X) and the reply box says so beforehand."""
    from agora.connectors.selectors import conversation_send_readiness
    from agora.inbox.senders import SendError

    Conversation.objects.filter(pk=conversation.pk).update(thread_kind=ThreadKind.DIRECT)
    conversation.refresh_from_db()
    readiness = conversation_send_readiness(conversation)
    assert not readiness.ready and not readiness.token
    assert "mensajes directos de X" in readiness.reason
    message = answer(conversation, manager, "Le escribimos por privado.")
    with pytest.raises(SendError) as refused:
        x.send_reply(message)
    assert refused.value.permanent
    assert "No se publicó nada" in str(refused.value)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (500, {"title": "Internal Server Error"}, False),
        (503, {"title": "Service Unavailable"}, False),
        (429, {"errors": [{"code": 88, "message": "Rate limit exceeded"}]}, False),
        (401, {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, True),
        (
            403,
            {
                "title": "Forbidden",
                "detail": "You are not permitted to perform this action.",
                "status": 403,
            },
            True,
        ),
        (400, {"errors": [{"message": "Invalid text"}], "title": "Invalid Request"}, True),
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
    add_reply(api, text="Respuesta", in_reply_to="1790000000000000002", status=status, body=body)
    with pytest.raises(SendError) as caught:
        x.send_reply(message)
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
    add_reply(api, text="Respuesta", in_reply_to="1790000000000000002", body=failure)
    with pytest.raises(SendError) as caught:
        x.send_reply(message)
    assert caught.value.permanent is False


def test_an_answer_survives_a_500_and_counts_once_sent(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    """message_answer then send_message: on 500 the answer stays pending with the error and
    does not count; the retry succeeds and then it counts."""
    message = answer(conversation, manager, "Atendemos de lunes a sábado.")
    add_reply(
        api,
        text="Atendemos de lunes a sábado.",
        in_reply_to="1790000000000000002",
        status=500,
        body={"title": "Internal Server Error"},
    )
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert inbox_tasks.send_message(message.pk) == "error"
    enqueue.assert_called_once_with(message.pk, inbox_tasks.BACKOFF_SECONDS)
    message.refresh_from_db()
    conversation.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE
    assert "500" in message.send_error
    assert message.send_attempts == 1
    assert not message.counts_as_answer
    assert conversation.first_response_at is None

    add_reply(api, text="Atendemos de lunes a sábado.", in_reply_to="1790000000000000002")
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert inbox_tasks.send_message(message.pk) == "1790000000000000099"
    enqueue.assert_not_called()
    message.refresh_from_db()
    conversation.refresh_from_db()
    assert message.send_status == SendStatus.ENVIADO
    assert message.platform_message_id == "1790000000000000099"
    assert message.counts_as_answer
    assert conversation.first_response_at is not None
    assert conversation.status == Status.RESPONDIDO


def test_a_permanent_refusal_marks_the_answer_failed_without_retry(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    message = answer(conversation, manager, "Respuesta")
    add_reply(
        api,
        text="Respuesta",
        in_reply_to="1790000000000000002",
        status=403,
        body={"title": "Forbidden", "detail": "Forbidden", "status": 403},
    )
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        inbox_tasks.send_message(message.pk)
    enqueue.assert_not_called()
    message.refresh_from_db()
    assert message.send_status == SendStatus.FALLIDO
    assert Message.objects.filter(pk=message.pk).exists()  # kept, with its error


def test_a_polled_echo_of_a_sent_answer_is_not_duplicated(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    message = answer(conversation, manager, "Atendemos de lunes a sábado.")
    add_reply(api, text="Atendemos de lunes a sábado.", in_reply_to="1790000000000000002")
    with mock.patch.object(send_queue, "enqueue_send"):
        inbox_tasks.send_message(message.pk)
    add_mentions(
        api,
        page(
            [
                tweet(
                    "1790000000000000099",
                    "Atendemos de lunes a sábado.",
                    ENTITY_USER_ID,
                    conversation_id="1790000000000000001",
                    created_at="2024-05-02T14:40:00.000Z",
                )
            ]
        ),
        params=expected_params(),
    )
    result = x.poll_mentions(x_account_of(conversation), now=NOW)
    assert (result.created, result.unchanged) == (0, 1)
    assert conversation.messages.filter(direction=Direction.SALIENTE).count() == 1


def x_account_of(conversation: Conversation) -> SocialAccount:
    return SocialAccount.objects.get(pk=conversation.account_id)


# --- background jobs ---------------------------------------------------------------------------


def test_poll_all_queues_ready_accounts_only(
    x_account: SocialAccount, rector: User, entities: dict[str, Entity]
) -> None:
    """Verified X/YouTube accounts with a credential and not waiting; one job each."""
    waiting = directory.account_verify(
        actor=rector,
        account=directory.account_propose(
            actor=rector,
            entity=entities["sunat"],
            platform="x",
            handle="@SUNAT",
            platform_id="555",
            evidence="https://www.gob.pe/sunat",
        ),
    )
    AccountCredential.objects.create(account=waiting, kind=CredentialKind.BEARER, secret="t")
    PollCursor.objects.create(account=waiting, wait_until=datetime.now(UTC) + timedelta(hours=1))
    # Without a credential, and a verified account on another platform: not polled.
    directory.account_verify(
        actor=rector,
        account=directory.account_propose(
            actor=rector,
            entity=entities["mef"],
            platform="x",
            handle="@MEFperu",
            platform_id="777",
            evidence="https://www.gob.pe/mef",
        ),
    )
    with mock.patch.object(connector_tasks, "async_task") as queue:
        assert connector_tasks.poll_all() == 1
    queue.assert_called_once_with(
        "agora.connectors.tasks.poll_account_task", x_account.pk, group="conectores"
    )


def test_poll_account_task_polls_through_the_platform_module(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    add_mentions(api, page([tweet("1790000000000000001", "hola")]), params=expected_params())
    add_own(api, page([]), params=own_params())
    summary = connector_tasks.poll_account_task(x_account.pk)
    assert "1 nuevos" in summary
    assert connector_tasks.poll_account_task(999_999) == "cuenta no disponible"


def test_schedules_ensure_is_idempotent(db: None) -> None:
    connector_tasks.schedules_ensure()
    connector_tasks.schedules_ensure()
    schedule = Schedule.objects.get(name="conectores-consulta")
    assert schedule.func == "agora.connectors.tasks.poll_all"
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 5)


# --- the entity's own replies, posted directly on X ---------------------------------------------


def tweets_url(user_id: str = ENTITY_USER_ID) -> str:
    return f"{settings.X_API_URL}/users/{user_id}/tweets"


def own_params(**extra: str) -> dict[str, str]:
    return {
        "max_results": "100",
        "exclude": "retweets",
        "tweet.fields": (
            "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets"
        ),
        **extra,
    }


def own_tweet(
    tweet_id: str,
    text: str,
    *,
    conversation_id: str,
    replied_to: str | None = None,
    in_reply_to_user_id: str = "2244994945",
    created_at: str = "2024-05-02T14:30:00.000Z",
) -> dict[str, Any]:
    """A post of the account's own timeline as documented (GET /2/users/:id/tweets)."""
    data = tweet(
        tweet_id,
        text,
        ENTITY_USER_ID,
        conversation_id=conversation_id,
        created_at=created_at,
        replied_to=replied_to,
    )
    if replied_to:
        data["in_reply_to_user_id"] = in_reply_to_user_id
    return data


def add_own(
    api: responses.RequestsMock,
    body: dict[str, Any],
    *,
    params: dict[str, str],
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> None:
    """Like ``add_mentions``, for the account's own posts."""
    add_mentions(api, body, params=params, status=status, headers=headers, url=tweets_url())


CITIZEN_MENTION = tweet("1790000000000000001", "@Minsa_Peru ¿dónde me vacuno?")
OWN_REPLY = own_tweet(
    "1790000000000000005",
    "@rosaq En cualquier centro de salud, de lunes a sábado.",
    conversation_id="1790000000000000001",
    replied_to="1790000000000000001",
)


def test_own_replies_on_x_are_the_entitys_answers_and_stop_the_clock(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """Mentions first, then the own timeline: the reply lands in the thread it answers as an
    outbound answer; original posts, quotes, replies to its own posts and replies in threads
    Ágora never saw are left out. Each stream keeps its own since_id."""
    add_mentions(api, page([CITIZEN_MENTION]), params=expected_params())
    timeline = page(
        [
            tweet(
                "1790000000000000009", "Campaña de vacunación: del 1 al 31 de mayo", ENTITY_USER_ID
            ),
            own_tweet(
                "1790000000000000008",
                "2/ Lleve su DNI.",
                conversation_id="1790000000000000007",
                replied_to="1790000000000000007",
                in_reply_to_user_id=ENTITY_USER_ID,
            ),
            own_tweet(
                "1790000000000000006",
                "@juanp Escríbanos por DM.",
                conversation_id="1780000000000000001",
                replied_to="1780000000000000001",
                in_reply_to_user_id="783214",
                created_at="2024-05-02T13:30:00.000Z",  # older than REPLY_GRACE
            ),
            OWN_REPLY,
        ]
    )
    add_own(api, timeline, params=own_params())

    before = Conversation.objects.count()
    result = x.poll_account(x_account, now=NOW)

    assert (result.pages, result.created, result.error) == (2, 2, "")
    assert Conversation.objects.count() == before + 1  # no conversation for an unknown thread
    conv = Conversation.objects.get(account=x_account, thread_id="1790000000000000001")
    assert conv.status == Status.RESPONDIDO
    assert conv.first_response_at == datetime(2024, 5, 2, 14, 30, tzinfo=UTC)
    assert conv.awaiting_since is None
    assert conv.due_at is None
    answer_message = Message.objects.get(platform="x", platform_message_id="1790000000000000005")
    assert answer_message.conversation_id == conv.pk
    assert answer_message.direction == Direction.SALIENTE
    assert answer_message.counts_as_answer
    assert answer_message.parent_platform_id == "1790000000000000001"
    assert answer_message.author_user_id is None
    assert not Message.objects.filter(
        platform_message_id__in=[
            "1790000000000000009",
            "1790000000000000008",
            "1790000000000000006",
        ]
    ).exists()
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.since_id == "1790000000000000001"
    assert (cursor.replies_since_id, cursor.replies_page_token) == ("1790000000000000009", "")


def test_own_replies_resume_from_their_own_since_id_and_a_replay_changes_nothing(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    add_mentions(
        api, page([CITIZEN_MENTION]), params=expected_params(since_id="1780000000000000000")
    )
    add_own(api, page([OWN_REPLY]), params=own_params())
    x.poll_account(x_account, now=NOW)
    conv = Conversation.objects.get(account=x_account)
    snapshot = (conv.status, conv.first_response_at, conv.message_count)

    # The same timeline page again (as after a lost cursor): nothing new, nothing moves.
    PollCursor.objects.filter(account=x_account).update(replies_since_id="")
    add_own(api, page([OWN_REPLY]), params=own_params())
    replay = x.poll_own_replies(x_account, now=NOW + timedelta(minutes=5))
    assert (replay.created, replay.unchanged, replay.error) == (0, 1, "")
    conv.refresh_from_db()
    assert (conv.status, conv.first_response_at, conv.message_count) == snapshot
    assert Message.objects.filter(platform="x").count() == 2

    # The next poll asks only for posts newer than the newest one read.
    add_mentions(api, page([]), params=expected_params(since_id="1790000000000000001"))
    add_own(api, page([]), params=own_params(since_id="1790000000000000005"))
    later = x.poll_account(x_account, now=NOW + timedelta(minutes=10))
    assert (later.pages, later.created) == (2, 0)


def test_an_answer_sent_from_agora_coming_back_from_the_timeline_is_not_duplicated(
    conversation: Conversation, manager: User, api: responses.RequestsMock
) -> None:
    message = answer(conversation, manager, "Atendemos de lunes a sábado.")
    add_reply(api, text="Atendemos de lunes a sábado.", in_reply_to="1790000000000000002")
    with mock.patch.object(send_queue, "enqueue_send"):
        inbox_tasks.send_message(message.pk)
    conversation.refresh_from_db()
    snapshot = (conversation.status, conversation.first_response_at, conversation.message_count)
    add_own(
        api,
        page(
            [
                own_tweet(
                    "1790000000000000099",
                    "Atendemos de lunes a sábado.",
                    conversation_id="1790000000000000001",
                    replied_to="1790000000000000002",
                    created_at="2024-05-02T14:40:00.000Z",
                )
            ]
        ),
        params=own_params(),
    )
    result = x.poll_own_replies(x_account_of(conversation), now=NOW)
    assert (result.created, result.unchanged) == (0, 1)
    assert conversation.messages.filter(direction=Direction.SALIENTE).count() == 1
    conversation.refresh_from_db()
    assert (
        conversation.status,
        conversation.first_response_at,
        conversation.message_count,
    ) == snapshot


def test_a_429_on_the_second_own_page_loses_nothing_and_resumes_after_reset(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """The own timeline has its own rate-limit window: mentions keep being read while it
    waits, and the interrupted run resumes at the saved page with the same since_id."""
    inbox.messages_ingest(
        batch=[
            inbox.IncomingMessage(
                platform="x",
                account_id=x_account.pk,
                thread_kind=ThreadKind.MENTION,
                thread_id=thread_id,
                message_id=thread_id,
                sent_at=datetime(2024, 5, 2, 14, 0, tzinfo=UTC),
                text="@Minsa_Peru consulta",
                author_id="2244994945",
            )
            for thread_id in ("1790000000000000001", "1790000000000000002")
        ]
    )
    PollCursor.objects.create(
        account=x_account, since_id="1790000000000000002", replies_since_id="1780000000000000000"
    )
    reset = NOW + timedelta(minutes=15)
    add_mentions(api, page([]), params=expected_params(since_id="1790000000000000002"))
    add_own(
        api,
        page(
            [
                own_tweet(
                    "1790000000000000012",
                    "@rosaq Respuesta dos",
                    conversation_id="1790000000000000002",
                    replied_to="1790000000000000002",
                )
            ],
            next_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
        ),
        params=own_params(since_id="1780000000000000000"),
    )
    add_own(
        api,
        {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        params=own_params(
            since_id="1780000000000000000",
            pagination_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
        ),
        status=429,
        headers=limits(remaining=0, reset=reset),
    )

    first = x.poll_account(x_account, now=NOW)

    assert (first.created, first.error, first.waiting_until) == (1, "", reset)
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.replies_wait_until == reset
    assert cursor.wait_until is None  # mentions are not held back
    assert cursor.replies_since_id == "1780000000000000000"  # the run is not finished
    assert cursor.replies_page_token.endswith("7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i")

    # Inside the window: mentions are read, the own timeline is not called.
    add_mentions(api, page([]), params=expected_params(since_id="1790000000000000002"))
    waiting = x.poll_account(x_account, now=NOW + timedelta(minutes=5))
    assert waiting.waiting_until == reset
    assert len([c for c in api.calls if "/tweets" in str(c.request.url)]) == 2

    add_mentions(api, page([]), params=expected_params(since_id="1790000000000000002"))
    add_own(
        api,
        page(
            [
                own_tweet(
                    "1790000000000000011",
                    "@rosaq Respuesta uno",
                    conversation_id="1790000000000000001",
                    replied_to="1790000000000000001",
                )
            ]
        ),
        params=own_params(
            since_id="1780000000000000000",
            pagination_token="7140dibdnow9c7btw3w29grvxfcgvpb9n9coehpk7xz5i",
        ),
    )
    resumed = x.poll_account(x_account, now=reset + timedelta(seconds=1))

    assert (resumed.created, resumed.error) == (1, "")
    cursor.refresh_from_db()
    assert (cursor.replies_since_id, cursor.replies_page_token) == ("1790000000000000012", "")
    for thread_id in ("1790000000000000001", "1790000000000000002"):
        conv = Conversation.objects.get(account=x_account, thread_id=thread_id)
        assert conv.status == Status.RESPONDIDO


def test_own_replies_wait_for_an_unfinished_mentions_run(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """While mentions are rate-limited the own timeline is not read: an answer must not be
    stored before the citizen post it answers."""
    add_mentions(
        api,
        {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        params=expected_params(),
        status=429,
        headers=limits(remaining=0),
    )
    result = x.poll_account(x_account, now=NOW)
    assert result.waiting_until is not None
    assert not [c for c in api.calls if "/tweets" in str(c.request.url)]
    cursor = PollCursor.objects.get(account=x_account)
    assert (cursor.replies_since_id, cursor.replies_wait_until) == ("", None)


def test_parse_own_replies_of_an_empty_page_is_empty(x_account: SocialAccount) -> None:
    assert x.parse_own_replies({"meta": {"result_count": 0}}, x_account) == []


def test_a_recent_reply_whose_mention_lags_is_read_again_until_the_mention_arrives(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """X's mentions timeline may list the citizen's post after the entity's own timeline
    shows the answer: the own-posts since_id stays just before that reply, so the next poll
    reads it again and files it once the conversation exists."""
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    add_mentions(api, page([]), params=expected_params(since_id="1780000000000000000"))
    newer = own_tweet(
        "1790000000000000007",
        "Campaña de vacunación",
        conversation_id="1790000000000000007",
    )
    add_own(api, page([newer, OWN_REPLY]), params=own_params())

    first = x.poll_account(x_account, now=NOW)

    assert (first.created, first.error) == (0, "")
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.replies_since_id == "1790000000000000004"  # just before OWN_REPLY

    add_mentions(
        api, page([CITIZEN_MENTION]), params=expected_params(since_id="1780000000000000000")
    )
    add_own(api, page([newer, OWN_REPLY]), params=own_params(since_id="1790000000000000004"))
    second = x.poll_account(x_account, now=NOW + timedelta(minutes=5))

    assert (second.created, second.error) == (2, "")
    conv = Conversation.objects.get(account=x_account, thread_id="1790000000000000001")
    assert conv.status == Status.RESPONDIDO
    assert conv.first_response_at == datetime(2024, 5, 2, 14, 30, tzinfo=UTC)
    cursor.refresh_from_db()
    assert cursor.replies_since_id == "1790000000000000007"


def test_a_reply_read_again_is_not_lost_when_its_run_is_split_across_polls(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """The lagging reply is on the first page of a run that stops there (window spent, a
    next page pending): the saved state keeps it, so when the run finishes after the reset
    since_id still stops just before it and the next poll files it."""
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    reset = NOW + timedelta(minutes=15)
    add_mentions(api, page([]), params=expected_params(since_id="1780000000000000000"))
    newer = own_tweet(
        "1790000000000000007", "Campaña de vacunación", conversation_id="1790000000000000007"
    )
    add_own(
        api,
        page([newer, OWN_REPLY], next_token="pag2"),
        params=own_params(),
        headers=limits(0, reset),
    )
    first = x.poll_account(x_account, now=NOW)
    assert (first.created, first.waiting_until) == (0, reset)
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.replies_since_id == ""  # the run is unfinished
    assert "1790000000000000005" in cursor.replies_page_token  # the held reply is saved

    # After the reset: the mention shows up, and the run's last page is read.
    later = reset + timedelta(minutes=1)
    add_mentions(
        api, page([CITIZEN_MENTION]), params=expected_params(since_id="1780000000000000000")
    )
    older = own_tweet("1790000000000000003", "Buenos días", conversation_id="1790000000000000003")
    add_own(api, page([older]), params=own_params(pagination_token="pag2"))
    x.poll_account(x_account, now=later)
    cursor.refresh_from_db()
    assert cursor.replies_since_id == "1790000000000000004"  # not past the held reply

    add_mentions(api, page([]), params=expected_params(since_id="1790000000000000001"))
    add_own(api, page([newer, OWN_REPLY]), params=own_params(since_id="1790000000000000004"))
    third = x.poll_account(x_account, now=later + timedelta(minutes=5))
    assert third.error == ""
    conv = Conversation.objects.get(account=x_account, thread_id="1790000000000000001")
    assert conv.status == Status.RESPONDIDO
    cursor.refresh_from_db()
    assert cursor.replies_since_id == "1790000000000000007"


def test_saved_run_states_of_the_older_form_still_resume() -> None:
    assert x._resume_state("1790000000000000009:b26v89c19zqg8o3fo7gesq") == (
        "1790000000000000009",
        "",
        "b26v89c19zqg8o3fo7gesq",
    )
    state = x._pending_state("1790000000000000009", "1790000000000000005", "b26v89c19zqg")
    assert x._resume_state(state) == ("1790000000000000009", "1790000000000000005", "b26v89c19zqg")
    assert x._resume_state(x._pending_state("1790000000000000009", "", "tok")) == (
        "1790000000000000009",
        "",
        "tok",
    )
    assert x._resume_state("") == ("", "", "")


def test_a_reply_in_an_unknown_thread_is_given_up_after_the_grace_period(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    PollCursor.objects.create(account=x_account, since_id="1780000000000000000")
    add_mentions(api, page([]), params=expected_params(since_id="1780000000000000000"))
    add_own(api, page([OWN_REPLY]), params=own_params())
    result = x.poll_account(x_account, now=NOW + x.REPLY_GRACE)
    assert result.created == 0
    cursor = PollCursor.objects.get(account=x_account)
    assert cursor.replies_since_id == "1790000000000000005"
    assert not Conversation.objects.filter(account=x_account).exists()


def test_mentions_quota_used_up_on_the_last_page_still_reads_own_replies(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """The mentions run finished (its window is spent, remaining 0): the own timeline has
    its own window, so it is read in the same poll."""
    reset = NOW + timedelta(minutes=12)
    add_mentions(api, page([CITIZEN_MENTION]), params=expected_params(), headers=limits(0, reset))
    add_own(api, page([OWN_REPLY]), params=own_params())
    result = x.poll_account(x_account, now=NOW)
    assert (result.created, result.waiting_until) == (2, reset)
    cursor = PollCursor.objects.get(account=x_account)
    assert (cursor.wait_until, cursor.replies_wait_until) == (reset, None)
    assert (cursor.since_id, cursor.replies_since_id) == (
        "1790000000000000001",
        "1790000000000000005",
    )


def test_citizens_replying_to_the_entitys_post_open_one_conversation_each(
    x_account: SocialAccount, api: responses.RequestsMock
) -> None:
    """Issue #13: replies of two citizens to the entity's own post are two conversations
    (the post is their context); a reply to one of them joins that citizen's thread."""
    own = "1790000000000000100"
    first = tweet(
        "1790000000000000101", "@Minsa_Peru ¿y en Piura?", conversation_id=own, replied_to=own
    )
    second = tweet(
        "1790000000000000102",
        "@Minsa_Peru ¿y en Cusco?",
        "783214",
        conversation_id=own,
        replied_to=own,
    )
    for item in (first, second):
        item["in_reply_to_user_id"] = ENTITY_USER_ID
    follow = tweet(
        "1790000000000000103",
        "Yo también en Piura",
        "783214",
        conversation_id=own,
        replied_to="1790000000000000101",
    )
    add_mentions(api, page([first, second, follow]), params=expected_params())

    x.poll_mentions(x_account, now=NOW)

    threads = {c.thread_id: c for c in Conversation.objects.filter(account=x_account)}
    assert set(threads) == {"1790000000000000101", "1790000000000000102"}
    assert threads["1790000000000000101"].message_count == 2
    post = threads["1790000000000000102"].post
    assert post is not None and post.platform_post_id == own
