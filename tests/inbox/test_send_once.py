"""Sending is at most once on the platform and at least once in effort, on every platform
(Facebook comment, Instagram comment, Messenger, Instagram direct, X, YouTube), against a
simulated platform on loopback (a real HTTP server: tests/connectors/loopback_platform.py)
that records every POST:

- a worker killed between the platform call and the commit: the redelivered task publishes
  nothing, the recovery job looks on the platform and records what it finds: published once;
- a read timeout after the platform published: looked for, found, never posted again;
- a timeout where the platform published nothing: looked for, not found, posted once more;
- a connection that could not be made: retried without looking (nothing can have arrived);
- a platform that cannot be read: "verificar en la plataforma" for a person, never re-posted,
  with "Ya está publicada" and "Reintentar" (audited);
- after the last attempt the conversation says so truthfully."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from agora.connectors.models import AccountCredential
from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox import send_queue, sending, services, tasks
from agora.inbox.models import Conversation, Message, SendStatus, ThreadKind
from tests.connectors.loopback_platform import Platform as Loopback
from tests.connectors.loopback_platform import loopback_platform
from tests.helpers import html, login, make_verified_account

PAGE = "1717"
CASES = ["facebook", "instagram", "messenger", "instagram_dm", "x", "youtube"]
TEXT = "Atendemos de lunes a viernes de 8 a 17 h."


class WorkerKilled(BaseException):
    """What a killed worker looks like to the code after the platform call: nothing more
    runs (a BaseException, so no ``except Exception`` of the task catches it)."""


@pytest.fixture
def fake(settings: Any) -> Iterator[Loopback]:
    with loopback_platform(PAGE) as platform:
        settings.SANDBOX_ENABLED = False
        settings.META_GRAPH_URL = f"{platform.base_url}/graph"
        settings.X_API_URL = f"{platform.base_url}/x/2"
        settings.YOUTUBE_API_URL = f"{platform.base_url}/youtube/v3"
        # Short, so that a real read timeout costs a fraction of a second.
        settings.CONNECTOR_TIMEOUT_SECONDS = 0.3
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        yield platform


def _account(rector: User, entity: Entity, platform: str) -> SocialAccount:
    account = make_verified_account(rector, entity, platform, f"minsa{platform}", PAGE)
    kind = {"x": "bearer", "youtube": "oauth"}.get(platform, "page_token")
    AccountCredential.objects.create(account=account, kind=kind, secret=f"token-{platform}-123")
    return account


def _conversation(case: str, rector: User, entity: Entity) -> Conversation:
    """One citizen thread of each kind, ingested as the connectors do."""
    platform = {"messenger": Platform.FACEBOOK, "instagram_dm": Platform.INSTAGRAM}.get(case, case)
    account = _account(rector, entity, platform)
    thread, kind, post, parent = {
        "facebook": ("1717_9_1", ThreadKind.COMMENTS, "1717_9", "1717_9"),
        "instagram": ("18000000000000001", ThreadKind.COMMENTS, "17900000000000009", ""),
        "messenger": ("psid-42", ThreadKind.DIRECT, "", ""),
        "instagram_dm": ("igsid-43", ThreadKind.DIRECT, "", ""),
        "x": ("1800000000000000001", ThreadKind.MENTION, "", ""),
        "youtube": ("UgxHilo1AaABAg", ThreadKind.COMMENTS, "video1", ""),
    }[case]
    services.messages_ingest(
        batch=[
            services.IncomingMessage(
                platform=platform,
                account_id=account.pk,
                thread_kind=kind,
                thread_id=thread,
                message_id=thread if kind != ThreadKind.DIRECT else "m_ciudadano_1",
                sent_at=timezone.now() - timedelta(minutes=5),
                text="¿Qué horario tienen?",
                author_id="55",
                author_name="Ana Pérez",
                parent_id=parent,
                post_id=post,
            )
        ]
    )
    return Conversation.objects.get(account=account, thread_id=thread)


@pytest.fixture(params=CASES)
def conv(request: pytest.FixtureRequest, rector: User, entities: dict[str, Entity]) -> Conversation:
    return _conversation(request.param, rector, entities["minsa"])


def _answer(conv: Conversation, author: User, text: str = TEXT) -> Message:
    with mock.patch.object(send_queue, "enqueue_send"):
        return services.message_answer(conversation=conv, author=author, body=text)


def _run(message: Message) -> str:
    """One delivery of the send task (what it queues is not run)."""
    try:
        with mock.patch.object(send_queue, "enqueue_send"):
            return tasks.send_message(message.pk)
    finally:
        message.refresh_from_db()


def _due(message: Message, minutes: int = 0) -> None:
    """Time passes: the worker's lease, or the wait before looking, ran out."""
    past = timezone.now() - sending.LEASE - sending.STALE_AFTER - timedelta(minutes=minutes)
    Message.objects.filter(pk=message.pk).update(send_due_at=past)


