"""Staff actions on the inbox (answer, note, assign, status, priority, labels, quarantine),
one function each, atomic and audited. Ingestion lives in ``agora.inbox.ingest`` and the
timeline and due times in ``agora.inbox.timeline``; their public names are re-exported here
(queued task names such as ``agora.inbox.services.deadlines_refresh_entity`` keep working)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.inbox import permissions, send_queue
from agora.inbox.canned import canned_answer_used
from agora.inbox.counts import counts_changed
from agora.inbox.deadlines import deadlines_for
from agora.inbox.ingest import (
    CONVERSATIONS_INSERT_CHUNK,
    INSERT_CHUNK,
    MAX_TEXT,
    THREADS_CHUNK,
    URL_MAX,
    IncomingMessage,
    IncomingPost,
    IngestResult,
    RefusedEvent,
    incoming_problem,
    message_ingest,
    messages_ingest,
    posts_store,
)
from agora.inbox.models import (
    PLATFORM_ID_MAX,
    CannedAnswer,
    Conversation,
    Direction,
    Label,
    Message,
    Priority,
    PriorityReason,
    QuarantinedEvent,
    SendStatus,
    Status,
    ThreadKind,
)
from agora.inbox.priority import priorities_refresh
from agora.inbox.signals import answer_confirmed
from agora.inbox.timeline import (
    CHUNK,
    DEADLINES_CHUNK,
    DEADLINES_TASK,
    DEADLINES_TASK_SIZE,
    _refresh_deadlines,
    conversation_timeline_replay,
    conversations_apply_events,
    datetime_adapter,
    deadlines_refresh_all,
    deadlines_refresh_all_later,
    deadlines_refresh_entity,
    deadlines_refresh_later,
)

log = logging.getLogger(__name__)


# --- staff actions ---------------------------------------------------------------------------


def _require_access(actor: User, conversation: Conversation) -> None:
    if not permissions.may_read_conversation(actor, conversation):
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))


def _local_id() -> str:
    return f"agora:{uuid.uuid4()}"


def answer_target(conversation: Conversation) -> Message | None:
    """The message an answer targets by default: the thread's latest citizen message that is
    not deleted on the platform."""
    return (
        conversation.messages.filter(direction=Direction.ENTRANTE, deleted_at__isnull=True)
        .order_by("-sent_at", "-id")
        .first()
    )


def _check_reply_to(conversation: Conversation, reply_to: Message) -> None:
    if reply_to.conversation_id != conversation.pk:
        raise DomainError(_("El mensaje al que responde no es de esta conversación."))
    if reply_to.direction != Direction.ENTRANTE:
        raise DomainError(_("Solo se responde a mensajes de la ciudadanía."))
    if reply_to.deleted_at is not None:
        raise DomainError(_("El mensaje al que responde fue borrado en la plataforma: elija otro."))


@transaction.atomic
def message_answer(
    *,
    conversation: Conversation,
    author: User,
    body: str,
    canned: CannedAnswer | None = None,
    reply_to: Message | None = None,
) -> Message:
    """Writes the entity's answer to one citizen message (by default the thread's latest);
    it is published as a reply to that message in the background and counts as an answer
    only once the platform confirms it. ``canned``: the approved answer it was written
    with, recorded with it (agora/inbox/canned.py)."""
    _require_access(author, conversation)
    body = body.strip()
    if not body:
        raise DomainError(_("La respuesta está vacía."))
    if len(body) > 8000:
        raise DomainError(_("La respuesta es demasiado larga (máximo 8000 caracteres)."))
    if reply_to is None:
        reply_to = answer_target(conversation)
    else:
        _check_reply_to(conversation, reply_to)
    last_inbound = reply_to
    message = Message.objects.create(
        conversation=conversation,
        entity_id=conversation.entity_id,
        platform=conversation.platform,
        platform_message_id=_local_id(),
        parent_platform_id=last_inbound.platform_message_id if last_inbound else "",
        reply_to=last_inbound,
        direction=Direction.SALIENTE,
        author_user=author,
        author_name=author.get_full_name() or author.get_username(),
        text=body,
        sent_at=timezone.now(),
        send_status=SendStatus.PENDIENTE,
        # The row is the durable record of the send: if the task queued after the commit is
        # lost, agora/inbox/sending.py:sends_recover queues it again.
        send_due_at=timezone.now(),
    )
    if canned is not None:
        canned_answer_used(canned=canned, message=message, actor=author)
    audit_record(
        actor=author,
        verb="conversacion.respondida",
        instance=conversation,
        scope=conversation.entity.code,
        after={
            "message": message.pk,
            "reply_to": last_inbound.pk if last_inbound else None,
            "text": body[:500],
        },
    )
    if conversation.status == Status.NUEVO:
        Conversation.objects.filter(pk=conversation.pk).update(status=Status.ABIERTO)
        counts_changed()
    from agora.inbox import reply_approval

    if reply_approval.reply_hold_if_required(message=message, author=author):
        return message  # sent once approved (agora/inbox/reply_approval.py)
    transaction.on_commit(lambda: send_queue.enqueue_send(message.pk))
    return message


@transaction.atomic
def message_send_result(
    *,
    message: Message,
    platform_id: str = "",
    error: str = "",
    final: bool = False,
    retry_at: datetime | None = None,
    count_attempt: bool = True,
) -> Message:
    """Records the platform's answer to a send: the platform id on success (the answer then
    counts), or the error (shown to staff; retried at ``retry_at`` unless ``final``, when the
    conversation shows it failed and its author is notified). ``count_attempt``: False when
    the attempt was already counted as it was claimed (agora/inbox/sending.py)."""
    from agora.inbox import sending

    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation__account", "author_user")
        .get(pk=message.pk)
    )
    if message.send_status == SendStatus.ENVIADO:
        return message
    was_failed = message.send_status in (SendStatus.FALLIDO, SendStatus.VERIFICAR)
    if count_attempt:
        message.send_attempts += 1
    if error:
        message.send_error = error[:2000]
        message.send_status = SendStatus.FALLIDO if final else SendStatus.PENDIENTE
        message.send_due_at = None if final else (retry_at or timezone.now())
        message.save(update_fields=["send_attempts", "send_error", "send_status", "send_due_at"])
        if final:
            sending.failed_sends_refresh(message.conversation_id)
            if not was_failed:
                sending.send_failed_notify(message)
        return message
    now = timezone.now()
    if len(platform_id) > PLATFORM_ID_MAX:
        # Published, but its id does not fit whole: the answer counts under its local id
        # rather than a cut one (which would match nothing on the platform).
        log.warning(
            "respuesta %s publicada con un id de %d caracteres", message.pk, len(platform_id)
        )
        platform_id = ""
    if platform_id:
        # The platform may already have echoed our answer through a webhook: keep one row.
        echo = Message.objects.filter(
            platform=message.platform, platform_message_id=platform_id
        ).exclude(pk=message.pk)
        echo_ids = list(echo.values_list("pk", flat=True))
        if echo_ids:
            Message.objects.filter(pk__in=echo_ids).delete()
            Conversation.objects.filter(pk=message.conversation_id).update(
                message_count=Greatest(F("message_count") - len(echo_ids), 0)
            )
        message.platform_message_id = platform_id
    message.send_status = SendStatus.ENVIADO
    message.send_error = ""
    message.send_due_at = None
    message.sent_at = now
    message.save()
    if was_failed:  # an interrupted send that the platform confirmed after all
        sending.failed_sends_refresh(message.conversation_id)
    conversations_apply_events(events={message.conversation_id: [(now, True)]}, now=now)
    answer_confirmed.send(sender=Message, conversation_ids=[message.conversation_id], now=now)
    return message


@transaction.atomic
def note_add(*, conversation: Conversation, author: User, body: str) -> Message:
    _require_access(author, conversation)
    body = body.strip()
    if not body:
        raise DomainError(_("La nota está vacía."))
    note = Message.objects.create(
        conversation=conversation,
        entity_id=conversation.entity_id,
        platform=conversation.platform,
        platform_message_id=_local_id(),
        direction=Direction.NOTA,
        author_user=author,
        author_name=author.get_full_name() or author.get_username(),
        text=body[:MAX_TEXT],
        sent_at=timezone.now(),
    )
    audit_record(
        actor=author,
        verb="conversacion.nota_agregada",
        instance=conversation,
        scope=conversation.entity.code,
        after={"message": note.pk},
    )
    return note


_STATUS_FIELDS = [
    "status",
    "assignee",
    "priority",
    "priority_manual",
    "resolved_at",
    "waiting_since",
]
# conversation_set_priority: give the priority back to the written rules.
AUTOMATIC_PRIORITY = "auto"


def _locked(conversation: Conversation) -> Conversation:
    """The conversation re-read under a row lock, so that the audit's "before" is current."""
    return Conversation.objects.select_for_update().select_related("entity").get(pk=conversation.pk)


