"""Sends you can trust: at most once on the platform, at least once in effort. The claim that
marks an answer "publicando" (with its attempt) before the platform is called, what an unknown
outcome leaves (a look on the platform before any new attempt), what a failed send leaves (its
count on the conversation, a notification to its author), "Reintentar" and "Ya está publicada",
and the recovery of sends whose task was lost or whose worker died.

The answer row itself is the durable record of the send (written with the answer, in the same
transaction): the task queued after the commit only makes it fast. ``sends_recover`` runs every
minute and queues again any pending answer past its due time, and any "publicando" answer whose
worker's lease ran out; that task looks on the platform first (agora/inbox/tasks.py)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.inbox import send_queue
from agora.inbox.counts import counts_changed
from agora.inbox.models import Conversation, Direction, Message, SendStatus

log = logging.getLogger(__name__)

# A pending answer this long past its due time has lost its task (the process died after the
# commit, the broker lost it): it is queued again.
STALE_AFTER = timedelta(minutes=2)
# How long a worker that claimed a send may be calling the platform. Longer than a task may
# run (Q_CLUSTER["timeout"]: the worker is killed then), so a "publicando" answer past it was
# left by a dead worker: it is looked for on the platform, never sent again blindly.
_TIMEOUT: Any = settings.Q_CLUSTER.get("timeout", 300)
LEASE = timedelta(seconds=int(_TIMEOUT) + 60)
STUCK_AFTER = LEASE  # the name the recovery job used before
RECOVER_BATCH = 500
_RETRY_WORDS = re.compile(r"[;,]?\s*se reintentará\.?", re.IGNORECASE)


@dataclass(frozen=True)
class SendClaim:
    """A send claimed by one worker. ``look_first``: an earlier attempt may have been
    published (a timeout, a dead worker): the platform is read before any new attempt."""

    message: Message
    look_first: bool


def failed_sends_refresh(conversation_id: int) -> None:
    """Recounts the conversation's answers whose send failed, and those to check on the
    platform (the list's badges and filter)."""
    counts = Message.objects.filter(conversation_id=conversation_id).aggregate(
        failed=Count("id", filter=Q(send_status=SendStatus.FALLIDO)),
        check=Count("id", filter=Q(send_status=SendStatus.VERIFICAR)),
    )
    Conversation.objects.filter(pk=conversation_id).update(
        failed_sends=min(counts["failed"], 32767), sends_to_check=min(counts["check"], 32767)
    )
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


def message_send_claim(message_id: int, now: datetime | None = None) -> SendClaim | None:
    """Marks an answer as being published ("publicando", with the attempt it is) in its own
    committed transaction, before the platform is called; None when there is nothing to do
    (sent, failed, to check, or claimed by a worker whose lease still runs). A pending answer
    is claimed to be sent; a "publicando" one whose lease ran out (the worker died, or its
    outcome was unknown and the look is due) is claimed to be looked for first. One
    conditional UPDATE each: of two deliveries of the task, only one gets it."""
    now = now or timezone.now()
    with transaction.atomic():
        look_first = False
        claimed = Message.objects.filter(pk=message_id, send_status=SendStatus.PENDIENTE).update(
            send_status=SendStatus.ENVIANDO,
            send_due_at=now + LEASE,
            send_attempts=F("send_attempts") + 1,
        )
        if not claimed:
            look_first = True
            claimed = Message.objects.filter(
                pk=message_id, send_status=SendStatus.ENVIANDO, send_due_at__lte=now
            ).update(send_due_at=now + LEASE)
    if not claimed:
        return None
    message = (
        Message.objects.select_related("conversation__account", "author_user")
        .filter(pk=message_id)
        .first()
    )
    return SendClaim(message, look_first) if message is not None else None


def message_send_attempt(message: Message, now: datetime | None = None) -> Message:
    """Records a new attempt of a claimed send (after a look found nothing), committed
    before the platform is called again."""
    now = now or timezone.now()
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, send_status=SendStatus.ENVIANDO).update(
            send_attempts=F("send_attempts") + 1, send_due_at=now + LEASE
        )
    message.refresh_from_db(fields=["send_attempts", "send_due_at", "send_status"])
    return message


@transaction.atomic
def message_send_uncertain(*, message: Message, error: str, look_at: datetime) -> Message:
    """The platform may have published the answer but did not say so: it stays
    "publicando", with the reason, and is looked for on the platform at ``look_at``."""
    Message.objects.filter(pk=message.pk, send_status=SendStatus.ENVIANDO).update(
        send_error=error[:2000], send_due_at=look_at
    )
    message.refresh_from_db(fields=["send_error", "send_due_at", "send_status"])
    return message


