"""Background jobs of the inbox (django-q2): sending answers with retries, and the periodic
deadline check that marks breaches, notifies and escalates."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django_q.models import Schedule

from agora.core.crypto import CredentialUnreadable
from agora.inbox import breaches, send_queue, sending, services
from agora.inbox.models import (
    Message,
)
from agora.inbox.senders import (
    LookupUnavailable,
    SendError,
    SendUncertain,
    finder_for,
    sender_for,
)

log = logging.getLogger(__name__)
MAX_SEND_ATTEMPTS = 6
BACKOFF_SECONDS = 30


def send_message(message_id: int) -> str:
    """Sends one answer, at most once on the platform. It is claimed first ("publicando",
    with its attempt, committed: agora/inbox/sending.py), so a second delivery of this task
    publishes nothing. A refusal or a failed connection is retried with exponential backoff
    (30 s, 1, 2, 4, 8 min) up to six attempts. An unknown outcome (a read timeout, a reset
    after sending, a worker that died mid-send) is never retried blindly: the platform is read
    first for the answer (agora/connectors/lookups.py): found, it is sent; certainly absent, it
    is tried again; unknowable, a person checks ("verificar en la plataforma")."""
    claim = sending.message_send_claim(message_id)
    if claim is None:
        return "nada que enviar"
    message = claim.message
    sender = sender_for(message.platform)
    if sender is None:
        services.message_send_result(
            message=message,
            error=_("No hay un conector de envío para %(platform)s.")
            % {"platform": message.get_platform_display()},
            final=True,
            count_attempt=False,
        )
        return "sin conector"
    if claim.look_first:
        looked = _look(message)
        if looked is not None:
            return looked
        if message.send_attempts >= MAX_SEND_ATTEMPTS:
            services.message_send_result(
                message=message,
                error=sending.final_error_text(
                    _("No se publicó: se comprobó en la plataforma que la respuesta no está."),
                    message.send_attempts,
                ),
                final=True,
                count_attempt=False,
            )
            return "error"
        message = sending.message_send_attempt(message)
    return _publish(message, sender)


def _backoff(attempt: int) -> int:
    return int(BACKOFF_SECONDS * 2 ** max(0, attempt - 1))


def _look(message: Message) -> str | None:
    """Looks on the platform for an answer that may have been published. Returns what the
    task did (the platform id found, or "por verificar"), or None when the platform shows for
    certain it is not there (then it may be sent again)."""
    finder = finder_for(message.platform)
    try:
        if finder is None:
            raise LookupUnavailable(_("Esta plataforma no permite comprobar si se publicó."))
        platform_id = finder(message)
    except (LookupUnavailable, CredentialUnreadable) as exc:
        sending.message_send_unverifiable(message=message, reason=str(exc))
        return "por verificar"
    except Exception:
        log.exception("envío %s: error inesperado al buscar la respuesta", message.pk)
        sending.message_send_unverifiable(
            message=message, reason=_("error inesperado al consultar la plataforma.")
        )
        return "por verificar"
    if platform_id:
        services.message_send_result(message=message, platform_id=platform_id, count_attempt=False)
        return platform_id
    return None


def _failed(message: Message, exc: SendError, attempt: int) -> str:
    """A refused or failed attempt that certainly published nothing: retried with backoff up
    to ``MAX_SEND_ATTEMPTS``, or final (permanent refusals, the last attempt)."""
    final = exc.permanent or attempt >= MAX_SEND_ATTEMPTS
    error = str(exc)
    if final and not exc.permanent:
        error = sending.final_error_text(error, attempt)
    delay = _backoff(attempt)
    services.message_send_result(
        message=message,
        error=error,
        final=final,
        retry_at=None if final else timezone.now() + timedelta(seconds=delay),
        count_attempt=False,
    )
    if not final:
        send_queue.enqueue_send(message.pk, delay)
    return "error"


def _publish(message: Message, sender: Callable[[Message], str]) -> str:
    """One attempt (already recorded as "publicando"): the platform call and its outcome."""
    attempt = message.send_attempts
    try:
        platform_id = sender(message)
    except SendUncertain as exc:
        # Maybe published: looked for on the platform later (it may still be processing it).
        delay = _backoff(attempt)
        sending.message_send_uncertain(
            message=message,
            error=str(exc),
            look_at=timezone.now() + timedelta(seconds=delay),
        )
        send_queue.enqueue_send(message.pk, delay)
        return "por comprobar"
    except SendError as exc:
        return _failed(message, exc, attempt)
    except CredentialUnreadable as exc:
        # The token is read before any call to the platform: certainly not published.
        return _failed(message, SendError(str(exc)), attempt)
    except Exception:
        # The sender broke midway: the answer may have been published, so it is looked for
        # on the platform before anything else.
        log.exception("envío %s: error inesperado del conector", message.pk)
        sending.message_send_uncertain(
            message=message,
            error=_(
                "Error inesperado al enviar: se comprobará en la plataforma si la respuesta "
                "se publicó antes de intentarlo de nuevo."
            ),
            look_at=timezone.now() + timedelta(seconds=BACKOFF_SECONDS),
        )
        send_queue.enqueue_send(message.pk, BACKOFF_SECONDS)
        return "error"
    services.message_send_result(message=message, platform_id=platform_id, count_attempt=False)
    return platform_id


def sends_recover() -> dict[str, int]:
    """Periodic: queues again the answers whose send task was lost or whose worker died
    (agora/inbox/sending.py)."""
    return sending.sends_recover()


def deadlines_check() -> int:
    """Every 5 minutes: missed response deadlines (agora/inbox/breaches.py)."""
    return breaches.deadlines_check()


def resolution_deadlines_check() -> int:
    """Every 15 minutes: missed resolution deadlines (agora/inbox/breaches.py)."""
    return breaches.resolution_deadlines_check()


def schedules_ensure() -> None:
    """The periodic jobs, created once (called after migrate)."""
    Schedule.objects.update_or_create(
        name="inbox-plazos",
        defaults={
            "func": "agora.inbox.tasks.deadlines_check",
            "schedule_type": Schedule.MINUTES,
            "minutes": 5,
        },
    )
    Schedule.objects.update_or_create(
        name="inbox-envios-recuperar",
        defaults={
            "func": "agora.inbox.tasks.sends_recover",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
    )
    Schedule.objects.update_or_create(
        name="inbox-plazos-resolucion",
        defaults={
            "func": "agora.inbox.tasks.resolution_deadlines_check",
            "schedule_type": Schedule.MINUTES,
            "minutes": 15,
        },
    )