def _recover(message: Message) -> str:
    """The periodic recovery job, then the task it queued."""
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        sending.sends_recover()
    assert [c.args for c in enqueue.call_args_list] == [(message.pk,)]
    return _run(message)


# --- a worker killed between the platform call and the commit ----------------------------------


def test_a_worker_killed_after_the_platform_published_publishes_it_once(
    fake: Loopback, conv: Conversation, communicator: User
) -> None:
    message = _answer(conv, communicator)
    original = services.message_send_result
    with (
        mock.patch.object(services, "message_send_result", side_effect=WorkerKilled),
        pytest.raises(WorkerKilled),
    ):
        _run(message)
    assert fake.times_published(TEXT) == 1
    assert message.send_status == SendStatus.ENVIANDO
    assert message.send_attempts == 1  # recorded before the call, committed

    # The broker redelivers the task at once: the claim is held, nothing is posted.
    assert _run(message) == "nada que enviar"
    assert len(fake.posts) == 1

    # The lease runs out: the recovery job looks on the platform and finds it.
    _due(message)
    with mock.patch.object(services, "message_send_result", side_effect=original):
        found = _recover(message)
    published = fake.published[0]
    assert found == published.id
    assert (message.send_status, message.platform_message_id) == (SendStatus.ENVIADO, found)
    assert len(fake.posts) == 1
    assert fake.times_published(TEXT) == 1
    conv.refresh_from_db()
    assert conv.first_response_at is not None
    # Nothing left for the recovery job.
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert sending.sends_recover() == {"reencolados": 0, "interrumpidos": 0}
    enqueue.assert_not_called()


def test_a_worker_killed_before_the_platform_call_sends_it_once_after_looking(
    fake: Loopback, communicator: User, rector: User, entities: dict[str, Entity]
) -> None:
    conv = _conversation("x", rector, entities["minsa"])
    message = _answer(conv, communicator)
    # Killed right after the claim: the platform never heard of it.
    with (
        mock.patch.object(tasks, "sender_for", return_value=mock.Mock(side_effect=WorkerKilled)),
        pytest.raises(WorkerKilled),
    ):
        _run(message)
    assert fake.posts == []
    _due(message)
    assert _recover(message) == fake.published[0].id
    assert fake.gets, "it looked on the platform first"
    assert (len(fake.posts), message.send_attempts) == (1, 2)
    assert message.send_status == SendStatus.ENVIADO


# --- timeouts, per platform ----------------------------------------------------------------------


def test_a_read_timeout_after_publishing_is_looked_for_and_never_posted_again(
    fake: Loopback, conv: Conversation, communicator: User
) -> None:
    message = _answer(conv, communicator)
    fake.plan.append("publish_then_hang")
    assert _run(message) == "por comprobar"
    assert message.send_status == SendStatus.ENVIANDO
    assert "se comprobará" in message.send_error.lower()
    assert "reintentará" not in message.send_error
    # Until the look is due, a delivery does nothing.
    assert _run(message) == "nada que enviar"

    _due(message)
    assert _run(message) == fake.published[0].id
    assert message.send_status == SendStatus.ENVIADO
    assert len(fake.posts) == 1
    assert fake.times_published(TEXT) == 1


