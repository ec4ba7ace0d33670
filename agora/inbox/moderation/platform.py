"""Hiding and showing comments on the platform: a queued task with retries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.inbox import senders
from agora.inbox.models import (
    ModerationAction,
    ModerationScope,
    ModerationVerb,
    PlatformResult,
)
from agora.inbox.moderation.policy import platform_allows
from agora.inbox.senders import SendError

log = logging.getLogger("agora.inbox.moderation")


MAX_PLATFORM_ATTEMPTS = 5
BACKOFF_SECONDS = 60


def _enqueue_many(action_ids: Sequence[int]) -> None:
    """Recorded in the current transaction, run by a worker after it (``agora.core.outbox``):
    an action lost with a worker is run again, and running it twice does nothing more."""
    from agora.core.outbox import enqueue_on_commit

    enqueue_on_commit("agora.inbox.moderation.platform_actions_run", list(action_ids))


def platform_actions_run(action_ids: Sequence[int]) -> int:
    """Runs the pending platform actions among ``action_ids`` (an outbox task)."""
    return sum(platform_action_run(pk) == "hecho" for pk in action_ids)


def enqueue_platform_action(action_id: int, delay_seconds: int = 0) -> None:
    from django_q.models import Schedule
    from django_q.tasks import async_task, schedule

    try:
        if delay_seconds:
            schedule(
                "agora.inbox.moderation.platform_action_run",
                action_id,
                schedule_type=Schedule.ONCE,
                next_run=timezone.now() + timedelta(seconds=delay_seconds),
                name=f"moderacion-{action_id}-{timezone.now().timestamp():.0f}",
            )
        else:
            async_task("agora.inbox.moderation.platform_action_run", action_id)
    except Exception:  # the action stays pending and visible; never fail the caller
        log.exception("No se pudo encolar la acción de moderación %s", action_id)


def hider_for(platform: str) -> senders.Hider | None:
    """How to hide a comment on ``platform`` (registered by the connectors at start-up)."""
    return senders.hider_for(platform)


def platform_action_run(action_id: int) -> str:
    """Hides or shows one comment on the platform; failures are retried with backoff (1, 2,
    4, 8 min) up to five attempts, and recorded on the action."""
    action = (
        ModerationAction.objects.select_related("message__conversation__account")
        .filter(pk=action_id, scope=ModerationScope.PLATAFORMA)
        .first()
    )
    if action is None or action.platform_result != PlatformResult.PENDIENTE:
        return "nada que hacer"
    message = action.message
    hider = hider_for(message.platform)
    if hider is None or not platform_allows(message, message.conversation):
        _platform_result(action, PlatformResult.NO_PERMITIDO, _("La plataforma no lo permite."))
        return "no permitido"
    try:
        hider(
            message.conversation.account,
            message.platform_message_id,
            action.action == ModerationVerb.OCULTAR,
        )
    except SendError as exc:
        attempts = action.platform_attempts + 1
        final = exc.permanent or attempts >= MAX_PLATFORM_ATTEMPTS
        _platform_result(
            action, PlatformResult.FALLIDO if final else PlatformResult.PENDIENTE, str(exc)
        )
        if not final:
            enqueue_platform_action(action.pk, BACKOFF_SECONDS * 2 ** (attempts - 1))
        return "error"
    _platform_result(action, PlatformResult.HECHO, "")
    return "hecho"


def _platform_result(action: ModerationAction, result: str, error: str) -> None:
    with transaction.atomic():
        fresh = ModerationAction.objects.select_for_update().get(pk=action.pk)
        fresh.platform_attempts += 1
        fresh.platform_result = result
        fresh.platform_error = error[:2000]
        if result == PlatformResult.HECHO:
            fresh.platform_done_at = timezone.now()
        fresh.save(
            update_fields=[
                "platform_attempts",
                "platform_result",
                "platform_error",
                "platform_done_at",
            ]
        )
        if result == PlatformResult.FALLIDO:
            audit_record(
                actor=None,
                verb="mensaje.moderacion_plataforma_fallida",
                instance=fresh,
                after={"error": fresh.platform_error, "intentos": fresh.platform_attempts},
            )
