"""Sends you can trust: the reply box warns before an account can publish; a failed send shows
on the conversation and the list, notifies its author and has "Reintentar" (per role, once);
the last failure never promises another attempt; a send is claimed before it is published, so
that duplicate tasks publish once; lost tasks are recovered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from agora.connectors.models import AccountCredential
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import SocialAccount
from agora.inbox import send_queue, sending, services, tasks
from agora.inbox.models import Conversation, Message, SendStatus
from agora.inbox.senders import SendError
from tests.helpers import html, login
from tests.inbox.test_views import ingest, minsa_account, sunat_communicator

__all__ = ["minsa_account", "sunat_communicator"]

WARNING = "Esta cuenta aún no tiene un token válido"


def _answer(conv: Conversation, author: User, text: str = "Gracias por escribirnos.") -> Message:
    with mock.patch.object(send_queue, "enqueue_send"):
        return services.message_answer(conversation=conv, author=author, body=text)


def _fail(message: Message, error: str = "Meta respondió con el error 400.") -> Message:
    """One send that the platform refuses for good."""
    with (
        mock.patch.object(
            tasks,
            "sender_for",
            return_value=mock.Mock(side_effect=SendError(error, permanent=True)),
        ),
        mock.patch.object(send_queue, "enqueue_send"),
    ):
        assert tasks.send_message(message.pk) == "error"
    message.refresh_from_db()
    return message


@pytest.fixture
def token(minsa_account: SocialAccount) -> AccountCredential:
    return AccountCredential.objects.create(
        account=minsa_account, kind="page_token", secret="EAABtokenvalido123", hint="lido123"
    )


# --- the reply box ----------------------------------------------------------------------------


def test_the_reply_box_warns_when_the_account_has_no_token_with_a_link_for_managers(
    client: Client, communicator: User, manager: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    page = html(login(client, communicator).get(f"/bandeja/{conv.pk}/"))
    assert WARNING in page
    assert "/entidad/minsa/configuracion/" not in page
    page = html(login(Client(), manager).get(f"/bandeja/{conv.pk}/"))
    assert WARNING in page
    assert 'href="/entidad/minsa/configuracion/"' in page


def test_the_reply_box_does_not_warn_with_a_working_token(
    client: Client, communicator: User, minsa_account: SocialAccount, token: AccountCredential
) -> None:
    conv = ingest(minsa_account)
    assert WARNING not in html(login(client, communicator).get(f"/bandeja/{conv.pk}/"))


def test_the_reply_box_warns_when_the_token_expired_or_was_refused(
    client: Client, communicator: User, minsa_account: SocialAccount, token: AccountCredential
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    AccountCredential.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - timedelta(hours=1)
    )
    assert "Su token venció" in html(client.get(f"/bandeja/{conv.pk}/"))
    AccountCredential.objects.filter(pk=token.pk).update(expires_at=None, refused_at=timezone.now())
    assert "rechazó su token" in html(client.get(f"/bandeja/{conv.pk}/"))
    # Registered again: the refusal was about the old token.
    AccountCredential.objects.get(pk=token.pk).save()
    assert WARNING not in html(client.get(f"/bandeja/{conv.pk}/"))


# --- a failed send ------------------------------------------------------------------------------


def test_a_failed_send_shows_on_the_conversation_and_the_list_and_notifies_its_author(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account, text="¿Dónde me vacuno?")
    other = ingest(minsa_account, text="Otra consulta")
    message = _fail(_answer(conv, communicator))
    assert message.send_status == SendStatus.FALLIDO
    conv.refresh_from_db()
    assert conv.failed_sends == 1

    login(client, communicator)
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert "No se publicó:" in page
    assert "Meta respondió con el error 400." in page
    assert "Reintentar" in page
    listing = html(client.get("/bandeja/"))
    assert "Envío fallido" in listing
    filtered = html(client.get("/bandeja/?fallidos=on"))
    assert f'href="/bandeja/{conv.pk}/"' in filtered
    assert f'href="/bandeja/{other.pk}/"' not in filtered

    notice = Notification.objects.get(user=communicator, kind="envio_fallido")
    assert notice.url == f"/bandeja/{conv.pk}/#mensaje-{message.pk}"
    assert "Meta respondió con el error 400." in notice.text


def test_after_the_last_attempt_the_conversation_does_not_promise_another(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    message = _answer(conv, communicator)
    transient = SendError("Meta no respondió a tiempo; se reintentará.")
    for attempt in range(1, tasks.MAX_SEND_ATTEMPTS + 1):
        with (
            mock.patch.object(tasks, "sender_for", return_value=mock.Mock(side_effect=transient)),
            mock.patch.object(send_queue, "enqueue_send") as enqueue,
        ):
            tasks.send_message(message.pk)
        message.refresh_from_db()
        if attempt < tasks.MAX_SEND_ATTEMPTS:
            assert message.send_status == SendStatus.PENDIENTE
            enqueue.assert_called_once()
            Message.objects.filter(pk=message.pk).update(send_status=SendStatus.PENDIENTE)
        else:
            enqueue.assert_not_called()
    assert message.send_status == SendStatus.FALLIDO
    assert "reintentará" not in message.send_error
    assert "Se agotaron los 6 intentos" in message.send_error
    page = html(login(client, communicator).get(f"/bandeja/{conv.pk}/"))
    assert "se reintentará" not in page
    assert Notification.objects.filter(user=communicator, kind="envio_fallido").count() == 1


# --- Reintentar -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["communicator", "manager", "rector"])
def test_staff_of_the_entity_can_retry_a_failed_send(
    role: str,
    request: pytest.FixtureRequest,
    communicator: User,
    minsa_account: SocialAccount,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    actor = request.getfixturevalue(role)
    conv = ingest(minsa_account)
    message = _fail(_answer(conv, communicator))
    with (
        mock.patch.object(send_queue, "enqueue_send") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = login(Client(), actor).post(
            f"/bandeja/{conv.pk}/mensajes/{message.pk}/reintentar/"
        )
    assert response.status_code == 302
    enqueue.assert_called_once_with(message.pk)
    message.refresh_from_db()
    conv.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE
    assert message.send_attempts == 0
    assert conv.failed_sends == 0
    event = AuditEvent.objects.get(verb="conversacion.envio_reintentado")
    assert event.actor_id == actor.pk


def test_people_outside_the_entity_cannot_retry(
    communicator: User,
    sunat_communicator: User,
    make_user: Callable[..., User],
    minsa_account: SocialAccount,
) -> None:
    conv = ingest(minsa_account)
    message = _fail(_answer(conv, communicator))
    citizen = make_user("ciudadano")
    for outsider in (sunat_communicator, citizen):
        response = login(Client(), outsider).post(
            f"/bandeja/{conv.pk}/mensajes/{message.pk}/reintentar/"
        )
        assert response.status_code == 404
        with pytest.raises(PermissionDeniedError):
            sending.message_send_retry(message=message, actor=outsider)
    message.refresh_from_db()
    assert message.send_status == SendStatus.FALLIDO
    assert Client().post(f"/bandeja/{conv.pk}/mensajes/{message.pk}/reintentar/").status_code == 302


def test_a_double_retry_sends_once(
    communicator: User,
    minsa_account: SocialAccount,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    conv = ingest(minsa_account)
    message = _fail(_answer(conv, communicator))
    with (
        mock.patch.object(send_queue, "enqueue_send") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        sending.message_send_retry(message=message, actor=communicator)
        with pytest.raises(DomainError):
            sending.message_send_retry(message=message, actor=communicator)
    enqueue.assert_called_once_with(message.pk)
    # Even two deliveries of the queued task publish once: the first claims it.
    sender = mock.Mock(return_value="plataforma-1")
    with mock.patch.object(tasks, "sender_for", return_value=sender):
        assert tasks.send_message(message.pk) == "plataforma-1"
        assert tasks.send_message(message.pk) == "nada que enviar"
    assert sender.call_count == 1
    message.refresh_from_db()
    assert message.send_status == SendStatus.ENVIADO


def test_retry_only_applies_to_failed_answers(
    communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    pending = _answer(conv, communicator)
    with pytest.raises(DomainError):
        sending.message_send_retry(message=pending, actor=communicator)
    citizen_message = conv.messages.get(direction="entrante")
    with pytest.raises(DomainError):
        sending.message_send_retry(message=citizen_message, actor=communicator)


def test_a_send_claimed_by_another_delivery_is_not_published_again(
    communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    message = _answer(conv, communicator)
    assert sending.message_send_claim(message.pk) is not None
    sender = mock.Mock(return_value="x")
    with mock.patch.object(tasks, "sender_for", return_value=sender):
        assert tasks.send_message(message.pk) == "nada que enviar"
    sender.assert_not_called()


# --- recovery ---------------------------------------------------------------------------------


def test_the_recovery_job_requeues_lost_sends_and_interrupted_ones_to_be_looked_for(
    communicator: User, minsa_account: SocialAccount
) -> None:
    """A lost pending send is queued again; a send whose worker died (its lease ran out) is
    queued too, but stays "publicando": its task looks on the platform before anything
    else (tests/inbox/test_send_once.py) and is never marked failed blindly."""
    now = timezone.now()
    lost = _answer(ingest(minsa_account), communicator)
    fresh = _answer(ingest(minsa_account), communicator)
    interrupted = _answer(ingest(minsa_account), communicator)
    working = _answer(ingest(minsa_account), communicator)
    Message.objects.filter(pk=lost.pk).update(send_due_at=now - timedelta(minutes=5))
    Message.objects.filter(pk=interrupted.pk).update(
        send_status=SendStatus.ENVIANDO, send_due_at=now - timedelta(minutes=30)
    )
    # Claimed by a live worker: its lease still runs.
    Message.objects.filter(pk=working.pk).update(
        send_status=SendStatus.ENVIANDO, send_due_at=now + timedelta(minutes=5)
    )
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert sending.sends_recover(now) == {"reencolados": 1, "interrumpidos": 1}
    assert sorted(c.args for c in enqueue.call_args_list) == [(lost.pk,), (interrupted.pk,)]
    fresh.refresh_from_db()
    assert fresh.send_status == SendStatus.PENDIENTE
    interrupted.refresh_from_db()
    assert interrupted.send_status == SendStatus.ENVIANDO
    # Run again at once: both were just queued, nothing more to do.
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        assert sending.sends_recover(now) == {"reencolados": 0, "interrumpidos": 0}
    enqueue.assert_not_called()


def test_a_token_this_server_cannot_decrypt_is_a_send_error_that_calls_no_platform(
    communicator: User, minsa_account: SocialAccount, token: AccountCredential
) -> None:
    """Issue 16: a token saved by a server with another AGORA_ENCRYPTION_KEY. The worker read
    it, failed with a bare ValueError, and the answer went to "verificar en la plataforma";
    nothing was sent, so it is a failed attempt with the reason, retried later."""
    import responses
    from cryptography.fernet import Fernet
    from django.db import connection

    elsewhere = Fernet(Fernet.generate_key()).encrypt(b"EAABotroservidor").decode()
    with connection.cursor() as cursor:  # the stored ciphertext, as the other server wrote it
        cursor.execute(
            f"UPDATE {AccountCredential._meta.db_table} SET secret = %s WHERE id = %s",  # noqa: S608
            [elsewhere, token.pk],
        )
    conv = ingest(minsa_account)
    message = _answer(conv, communicator)
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as platform,
        mock.patch.object(send_queue, "enqueue_send") as again,
    ):
        outcome = tasks.send_message(message.pk)
    message.refresh_from_db()
    assert outcome == "error", message.send_error
    assert len(platform.calls) == 0
    message.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE  # to be tried again, not "verificar"
    assert "AGORA_ENCRYPTION_KEY debe ser la misma en todos los servidores" in message.send_error
    assert again.call_count == 1  # retried later: the operator may fix the key meanwhile