def _audit_change(*, actor: User, conv: Conversation, verb: str, before: dict[str, Any]) -> None:
    counts_changed()
    audit_record(
        actor=actor,
        verb=verb,
        instance=conv,
        scope=conv.entity.code,
        before=before,
        after=snapshot(conv, _STATUS_FIELDS),
    )


@transaction.atomic
def conversation_set_status(
    *, conversation: Conversation, actor: User, status: str
) -> Conversation:
    _require_access(actor, conversation)
    if status not in Status.values:
        raise DomainError(_("Estado desconocido."))
    conv = _locked(conversation)
    if status == Status.EN_ESPERA and conv.status != Status.EN_ESPERA and conv.awaiting_since:
        # "En espera" pauses the clocks while the entity waits for the citizen: with a
        # citizen message still unanswered it would only hide a deadline.
        raise DomainError(
            _(
                "Responda primero al mensaje pendiente: «en espera» es para cuando la entidad "
                "espera una respuesta de la ciudadanía."
            )
        )
    before = snapshot(conv, _STATUS_FIELDS)
    now = timezone.now()
    deadlines = deadlines_for(conv.entity)
    if conv.status == Status.EN_ESPERA and conv.waiting_since and status != Status.EN_ESPERA:
        conv.paused_seconds += int(deadlines.calendar.between(conv.waiting_since, now))
        conv.waiting_since = None
    if status == Status.EN_ESPERA:
        conv.waiting_since = now
    if status == Status.CERRADO:
        conv.resolved_at = now
        conv.awaiting_since = None
    elif conv.status == Status.CERRADO:
        conv.resolved_at = None
    conv.status = status
    _refresh_deadlines(conv, deadlines)
    conv.save()
    _audit_change(actor=actor, conv=conv, verb="conversacion.estado_cambiado", before=before)
    if priorities_refresh(conversation_ids=[conv.pk], now=now):
        conv.refresh_from_db(fields=["priority", "priority_reason"])
    return conv


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, actor: User, assignee: User | None
) -> Conversation:
    _require_access(actor, conversation)
    if assignee is not None and not permissions.may_be_assigned(assignee, conversation.entity_id):
        raise DomainError(
            _("%(name)s no trabaja para esta entidad.") % {"name": assignee.get_username()}
        )
    conv = _locked(conversation)
    before = snapshot(conv, _STATUS_FIELDS)
    conv.assignee = assignee
    if conv.status == Status.NUEVO:
        conv.status = Status.ABIERTO
    conv.save(update_fields=["assignee", "status", "updated_at"])
    _audit_change(actor=actor, conv=conv, verb="conversacion.asignada", before=before)
    return conv