def test_a_timeout_that_published_nothing_is_sent_again_once(
    fake: Loopback, conv: Conversation, communicator: User
) -> None:
    message = _answer(conv, communicator)
    fake.plan.append("reset")  # the request was sent, the platform dropped it unpublished
    assert _run(message) == "por comprobar"
    _due(message)
    assert _run(message) == fake.published[0].id
    assert message.send_status == SendStatus.ENVIADO
    assert (len(fake.posts), message.send_attempts) == (2, 2)
    assert fake.times_published(TEXT) == 1


def test_an_identical_answer_already_sent_is_not_taken_for_this_one(
    fake: Loopback, communicator: User, rector: User, entities: dict[str, Entity]
) -> None:
    """Two answers with the same text to the same thread: the first is published; the
    second times out unpublished. Its look must not claim the first one's post."""
    conv = _conversation("facebook", rector, entities["minsa"])
    first = _answer(conv, communicator)
    assert _run(first) == fake.published[0].id
    second = _answer(conv, communicator)
    fake.plan.append("hang")
    assert _run(second) == "por comprobar"
    _due(second)
    assert _run(second) == fake.published[1].id
    assert second.platform_message_id != first.platform_message_id
    assert fake.times_published(TEXT) == 2 and len(fake.posts) == 3


def test_a_connection_never_made_is_retried_without_looking(
    settings: Any, communicator: User, rector: User, entities: dict[str, Entity]
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.META_GRAPH_URL = f"http://127.0.0.1:{port}/graph"  # nobody listens
    settings.CONNECTOR_TIMEOUT_SECONDS = 0.3
    settings.SANDBOX_ENABLED = False
    conv = _conversation("facebook", rector, entities["minsa"])
    message = _answer(conv, communicator)
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert tasks.send_message(message.pk) == "error"
    enqueue.assert_called_once_with(message.pk, tasks.BACKOFF_SECONDS)
    message.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE
    assert "se reintentará" in message.send_error


# --- a platform that cannot be read ---------------------------------------------------------------


def _unverifiable(fake: Loopback, conv: Conversation, author: User) -> Message:
    message = _answer(conv, author)
    fake.plan.append("publish_then_reset")
    assert _run(message) == "por comprobar"
    fake.reads_fail = 403
    _due(message)
    assert _run(message) == "por verificar"
    return message


def test_when_the_platform_cannot_be_read_a_person_verifies_and_it_is_never_reposted(
    fake: Loopback, conv: Conversation, communicator: User
) -> None:
    message = _unverifiable(fake, conv, communicator)
    assert message.send_status == SendStatus.VERIFICAR
    assert "No se sabe si la respuesta se publicó" in message.send_error
    conv.refresh_from_db()
    assert (conv.sends_to_check, conv.failed_sends) == (1, 0)
    assert Notification.objects.filter(user=communicator, kind="envio_por_verificar").exists()
    # Never sent again by itself.
    _due(message, minutes=60)
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert sending.sends_recover() == {"reencolados": 0, "interrumpidos": 0}
    enqueue.assert_not_called()
    assert _run(message) == "nada que enviar"
    assert len(fake.posts) == 1


def test_an_answer_to_verify_shows_why_links_to_the_platform_and_can_be_confirmed(
    fake: Loopback,
    communicator: User,
    client: Client,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    conv = _conversation("x", rector, entities["minsa"])
    message = _unverifiable(fake, conv, communicator)
    login(client, communicator)
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert "Verificar en la plataforma:" in page
    assert "Ya está publicada" in page and "Reintentar" in page
    assert 'href="https://x.com/i/web/status/1800000000000000001"' in page
    assert "se reintentará" not in page
    listing = html(client.get("/bandeja/?fallidos=on"))
    assert "Envío por verificar en la plataforma" in listing
    assert f'href="/bandeja/{conv.pk}/"' in listing

    response = client.post(f"/bandeja/{conv.pk}/mensajes/{message.pk}/publicada/")
    assert response.status_code == 302
    message.refresh_from_db()
    conv.refresh_from_db()
    assert message.send_status == SendStatus.ENVIADO
    assert conv.sends_to_check == 0
    assert conv.first_response_at is not None
    assert AuditEvent.objects.filter(verb="conversacion.envio_confirmado").count() == 1
    assert len(fake.posts) == 1
    # A second click changes nothing.
    client.post(f"/bandeja/{conv.pk}/mensajes/{message.pk}/publicada/")
    assert AuditEvent.objects.filter(verb="conversacion.envio_confirmado").count() == 1


def test_reintentar_after_a_person_did_not_find_it_sends_it(
    fake: Loopback,
    communicator: User,
    rector: User,
    entities: dict[str, Entity],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conv = _conversation("youtube", rector, entities["minsa"])
    message = _answer(conv, communicator)
    fake.plan.append("hang")
    _run(message)
    fake.reads_fail = 500
    _due(message)
    assert _run(message) == "por verificar"
    with (
        mock.patch.object(send_queue, "enqueue_send") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sending.message_send_retry(message=message, actor=communicator)
    enqueue.assert_called_once_with(message.pk)
    event = AuditEvent.objects.get(verb="conversacion.envio_reintentado")
    assert (event.before or {}).get("send_status") == SendStatus.VERIFICAR
    fake.reads_fail = 0
    assert _run(message) == fake.published[0].id
    assert fake.times_published(TEXT) == 1


def test_outsiders_cannot_confirm_and_only_answers_to_check_can_be_confirmed(
    fake: Loopback,
    communicator: User,
    sunat_communicator: User,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    from agora.core.errors import DomainError, PermissionDeniedError

    conv = _conversation("facebook", rector, entities["minsa"])
    message = _answer(conv, communicator)
    with pytest.raises(DomainError):
        sending.message_send_confirm(message=message, actor=communicator)
    Message.objects.filter(pk=message.pk).update(send_status=SendStatus.VERIFICAR)
    with pytest.raises(PermissionDeniedError):
        sending.message_send_confirm(message=message, actor=sunat_communicator)
    response = login(Client(), sunat_communicator).post(
        f"/bandeja/{conv.pk}/mensajes/{message.pk}/publicada/"
    )
    assert response.status_code == 404
    message.refresh_from_db()
    assert message.send_status == SendStatus.VERIFICAR


# --- the last attempt ---------------------------------------------------------------------------


def test_after_the_last_attempt_it_says_truthfully_it_was_not_published(
    fake: Loopback, communicator: User, rector: User, entities: dict[str, Entity], client: Client
) -> None:
    conv = _conversation("messenger", rector, entities["minsa"])
    message = _answer(conv, communicator)
    for _attempt in range(tasks.MAX_SEND_ATTEMPTS):
        fake.plan.append("reset")
        if message.send_status == SendStatus.ENVIANDO:
            _due(message)
        _run(message)
    assert message.send_attempts == tasks.MAX_SEND_ATTEMPTS
    _due(message)
    assert _run(message) == "error"  # looked: not there, no attempts left
    assert message.send_status == SendStatus.FALLIDO
    assert "se comprobó en la plataforma" in message.send_error
    assert "Se agotaron los 6 intentos" in message.send_error
    assert fake.published == [] and len(fake.posts) == tasks.MAX_SEND_ATTEMPTS
    page = html(login(client, communicator).get(f"/bandeja/{conv.pk}/"))
    assert "se reintentará" not in page
    assert "No se publicó:" in page


@pytest.fixture
def sunat_communicator(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    from agora.directory.models import Membership, MembershipRole

    user = make_user("comunicador-sunat")
    Membership.objects.create(user=user, entity=entities["sunat"], role=MembershipRole.COMUNICADOR)
    return user