@transaction.atomic
def message_send_unverifiable(*, message: Message, reason: str) -> Message:
    """Ágora cannot tell whether the answer was published: a person checks on the platform
    and says "Ya está publicada" or "Reintentar". It is never sent again by itself."""
    updated = Message.objects.filter(pk=message.pk, send_status=SendStatus.ENVIANDO).update(
        send_status=SendStatus.VERIFICAR,
        send_due_at=None,
        send_error=(
            _(
                "No se sabe si la respuesta se publicó: %(reason)s Revísela en la plataforma: "
                "si está publicada, pulse «Ya está publicada»; si no, «Reintentar»."
            )
            % {"reason": reason.rstrip(".") + "."}
        )[:2000],
    )
    message.refresh_from_db()
    if updated:
        failed_sends_refresh(message.conversation_id)
        if message.author_user is not None:
            conversation = message.conversation
            notify(
                users=[message.author_user],
                kind="envio_por_verificar",
                text=_(
                    "Verifique en %(account)s si se publicó su respuesta: Ágora no pudo "
                    "comprobarlo."
                )
                % {"account": conversation.account},
                url=f"/bandeja/{conversation.pk}/#mensaje-{message.pk}",
                email=False,
            )
    return message


def _staff_conversation(message: Message, actor: User) -> Conversation:
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
    return conversation


@transaction.atomic
def message_send_confirm(*, message: Message, actor: User) -> Message:
    """ "Ya está publicada": a person saw on the platform the answer Ágora could not confirm;
    it counts as sent from now. Only staff of the entity; audited."""
    from agora.inbox import services

    conversation = _staff_conversation(message, actor)
    locked = (
        Message.objects.select_for_update(of=("self",))
        .filter(pk=message.pk, send_status=SendStatus.VERIFICAR)
        .first()
    )
    if locked is None:
        raise DomainError(_("Esta respuesta no está por verificar: no hay nada que confirmar."))
    error = locked.send_error
    services.message_send_result(message=locked, count_attempt=False)
    failed_sends_refresh(conversation.pk)
    audit_record(
        actor=actor,
        verb="conversacion.envio_confirmado",
        instance=conversation,
        scope=conversation.entity.code,
        before={"message": message.pk, "send_status": SendStatus.VERIFICAR, "error": error[:500]},
        after={"message": message.pk, "send_status": SendStatus.ENVIADO},
    )
    message.refresh_from_db()
    return message


@transaction.atomic
def message_send_retry(*, message: Message, actor: User) -> Message:
    """Sends again an answer whose send failed, or that a person checked on the platform and
    did not find: it becomes pending and is queued. Only staff of the conversation's entity; a
    second click finds it no longer failed and changes nothing."""
    conversation = _staff_conversation(message, actor)
    now = timezone.now()
    before_status = message.send_status
    # One conditional UPDATE: of two clicks at once, only one finds it failed. An answer to
    # check is sent again only this way: a person looked and did not find it.
    updated = Message.objects.filter(
        pk=message.pk, send_status__in=[SendStatus.FALLIDO, SendStatus.VERIFICAR]
    ).update(send_status=SendStatus.PENDIENTE, send_attempts=0, send_error="", send_due_at=now)
    if not updated:
        raise DomainError(
            _("Esta respuesta ya no tiene un envío fallido: no hay nada que reintentar.")
        )
    failed_sends_refresh(conversation.pk)
    audit_record(
        actor=actor,
        verb="conversacion.envio_reintentado",
        instance=conversation,
        scope=conversation.entity.code,
        before={
            "message": message.pk,
            "send_status": before_status,
            "error": message.send_error[:500],
        },
        after={"message": message.pk, "send_status": SendStatus.PENDIENTE},
    )

    pk = message.pk
    transaction.on_commit(lambda: send_queue.enqueue_send(pk))
    message.refresh_from_db()
    return message


def sends_stuck_count(now: datetime | None = None) -> int:
    """Answers pending or being published past their due time: what ``sends_recover``
    queues again on its next run (a lasting figure means sends cannot get through)."""
    now = now or timezone.now()
    return Message.objects.filter(
        send_status__in=[SendStatus.PENDIENTE, SendStatus.ENVIANDO],
        send_due_at__lt=now - STALE_AFTER,
    ).count()


def sends_recover(now: datetime | None = None) -> dict[str, int]:
    """Queues again the pending answers left past their due time (their task was lost), and
    the "publicando" ones whose worker's lease ran out or whose look on the platform is
    overdue: that task looks on the platform before anything else (agora/inbox/tasks.py).
    Idempotent: a send is claimed before it is published or looked for, so a duplicate task
    does nothing."""

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
            send_queue.enqueue_send(pk)
            requeued += 1
    # A lease that ran out (the worker died mid-send) or a look due a while ago (its task was
    # lost). Not yet due ones are left to their own task.
    stuck = list(
        Message.objects.filter(send_status=SendStatus.ENVIANDO)
        .filter(Q(send_due_at__lt=now - STALE_AFTER) | Q(send_due_at__isnull=True))
        .order_by("pk")
        .values_list("pk", flat=True)[:RECOVER_BATCH]
    )
    interrupted = 0
    for pk in stuck:
        # Due now: the claim takes it; the next run leaves it alone while the task works.
        if Message.objects.filter(
            Q(send_due_at__lt=now - STALE_AFTER) | Q(send_due_at__isnull=True),
            pk=pk,
            send_status=SendStatus.ENVIANDO,
        ).update(send_due_at=now):
            send_queue.enqueue_send(pk)
            interrupted += 1
    if requeued or interrupted:
        log.warning(
            "envíos: %d reencolados, %d por comprobar en la plataforma", requeued, interrupted
        )
    return {"reencolados": requeued, "interrumpidos": interrupted}
