"""The sandbox platform (demo) stands in for X and YouTube too: a citizen's post or comment made
up there reaches the inbox through the connectors' real pollers, an answer on a demo X or
YouTube conversation is published there through the real senders ("Enviada"), the poller then
reads it back without a second answer, and a non-demo account never reaches it."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
import responses
from django.test import Client

from agora.connectors import lookups, sandbox, sandbox_polled, x, youtube
from agora.connectors.models import AccountCredential, SandboxKind, SandboxPublication
from agora.connectors.selectors import account_send_readiness
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox import send_queue, tasks
from agora.inbox import services as inbox
from agora.inbox.models import Conversation, Direction, Message, SendStatus, ThreadKind
from tests.connectors.test_sandbox import (
    HOST,
    _citizen_comment,
    _sandbox_settings,
    demo_account,
    platform,
)
from tests.helpers import login

__all__ = ["_sandbox_settings", "demo_account", "platform"]

X_ID = "1500000000000000001"
CHANNEL = "UCsandboxcanal000000001"


def _demo(rector: User, entity: Entity, kind: str, platform_id: str, demo: bool = True) -> Any:
    account = directory.account_propose(
        actor=rector,
        entity=entity,
        platform=kind,
        handle=f"minsa{kind}{platform_id[-3:]}",
        platform_id=platform_id,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    SocialAccount.objects.filter(pk=account.pk).update(is_demo=demo)
    account.refresh_from_db()
    return account


@pytest.fixture
def x_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = _demo(rector, entities["minsa"], Platform.X, X_ID)
    assert sandbox.credentials_install(accounts=[account]) == 1
    return account


@pytest.fixture
def yt_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = _demo(rector, entities["minsa"], Platform.YOUTUBE, CHANNEL)
    assert sandbox.credentials_install(accounts=[account]) == 1
    return account


def _citizens(count: int) -> list[int]:
    with mock.patch.object(sandbox, "_enqueue_poll") as poll:
        ids = sandbox.citizens_send(count=count, rng=random.Random(7))
    assert poll.call_count == 0  # queued after the commit only
    return ids


def _send(conv: Conversation, author: User, text: str) -> Message:
    with mock.patch.object(send_queue, "enqueue_send"):
        message = inbox.message_answer(conversation=conv, author=author, body=text)
        tasks.send_message(message.pk)
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_a_demo_x_account_gets_a_sandbox_token_and_is_ready_to_answer(
    x_account: SocialAccount,
) -> None:
    credential = AccountCredential.objects.get(account=x_account)
    assert credential.kind == "bearer"
    assert account_send_readiness(x_account).ready
    assert x.api_base_url(x_account) == f"{HOST}/sandbox/x/2"


@pytest.mark.django_db
def test_x_citizen_mentions_arrive_by_polling_and_an_answer_is_published_once(
    platform: responses.RequestsMock, x_account: SocialAccount, communicator: User
) -> None:
    ids = _citizens(2)
    assert SandboxPublication.objects.filter(pk__in=ids, kind=SandboxKind.CIUDADANO).count() == 2
    result = x.poll_account(x_account)
    assert (result.error, result.created) == ("", 2)
    assert all(p.delivered_at for p in SandboxPublication.objects.filter(pk__in=ids))
    citizen = Message.objects.filter(direction=Direction.ENTRANTE).order_by("pk").first()
    assert citizen is not None and citizen.is_demo
    assert citizen.text.startswith(f"@{x_account.handle.lstrip('@')} [demo]")
    conv = citizen.conversation
    assert (conv.thread_kind, conv.is_demo) == (ThreadKind.MENTION, True)
    assert "Ciudadana de prueba" in conv.author_name

    message = _send(conv, communicator, "Gracias, le respondemos por aquí.")
    assert message.send_status == SendStatus.ENVIADO
    published = SandboxPublication.objects.get(kind=SandboxKind.COMENTARIO)
    assert (published.target_id, published.text) == (
        citizen.platform_message_id,
        "Gracias, le respondemos por aquí.",
    )
    assert message.platform_message_id == published.platform_id
    posts = [c for c in platform.calls if c.request.method == "POST"]
    assert [c.request.url for c in posts] == [f"{HOST}/sandbox/x/2/tweets"]

    # The next poll reads the answer in the account's own posts: still one answer.
    assert x.poll_account(x_account).error == ""
    assert Message.objects.filter(conversation=conv, direction=Direction.SALIENTE).count() == 1
    assert x.poll_account(x_account).created == 0


@pytest.mark.django_db
def test_youtube_citizen_comments_arrive_by_polling_and_an_answer_is_published_once(
    platform: responses.RequestsMock, yt_account: SocialAccount, communicator: User
) -> None:
    assert AccountCredential.objects.get(account=yt_account).kind == "oauth"
    ids = _citizens(3)
    result = youtube.poll_account(yt_account)
    assert (result.error, result.created) == ("", 3)
    conv = Conversation.objects.filter(account=yt_account).order_by("pk").first()
    assert conv is not None and conv.is_demo
    message = _send(conv, communicator, "Atendemos de lunes a viernes.")
    assert message.send_status == SendStatus.ENVIADO
    published = SandboxPublication.objects.get(kind=SandboxKind.COMENTARIO)
    assert published.target_id == conv.thread_id
    assert message.platform_message_id == published.platform_id
    assert published.payload["snippet"]["authorChannelId"]["value"] == CHANNEL
    # Read back by the poller (the thread now has a reply): no second answer.
    assert youtube.poll_account(yt_account).error == ""
    assert Message.objects.filter(conversation=conv, direction=Direction.SALIENTE).count() == 1
    assert SandboxPublication.objects.filter(pk__in=ids, delivered_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_top_level_comment_deleted_in_the_sandbox_is_marked_deleted_by_the_hourly_check(
    platform: responses.RequestsMock, yt_account: SocialAccount
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from agora.connectors.tasks import deletions_check_all

    ids = _citizens(2)
    assert youtube.poll_account(yt_account).created == 2
    later = timezone.now() + youtube.VANISH_MARGIN + timedelta(minutes=1)
    assert youtube.threads_check(yt_account, now=later) == 0  # both still there
    gone = SandboxPublication.objects.filter(pk__in=ids).order_by("pk").first()
    assert gone is not None
    gone.delete()  # the citizen deleted the comment on the platform
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert deletions_check_all() == 1
    deleted = Message.objects.get(platform_message_id=gone.platform_id)
    assert deleted.deleted_at is not None
    assert Message.objects.filter(conversation__account=yt_account, deleted_at=None).count() == 1


@pytest.mark.django_db
def test_the_sandbox_refuses_other_tokens_and_other_accounts_timelines(
    client: Client, x_account: SocialAccount, yt_account: SocialAccount
) -> None:
    yt_token = sandbox.sandbox_token(yt_account)
    # A YouTube token on the X API, a forged token, and X reading another account's mentions.
    answer = client.post(
        "/sandbox/x/2/tweets",
        data={"text": "hola"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {yt_token}"},
    )
    assert answer.status_code == 401
    answer = client.get(
        "/sandbox/youtube/v3/commentThreads",
        {"allThreadsRelatedToChannelId": CHANNEL},
        headers={"Authorization": "Bearer sandbox.1.falsa"},
    )
    assert answer.status_code == 401
    assert answer.json()["error"]["errors"][0]["reason"] == "authError"
    answer = client.get(
        "/sandbox/x/2/users/42/mentions",
        headers={"Authorization": f"Bearer {sandbox.sandbox_token(x_account)}"},
    )
    assert answer.status_code == 403
    assert not SandboxPublication.objects.exists()


@pytest.mark.django_db
@responses.activate
def test_non_demo_x_and_youtube_accounts_never_use_the_sandbox(
    rector: User, entities: dict[str, Entity], settings: Any
) -> None:
    settings.X_API_URL = "https://api.x.example/2"
    settings.YOUTUBE_API_URL = "https://youtube.example/v3"
    real_x = _demo(rector, entities["minsa"], Platform.X, "77", demo=False)
    real_yt = _demo(rector, entities["minsa"], Platform.YOUTUBE, "UCreal", demo=False)
    assert sandbox.credentials_install(accounts=[real_x, real_yt]) == 0
    assert x.api_base_url(real_x) == "https://api.x.example/2"
    assert youtube.api_base_url(real_yt) == "https://youtube.example/v3"


@pytest.mark.django_db
def test_the_sandbox_page_shows_every_platform_marked_demo(
    client: Client,
    communicator: User,
    x_account: SocialAccount,
    yt_account: SocialAccount,
    platform: responses.RequestsMock,
) -> None:
    _citizens(4)
    login(client, communicator)
    page = client.get("/sandbox/").content.decode()
    assert "X (antes Twitter)" in page and "YouTube" in page
    assert "Ágora lo leerá en su próxima consulta" in page
    assert page.count('class="badge badge-demo"') >= 5


def test_x_ids_grow_with_time() -> None:
    from datetime import UTC, datetime, timedelta

    earlier = datetime(2026, 1, 1, tzinfo=UTC)
    assert int(sandbox_polled.x_id(earlier, 999)) < int(
        sandbox_polled.x_id(earlier + timedelta(milliseconds=1), 1)
    )


@pytest.mark.django_db
def test_citizens_only_go_to_demo_accounts_with_a_sandbox_token(
    x_account: SocialAccount, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    AccountCredential.objects.filter(account=x_account).update(secret="token-real")
    assert sandbox.citizens_send(count=2) == []


@pytest.mark.django_db
def test_the_sandbox_answers_the_reads_that_look_for_an_answer(
    platform: responses.RequestsMock,
    demo_account: SocialAccount,
    x_account: SocialAccount,
    yt_account: SocialAccount,
    communicator: User,
) -> None:
    """What agora/connectors/lookups.py reads after an unknown outcome, on each platform the
    sandbox stands in for: the published answer is found by its text; another is not."""
    from django.utils import timezone

    for account in (x_account, yt_account):
        sandbox_polled.citizen_publish(
            account, text="[demo] ¿Hola?", number=5, rng=random.Random(1)
        )
    x.poll_account(x_account)
    youtube.poll_account(yt_account)
    dm = sandbox.direct_payload(
        demo_account, mid="m_c_1", citizen_id="psid-9", text="Hola", when=timezone.now(), echo=False
    )
    raw, signature = sandbox.signed_body(dm)
    Client().post(
        "/webhooks/meta/",
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    conversations = [
        _citizen_comment(demo_account),
        Message.objects.get(platform_message_id="m_c_1").conversation,
        Conversation.objects.filter(account=x_account).first(),
        Conversation.objects.filter(account=yt_account).first(),
    ]
    for conv in conversations:
        assert conv is not None
        sent = _send(conv, communicator, "Le respondemos en breve.")
        assert sent.send_status == SendStatus.ENVIADO, conv
        assert lookups.find_reply(sent) == sent.platform_message_id, conv
        with mock.patch.object(send_queue, "enqueue_send"):
            other = inbox.message_answer(conversation=conv, author=communicator, body="Otra.")
        assert lookups.find_reply(other) is None, conv
    gets = {str(c.request.url).split("?")[0] for c in platform.calls if c.request.method == "GET"}
    first = conversations[0]
    assert first is not None
    assert f"{HOST}/sandbox/graph/{first.thread_id}/comments" in gets
    assert f"{HOST}/sandbox/graph/me/conversations" in gets
    assert f"{HOST}/sandbox/x/2/users/{X_ID}/tweets" in gets
    assert f"{HOST}/sandbox/youtube/v3/comments" in gets
