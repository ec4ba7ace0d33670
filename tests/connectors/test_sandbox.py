"""The sandbox platform (demo): an answer to a demo account is published there through the real
Meta sender, its echo comes back through the real signed webhook and the answer counts once;
citizen messages arrive the same way, marked demo; a non-demo account never reaches it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest
import responses
from django.test import Client
from django.utils import timezone

from agora.connectors import meta, sandbox
from agora.connectors.models import AccountCredential, SandboxKind, SandboxPublication
from agora.connectors.selectors import account_send_readiness
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox import send_queue, tasks
from agora.inbox import services as inbox
from agora.inbox.models import Conversation, Direction, Message, SendStatus, Status
from tests.helpers import login

HOST = "http://sandbox.test"
GRAPH = "https://graph.example.test/v21.0"
PAGE_ID = "1234567890"
POST_ID = f"{PAGE_ID}_555"
SECRET = "secreto-de-la-app-de-prueba"


@pytest.fixture(autouse=True)
def _sandbox_settings(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = f"{HOST}/sandbox/graph"
    settings.SANDBOX_WEBHOOK_URL = f"{HOST}/webhooks/meta/"
    settings.META_APP_SECRET = SECRET
    settings.META_GRAPH_URL = GRAPH
    settings.CONNECTOR_TIMEOUT_SECONDS = 3


@pytest.fixture
def platform(client: Client) -> Iterator[responses.RequestsMock]:
    """Every HTTP call to the sandbox host goes to this Django app through the test client
    (the same views a real HTTP request reaches); nothing else is reachable."""

    def forward(request: Any) -> tuple[int, dict[str, str], bytes]:
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in {"authorization", "x-hub-signature-256"}
        }
        url = urlsplit(request.url)
        if request.method == "GET":
            answer = client.get(url.path, data=dict(parse_qsl(url.query)), headers=headers)
        else:
            answer = client.post(
                url.path + (f"?{url.query}" if url.query else ""),
                data=request.body,
                content_type="application/json",
                headers=headers,
            )
        return answer.status_code, {"Content-Type": "application/json"}, answer.content

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        for method in (responses.GET, responses.POST):
            mocked.add_callback(method, re.compile(rf"{re.escape(HOST)}/.*"), callback=forward)
        yield mocked


def _account(
    rector: User, entity: Entity, *, demo: bool, platform_id: str = PAGE_ID
) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entity,
        platform=Platform.FACEBOOK,
        handle=f"cuenta{platform_id}",
        platform_id=platform_id,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    account = directory.account_verify(actor=rector, account=account)
    SocialAccount.objects.filter(pk=account.pk).update(is_demo=demo)
    account.refresh_from_db()
    return account


@pytest.fixture
def demo_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = _account(rector, entities["minsa"], demo=True)
    assert sandbox.credentials_install(accounts=[account]) == 1
    return account


def _citizen_comment(account: SocialAccount, comment_id: str = f"{PAGE_ID}_555_1") -> Conversation:
    """A citizen's comment, delivered as the signed webhook Meta (or the sandbox) sends."""
    payload = sandbox.comment_payload(
        account,
        comment_id=comment_id,
        post_id=POST_ID,
        parent_id=POST_ID,
        text="¿Cuándo empieza la campaña?",
        author_id="9001",
        author_name="Ciudadana de prueba",
        when=timezone.now(),
    )
    raw, signature = sandbox.signed_body(payload)
    answer = Client().post(
        "/webhooks/meta/",
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    assert answer.status_code == 200
    return Message.objects.get(platform_message_id=comment_id).conversation


def _answer_and_send(
    conv: Conversation, author: User, capture: Callable[..., Any], text: str = "Empieza el lunes."
) -> Message:
    with (
        mock.patch.object(send_queue, "enqueue_send"),
        mock.patch.object(sandbox, "_enqueue_delivery"),
    ):
        with capture(execute=True):
            message = inbox.message_answer(conversation=conv, author=author, body=text)
        with capture(execute=True):
            tasks.send_message(message.pk)
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_an_answer_to_a_demo_account_is_published_on_the_sandbox_and_its_echo_counts_once(
    platform: responses.RequestsMock,
    demo_account: SocialAccount,
    communicator: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conv = _citizen_comment(demo_account)
    message = _answer_and_send(conv, communicator, django_capture_on_commit_callbacks)

    assert platform.calls[0].request.url == f"{HOST}/sandbox/graph/{PAGE_ID}_555_1/comments"
    publication = SandboxPublication.objects.get(kind=SandboxKind.COMENTARIO)
    assert publication.text == "Empieza el lunes."
    assert publication.target_id == f"{PAGE_ID}_555_1"
    assert publication.delivered_at is None
    assert message.send_status == SendStatus.ENVIADO
    assert message.platform_message_id == publication.platform_id

    # The echo goes through the real webhook (signed) and finds the answer already stored.
    assert sandbox.publication_deliver(publication.pk) == "entregado"
    publication.refresh_from_db()
    assert publication.delivered_at is not None
    conv.refresh_from_db()
    assert conv.first_response_at is not None
    assert conv.status == Status.RESPONDIDO
    outbound = Message.objects.filter(conversation=conv, direction=Direction.SALIENTE)
    assert list(outbound.values_list("pk", flat=True)) == [message.pk]
    count = conv.message_count

    # A replayed echo changes nothing.
    SandboxPublication.objects.filter(pk=publication.pk).update(delivered_at=None)
    assert sandbox.publication_deliver(publication.pk) == "entregado"
    conv.refresh_from_db()
    assert conv.message_count == count
    assert outbound.count() == 1


@pytest.mark.django_db
def test_an_echo_that_arrives_before_the_send_is_recorded_leaves_one_answer(
    platform: responses.RequestsMock,
    demo_account: SocialAccount,
    communicator: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """The worker delivering the echo may be faster than the sender recording the id."""
    conv = _citizen_comment(demo_account)
    with mock.patch.object(sandbox, "_enqueue_delivery", side_effect=sandbox.publication_deliver):
        message = _answer_and_send(conv, communicator, django_capture_on_commit_callbacks)
    assert message.send_status == SendStatus.ENVIADO
    assert Message.objects.filter(conversation=conv, direction=Direction.SALIENTE).count() == 1


@pytest.mark.django_db
def test_a_direct_message_answer_is_published_and_echoed(
    platform: responses.RequestsMock,
    demo_account: SocialAccount,
    communicator: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    payload = sandbox.direct_payload(
        demo_account,
        mid="m_ciudadano_1",
        citizen_id="psid-7",
        text="Hola, ¿atienden el sábado?",
        when=timezone.now(),
        echo=False,
    )
    raw, signature = sandbox.signed_body(payload)
    Client().post(
        "/webhooks/meta/",
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )
    conv = Message.objects.get(platform_message_id="m_ciudadano_1").conversation
    message = _answer_and_send(conv, communicator, django_capture_on_commit_callbacks, "Sí.")
    publication = SandboxPublication.objects.get(kind=SandboxKind.MENSAJE)
    assert publication.target_id == "psid-7"
    assert message.platform_message_id == publication.platform_id
    assert sandbox.publication_deliver(publication.pk) == "entregado"
    assert Message.objects.filter(conversation=conv, direction=Direction.SALIENTE).count() == 1


@pytest.mark.django_db
@responses.activate
def test_a_non_demo_account_never_uses_the_sandbox(
    rector: User, entities: dict[str, Entity], communicator: User, settings: Any
) -> None:
    account = _account(rector, entities["minsa"], demo=False)
    AccountCredential.objects.create(account=account, kind="page_token", secret="EAABtokenreal123")
    assert meta.graph_base_url(account) == GRAPH
    # Not even a sandbox token makes it go there, nor does the install touch it.
    assert sandbox.credentials_install(accounts=[account]) == 0
    conv = _citizen_comment(account)
    message = inbox.message_answer(conversation=conv, author=communicator, body="Hola")
    responses.post(f"{GRAPH}/{PAGE_ID}_555_1/comments", json={"id": "555_9"})
    with mock.patch.object(send_queue, "enqueue_send"):
        assert tasks.send_message(message.pk) == "555_9"
    assert [c.request.url for c in responses.calls] == [f"{GRAPH}/{PAGE_ID}_555_1/comments"]
    assert not SandboxPublication.objects.exists()


@pytest.mark.django_db
def test_the_sandbox_refuses_a_token_it_did_not_give_and_the_reply_box_then_warns(
    client: Client, rector: User, entities: dict[str, Entity], demo_account: SocialAccount
) -> None:
    other = _account(rector, entities["minsa"], demo=False, platform_id="999")
    forged = sandbox.sandbox_token(other)  # right shape, but not a demo account
    for token in (forged, "sandbox.1.firma-falsa", "EAABotro"):
        answer = client.post(
            f"/sandbox/graph/{POST_ID}/comments",
            data={"message": "x"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == 190
    assert not SandboxPublication.objects.exists()


@pytest.mark.django_db
@responses.activate
def test_a_refused_token_is_noted_and_the_account_is_no_longer_ready(
    demo_account: SocialAccount, communicator: User, settings: Any
) -> None:
    assert account_send_readiness(demo_account).ready
    conv = _citizen_comment(demo_account)
    message = inbox.message_answer(conversation=conv, author=communicator, body="Hola")
    responses.post(
        f"{HOST}/sandbox/graph/{PAGE_ID}_555_1/comments",
        status=401,
        json={"error": {"message": "Token no válido", "code": 190}},
    )
    with mock.patch.object(send_queue, "enqueue_send"):
        assert tasks.send_message(message.pk) == "error"
    message.refresh_from_db()
    assert message.send_status == SendStatus.FALLIDO
    demo_account.refresh_from_db()
    readiness = account_send_readiness(SocialAccount.objects.get(pk=demo_account.pk))
    assert not readiness.ready
    assert "rechazó" in readiness.reason


@pytest.mark.django_db
def test_a_bad_signature_is_still_refused(demo_account: SocialAccount) -> None:
    payload = sandbox.comment_payload(
        demo_account,
        comment_id="c-1",
        post_id=POST_ID,
        parent_id=POST_ID,
        text="hola",
        author_id="1",
        author_name="x",
        when=timezone.now(),
    )
    raw, _signature = sandbox.signed_body(payload)
    answer = Client().post(
        "/webhooks/meta/",
        data=raw,
        content_type="application/json",
        headers={"X-Hub-Signature-256": "sha256=" + "0" * 64},
    )
    assert answer.status_code == 403
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_citizen_messages_arrive_through_the_webhook_marked_demo(
    platform: responses.RequestsMock, demo_account: SocialAccount
) -> None:
    with mock.patch.object(sandbox, "_enqueue_delivery"):
        ids = sandbox.citizens_send(count=4)
    assert len(ids) == 4
    for pk in ids:
        assert sandbox.publication_deliver(pk) == "entregado"
    messages = Message.objects.filter(direction=Direction.ENTRANTE)
    assert messages.count() == 4
    assert all(m.is_demo and m.text.startswith("[demo]") for m in messages)
    assert all(c.is_demo for c in Conversation.objects.all())
    # Delivered twice (the tick and the task): nothing new.
    SandboxPublication.objects.update(delivered_at=None)
    assert sandbox.sandbox_tick(citizens=0)["entregados"] == 4
    assert Message.objects.filter(direction=Direction.ENTRANTE).count() == 4


@pytest.mark.django_db
def test_the_sandbox_page_lists_publications_marked_demo_and_is_off_when_disabled(
    client: Client, communicator: User, demo_account: SocialAccount, settings: Any
) -> None:
    SandboxPublication.objects.create(
        account=demo_account, kind=SandboxKind.COMENTARIO, platform_id="p1", text="Publicado"
    )
    assert client.get("/sandbox/").status_code == 302  # sign in first
    login(client, communicator)
    page = client.get("/sandbox/").content.decode()
    assert "Plataforma de prueba (demo)" in page
    assert "Publicado" in page
    settings.SANDBOX_ENABLED = False
    assert client.get("/sandbox/").status_code == 404
    assert client.post(f"/sandbox/graph/{POST_ID}/comments").status_code == 404
    assert meta.graph_base_url(demo_account) == GRAPH
