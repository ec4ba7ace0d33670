"""Answers held for approval (Sprout's reply approval, issue 18 point 2): when the entity asks
for it, an answer written by a communicator is not sent ("pendiente de aprobación") until a
manager or a named approver approves it; never its writer (four eyes). Approving sends it
through the usual send path (agora/inbox/sending.py); returning it keeps it unsent, with the
reason.

Whether an entity asks for it, and who may approve, is the publishing app's (its settings):
it registers a ``ReplyPolicy`` at start-up, so the inbox does not import it. Without one,
nothing is held."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.inbox.models import Conversation, Direction, Message, SendStatus


@dataclass(frozen=True)
class ReplyPolicy:
    # Whether this person's answers on this entity's accounts must be approved.
    must_approve: Callable[[int, User], bool]
    # Whether this person may approve answers of this entity.
    may_approve: Callable[[int, User], bool]
    # Who to tell that an answer waits.
    approvers: Callable[[int], list[User]]


_POLICY: list[ReplyPolicy] = []


def register_policy(policy: ReplyPolicy) -> None:
    _POLICY[:] = [policy]


def _policy() -> ReplyPolicy | None:
    return _POLICY[0] if _POLICY else None


def may_approve(entity_id: int, user: User) -> bool:
    policy = _policy()
    return policy is not None and policy.may_approve(entity_id, user)


def reply_hold_if_required(*, message: Message, author: User) -> bool:
    """Called as the answer is written (same transaction): holds it when the entity asks for
    approval and its writer is not an approver; tells the approvers. True when held."""
    policy = _policy()
    entity_id = message.entity_id
    if policy is None or not policy.must_approve(entity_id, author):
        return False
    Message.objects.filter(pk=message.pk).update(send_status=SendStatus.APROBAR, send_due_at=None)
    message.send_status = SendStatus.APROBAR
    message.send_due_at = None
    conversation = message.conversation
    notify(
        users=[u for u in policy.approvers(entity_id) if u.pk != author.pk],
        kind="respuesta_por_aprobar",
        text=_("Una respuesta en %(account)s espera su aprobación.")
        % {"account": conversation.account},
        url=f"/bandeja/{conversation.pk}/#mensaje-{message.pk}",
        email=False,
    )
    return True


def _held(message: Message, actor: User) -> Message:
    """The held answer, locked, when ``actor`` may decide on it."""
    conversation = Conversation.objects.for_staff(actor).filter(pk=message.conversation_id).first()
    if conversation is None:
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))
    if not may_approve(conversation.entity_id, actor):
        raise PermissionDeniedError(
            _("Solo el responsable de comunicaciones o un aprobador designado aprueba respuestas.")
        )
    locked = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation__entity", "conversation__account", "author_user")
        .filter(pk=message.pk, direction=Direction.SALIENTE)
        .first()
    )
    if locked is None or locked.send_status != SendStatus.APROBAR:
        raise DomainError(_("Esta respuesta no espera aprobación."))
    if locked.author_user_id == actor.pk:
        raise PermissionDeniedError(
            _("No puede aprobar su propia respuesta: la aprueba otra persona (cuatro ojos).")
        )
    return locked


@transaction.atomic
def reply_approve(*, message: Message, actor: User) -> Message:
    """Approves a held answer: it becomes pending and is sent as any other. Audited."""
    locked = _held(message, actor)
    now = timezone.now()
    Message.objects.filter(pk=locked.pk, send_status=SendStatus.APROBAR).update(
        send_status=SendStatus.PENDIENTE, send_due_at=now, send_error=""
    )
    conversation = locked.conversation
    audit_record(
        actor=actor,
        verb="conversacion.respuesta_aprobada",
        instance=conversation,
        scope=conversation.entity.code,
        before={"message": locked.pk, "send_status": SendStatus.APROBAR},
        after={"message": locked.pk, "send_status": SendStatus.PENDIENTE},
    )
    from agora.inbox import send_queue

    pk = locked.pk
    transaction.on_commit(lambda: send_queue.enqueue_send(pk))
    locked.refresh_from_db()
    return locked


@transaction.atomic
def reply_return(*, message: Message, actor: User, reason: str) -> Message:
    """Returns a held answer to its writer, unsent, with the reason. Audited; the writer is
    told."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Indique por qué devuelve la respuesta."))
    if len(reason) > 1000:
        raise DomainError(_("El motivo es demasiado largo (máximo 1000 caracteres)."))
    locked = _held(message, actor)
    text = _("Devuelta por %(name)s: %(reason)s") % {
        "name": actor.get_full_name() or actor.get_username(),
        "reason": reason,
    }
    Message.objects.filter(pk=locked.pk, send_status=SendStatus.APROBAR).update(
        send_status=SendStatus.DEVUELTA, send_error=text
    )
    conversation = locked.conversation
    audit_record(
        actor=actor,
        verb="conversacion.respuesta_devuelta",
        instance=conversation,
        scope=conversation.entity.code,
        before={"message": locked.pk, "send_status": SendStatus.APROBAR},
        after={"message": locked.pk, "send_status": SendStatus.DEVUELTA},
        reason=reason[:500],
    )
    if locked.author_user is not None:
        notify(
            users=[locked.author_user],
            kind="respuesta_devuelta",
            text=_("Su respuesta en %(account)s fue devuelta: %(reason)s")
            % {"account": conversation.account, "reason": reason[:300]},
            url=f"/bandeja/{conversation.pk}/#mensaje-{locked.pk}",
            email=False,
        )
    locked.refresh_from_db()
    return locked