@transaction.atomic
def conversation_set_priority(
    *, conversation: Conversation, actor: User, priority: str
) -> Conversation:
    """Sets the priority by hand (it then wins over the rules of agora/inbox/priority.py), or
    gives it back to the rules with ``priority="auto"``."""
    _require_access(actor, conversation)
    if priority != AUTOMATIC_PRIORITY and priority not in Priority.values:
        raise DomainError(_("Prioridad desconocida."))
    conv = _locked(conversation)
    before = snapshot(conv, _STATUS_FIELDS)
    if priority == AUTOMATIC_PRIORITY:
        conv.priority_manual = False
        conv.priority_reason = PriorityReason.NINGUNA
        conv.save(update_fields=["priority_manual", "priority_reason", "updated_at"])
        priorities_refresh(conversation_ids=[conv.pk])
        conv.refresh_from_db(fields=["priority", "priority_reason"])
    else:
        conv.priority = priority
        conv.priority_manual = True
        conv.priority_reason = PriorityReason.MANUAL
        conv.save(update_fields=["priority", "priority_manual", "priority_reason", "updated_at"])
    _audit_change(actor=actor, conv=conv, verb="conversacion.prioridad_cambiada", before=before)
    return conv


@transaction.atomic
def conversation_set_labels(
    *, conversation: Conversation, actor: User, names: Iterable[str]
) -> Conversation:
    _require_access(actor, conversation)
    clean = sorted({n.strip()[:60] for n in names if n.strip()})
    before = sorted(conversation.labels.values_list("name", flat=True))
    labels = []
    for name in clean:
        label, _created = Label.objects.get_or_create(entity_id=conversation.entity_id, name=name)
        labels.append(label)
    conversation.labels.set(labels)
    audit_record(
        actor=actor,
        verb="conversacion.etiquetada",
        instance=conversation,
        scope=conversation.entity.code,
        before={"labels": before},
        after={"labels": clean},
    )
    return conversation


