"""Reply approval (issue 18, point 2; Sprout's reply approval): when the entity switches it on,
a communicator's answer to a citizen is held "pendiente de aprobación", not sent, until the
manager or a named approver approves it (never its writer); approving sends it through the
usual send path; returning it keeps it unsent, with the reason. Audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.core.notifications import Notification
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox import reply_approval, send_queue, sending
from agora.inbox import services as inbox
from agora.inbox.models import Conversation, Message, SendStatus
from agora.publishing.models import PublishingSettings
from tests.connectors.test_sandbox import _citizen_comment
from tests.helpers import login


@pytest.fixture
def conversation(demo_account: SocialAccount) -> Conversation:
    return _citizen_comment(demo_account)


@pytest.fixture
def approval_on(entities: dict[str, Entity]) -> PublishingSettings:
    return PublishingSettings.objects.create(entity=entities["minsa"], reply_approval=True)


def _answer(conversation: Conversation, author: User, capture: Callable[..., Any]) -> Message:
    with mock.patch.object(send_queue, "enqueue_send") as enqueue, capture(execute=True):
        message = inbox.message_answer(conversation=conversation, author=author, body="Hola.")
    message.refresh_from_db()
    message.enqueued = enqueue.called  # type: ignore[attr-defined]
    return message


@pytest.mark.django_db
def test_a_communicators_answer_is_held_and_not_sent_when_the_entity_asks(
    conversation: Conversation,
    approval_on: PublishingSettings,
    communicator: User,
    manager: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    assert message.send_status == SendStatus.APROBAR
    assert not message.enqueued  # type: ignore[attr-defined]
    # The recovery job does not send it either.
    with mock.patch.object(send_queue, "enqueue_send") as enqueue:
        sending.sends_recover()
    assert not enqueue.called
    assert Notification.objects.filter(user=manager, kind="respuesta_por_aprobar").exists()


@pytest.mark.django_db
def test_without_the_setting_or_by_the_manager_answers_are_sent_at_once(
    conversation: Conversation,
    communicator: User,
    manager: User,
    entities: dict[str, Entity],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    assert message.send_status == SendStatus.PENDIENTE and message.enqueued  # type: ignore[attr-defined]
    PublishingSettings.objects.create(entity=entities["minsa"], reply_approval=True)
    message = _answer(conversation, manager, django_capture_on_commit_callbacks)
    assert message.send_status == SendStatus.PENDIENTE and message.enqueued  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_the_manager_approves_and_it_is_sent_through_the_send_path(
    conversation: Conversation,
    approval_on: PublishingSettings,
    communicator: User,
    manager: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    with (
        mock.patch.object(send_queue, "enqueue_send") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        reply_approval.reply_approve(message=message, actor=manager)
    enqueue.assert_called_once_with(message.pk)
    message.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE
    assert AuditEvent.objects.filter(verb="conversacion.respuesta_aprobada", actor=manager).exists()
    with pytest.raises(DomainError):  # twice: nothing to approve
        reply_approval.reply_approve(message=message, actor=manager)


@pytest.mark.django_db
def test_four_eyes_the_writer_never_approves_and_others_may_not(
    conversation: Conversation,
    approval_on: PublishingSettings,
    communicator: User,
    other_manager: User,
    make_user: Callable[..., User],
    entities: dict[str, Entity],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    colleague = make_user("otra-comunicadora")
    Membership.objects.create(
        user=colleague, entity=entities["minsa"], role=MembershipRole.COMUNICADOR
    )
    for person in (colleague, other_manager):
        with pytest.raises(PermissionDeniedError):
            reply_approval.reply_approve(message=message, actor=person)
    # Named approver later: still not for their own answer.
    approval_on.approvers.add(communicator)
    with pytest.raises(PermissionDeniedError):
        reply_approval.reply_approve(message=message, actor=communicator)
    # A named approver who did not write it approves it.
    approval_on.approvers.add(colleague)
    reply_approval.reply_approve(message=message, actor=colleague)
    message.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE


@pytest.mark.django_db
def test_a_returned_answer_keeps_its_reason_and_cannot_be_sent_by_retrying(
    conversation: Conversation,
    approval_on: PublishingSettings,
    communicator: User,
    manager: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    with pytest.raises(DomainError):
        reply_approval.reply_return(message=message, actor=manager, reason=" ")
    reply_approval.reply_return(message=message, actor=manager, reason="Falta la fecha")
    message.refresh_from_db()
    assert message.send_status == SendStatus.DEVUELTA
    assert "Falta la fecha" in message.send_error
    assert Notification.objects.filter(user=communicator, kind="respuesta_devuelta").exists()
    assert AuditEvent.objects.filter(verb="conversacion.respuesta_devuelta").exists()
    with pytest.raises(DomainError):
        sending.message_send_retry(message=message, actor=communicator)


@pytest.mark.django_db
def test_the_buttons_in_the_conversation(
    client: Client,
    conversation: Conversation,
    approval_on: PublishingSettings,
    communicator: User,
    manager: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    url = f"/bandeja/{conversation.pk}/mensajes/{message.pk}/"
    as_writer = login(Client(), communicator)
    page = as_writer.get(f"/bandeja/{conversation.pk}/").content.decode()
    assert "Pendiente de aprobación" in page and f"aprobar-{message.pk}" not in page
    answer = as_writer.post(url + "aprobar/")
    assert answer.status_code == 302  # refused with a notice, nothing changed
    message.refresh_from_db()
    assert message.send_status == SendStatus.APROBAR
    as_manager = login(client, manager)
    assert (
        f"aprobar-{message.pk}" in as_manager.get(f"/bandeja/{conversation.pk}/").content.decode()
    )
    with mock.patch.object(send_queue, "enqueue_send"):
        assert as_manager.post(url + "aprobar/").status_code == 302
    message.refresh_from_db()
    assert message.send_status == SendStatus.PENDIENTE


@pytest.mark.django_db
def test_held_answers_wait_in_the_approvers_queue_never_the_writers(
    client: Client,
    conversation: Conversation,
    approval_on: PublishingSettings,
    communicator: User,
    manager: User,
    other_manager: User,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    from agora.publishing import selectors

    message = _answer(conversation, communicator, django_capture_on_commit_callbacks)
    assert [m.pk for m in selectors.replies_to_approve(manager)] == [message.pk]
    page = login(client, manager).get("/publicaciones/por-aprobar/").content.decode()
    assert "Respuestas a la ciudadanía por aprobar" in page
    assert f"/bandeja/{conversation.pk}/" in page and "Hola." in page
    assert selectors.replies_to_approve(communicator) == []  # the writer
    assert selectors.replies_to_approve(other_manager) == []  # another entity
    reply_approval.reply_approve(message=message, actor=manager)
    assert selectors.replies_to_approve(manager) == []
