"""Sends you can trust: the claim that publishes an answer at most once, what a failed send
leaves (its count on the conversation, a notification to its author), "Reintentar", and the
recovery of answers whose queued task was lost.

The answer row itself is the durable record of the send (written with the answer, in the same
transaction): the task queued after the commit only makes it fast. ``sends_recover`` runs every
minute and queues again any pending answer past its due time."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.inbox.counts import counts_changed
from agora.inbox.models import Conversation, Direction, Message, SendStatus

log = logging.getLogger(__name__)

# A pending answer this long past its due time has lost its task (the process died after the
# commit, the broker lost it): it is queued again.
STALE_AFTER = timedelta(minutes=2)
# A send claimed this long ago was interrupted while calling the platform (the worker died):
# it may or may not have been published, so it is never sent again by itself.
STUCK_AFTER = timedelta(minutes=10)
RECOVER_BATCH = 500
_RETRY_WORDS = re.compile(r"[;,]?\s*se reintentará\.?", re.IGNORECASE)


def failed_sends_refresh(conversation_id: int) -> None:
    """Recounts the conversation's answers whose send failed (the list's badge and filter)."""
    failed = Message.objects.filter(
        conversation_id=conversation_id, send_status=SendStatus.FALLIDO
    ).count()
    Conversation.objects.filter(pk=conversation_id).update(failed_sends=min(failed, 32767))
    counts_changed()


def final_error_text(error: str, attempts: int) -> str:
    """The error of the last attempt, without the platform's promise to try again."""
    text = _RETRY_WORDS.sub(".", error).replace("..", ".").strip()
    return _("%(error)s Se agotaron los %(n)s intentos de envío.") % {
        "error": text,
        "n": attempts,
    }


def send_failed_notify(message: Message) -> None:
    """Tells the answer's author, in the app, that it was not published."""
    if message.author_user is None:
        return
    conversation = message.conversation
    notify(
        users=[message.author_user],
        kind="envio_fallido",
        text=_("No se publicó su respuesta en %(account)s: %(error)s")
        % {"account": conversation.account, "error": message.send_error[:300]},
        url=f"/bandeja/{conversation.pk}/#mensaje-{message.pk}",
        email=False,
    )


def message_send_claim(message_id: int) -> Message | None:
    """Marks a pending answer as being sent, in its own transaction, before the platform is
    called; None when it is not pending (already sent, being sent by another delivery of the
    same task, failed). Two deliveries of one task therefore never both publish."""
    with transaction.atomic():
        claimed = Message.objects.filter(pk=message_id, send_status=SendStatus.PENDIENTE).update(
            send_status=SendStatus.ENVIANDO, send_due_at=timezone.now()
        )
    if not claimed:
        return None
    return (
        Message.objects.select_related("conversation__account", "author_user")
        .filter(pk=message_id)
        .first()
    )


@transaction.atomic
def message_send_retry(*, message: Message, actor: User) -> Message:
    """Sends again an answer whose send failed: it becomes pending and is queued. Only staff
    of the conversation's entity; a second click finds it no longer failed and changes
    nothing."""
    conversation = (
        Conversation.objects.for_staff(actor)
        .select_related("entity")
        .filter(pk=message.conversation_id)
        .first()
    )
    if conversation is None:
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))
    if message.direction != Direction.SALIENTE:
        raise DomainError(_("Solo se pueden reintentar las respuestas de la entidad."))
    now = timezone.now()
    # One conditional UPDATE: of two clicks at once, only one finds it failed.
    updated = Message.objects.filter(pk=message.pk, send_status=SendStatus.FALLIDO).update(
        send_status=SendStatus.PENDIENTE, send_attempts=0, send_error="", send_due_at=now
    )
    if not updated:
        raise DomainError(
            _("Esta respuesta ya no tiene un envío fallido: no hay nada que reintentar.")
        )
    failed_sends_refresh(conversation.pk)
    audit_record(
        actor=actor,
        verb="conversacion.reintento_envio",
        instance=conversation,
        scope=conversation.entity.code,
        before={
            "message": message.pk,
            "send_status": SendStatus.FALLIDO,
            "error": message.send_error[:500],
        },
        after={"message": message.pk, "send_status": SendStatus.PENDIENTE},
    )
    from agora.inbox import tasks  # the task module imports services; avoid a cycle

    pk = message.pk
    transaction.on_commit(lambda: tasks.enqueue_send(pk))
    message.refresh_from_db()
    return message


def sends_recover(now: datetime | None = None) -> dict[str, int]:
    """Queues again the pending answers left past their due time (their task was lost), and
    marks as failed, for a person to decide, the sends interrupted while calling the platform.
    Idempotent: a send is claimed before it is published, so a duplicate task does nothing."""
    from agora.inbox import services, tasks

    now = now or timezone.now()
    stale = list(
        Message.objects.filter(send_status=SendStatus.PENDIENTE)
        .filter(
            Q(send_due_at__lt=now - STALE_AFTER)
            | Q(send_due_at__isnull=True, sent_at__lt=now - STALE_AFTER)
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:RECOVER_BATCH]
    )
    requeued = 0
    for pk in stale:
        if Message.objects.filter(pk=pk, send_status=SendStatus.PENDIENTE).update(send_due_at=now):
            tasks.enqueue_send(pk)
            requeued += 1
    stuck = Message.objects.filter(
        send_status=SendStatus.ENVIANDO, send_due_at__lt=now - STUCK_AFTER
    ).order_by("pk")[:RECOVER_BATCH]
    interrupted = 0
    for message in stuck:
        services.message_send_result(
            message=message,
            error=_(
                "El envío se interrumpió y no se sabe si la respuesta se publicó. Revísela en "
                "la plataforma antes de reintentar."
            ),
            final=True,
        )
        interrupted += 1
    if requeued or interrupted:
        log.warning("envíos: %d reencolados, %d interrumpidos", requeued, interrupted)
    return {"reencolados": requeued, "interrumpidos": interrupted}