@transaction.atomic
def quarantined_event_resolve(*, actor: User, event: QuarantinedEvent) -> QuarantinedEvent:
    """Rector staff mark a quarantined platform event as reviewed."""
    if not permissions.may_resolve_quarantine(actor):
        raise PermissionDeniedError(_("Solo el ente rector revisa los eventos en cuarentena."))
    event = QuarantinedEvent.objects.select_for_update().get(pk=event.pk)
    if event.resolved_at is None:
        event.resolved_at, event.resolved_by = timezone.now(), actor
        event.save(update_fields=["resolved_at", "resolved_by"])
        audit_record(
            actor=actor,
            verb="cuarentena.revisado",
            instance=event,
            after={"resolved_at": event.resolved_at.isoformat()},
        )
    return event


__all__ = [
    "IncomingMessage",
    "IncomingPost",
    "IngestResult",
    "ThreadKind",
    "conversation_assign",
    "conversation_set_labels",
    "conversation_set_priority",
    "conversation_set_status",
    "message_answer",
    "message_ingest",
    "message_send_result",
    "messages_ingest",
    "note_add",
    "posts_store",
]


# Ingestion and the timeline, re-exported (callers and queued task names that predate the split).
__all__ = [
    "CHUNK",
    "CONVERSATIONS_INSERT_CHUNK",
    "DEADLINES_CHUNK",
    "DEADLINES_TASK",
    "DEADLINES_TASK_SIZE",
    "INSERT_CHUNK",
    "MAX_TEXT",
    "THREADS_CHUNK",
    "URL_MAX",
    "IncomingMessage",
    "IncomingPost",
    "IngestResult",
    "RefusedEvent",
    "conversation_timeline_replay",
    "conversations_apply_events",
    "datetime_adapter",
    "deadlines_refresh_all",
    "deadlines_refresh_all_later",
    "deadlines_refresh_entity",
    "deadlines_refresh_later",
    "incoming_problem",
    "message_ingest",
    "messages_ingest",
    "posts_store",
]
