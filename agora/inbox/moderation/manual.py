"""Moderation by a person: hide or show a message, with a reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.inbox.models import (
    AlertStatus,
    Conversation,
    Direction,
    Message,
    ModerationAction,
    ModerationScope,
    ModerationVerb,
    ThreatAlert,
)
from agora.inbox.moderation.actions import REASON_MAX, _action, _platform_hidden
from agora.inbox.moderation.flags import THREAT, conversations_flags_refresh
from agora.inbox.moderation.platform import _enqueue_many
from agora.inbox.moderation.policy import platform_allows


def _require_access(actor: User, message: Message) -> None:
    if not Conversation.objects.for_staff(actor).filter(pk=message.conversation_id).exists():
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Indique el motivo."))
    if len(reason) > REASON_MAX:
        raise DomainError(_("El motivo admite hasta %(max)s caracteres.") % {"max": REASON_MAX})
    return reason


@transaction.atomic
def message_hide(
    *, actor: User, message: Message, reason: str, on_platform: bool = False
) -> list[ModerationAction]:
    """A person hides a citizen's message from the inbox's default view and, if asked and the
    platform allows it, on the platform. Threats are kept in view as evidence."""
    _require_access(actor, message)
    reason = _clean_reason(reason)
    message = Message.objects.select_for_update().select_related("conversation").get(pk=message.pk)
    if message.direction != Direction.ENTRANTE:
        raise DomainError(_("Solo se ocultan mensajes de los ciudadanos."))
    if (
        THREAT in (message.flags or [])
        or ThreatAlert.objects.filter(message=message)
        .exclude(status=AlertStatus.DESCARTADA)
        .exists()
    ):
        raise DomainError(_("Una amenaza se conserva como evidencia: no se oculta ni se borra."))
    if on_platform and not platform_allows(message, message.conversation):
        raise DomainError(_("La plataforma no permite ocultar este mensaje."))
    if message.hidden_at is not None and not on_platform:
        raise DomainError(_("El mensaje ya está oculto en la bandeja."))
    actions = []
    if message.hidden_at is None:
        message.hidden_at = timezone.now()
        message.save(update_fields=["hidden_at"])
        actions.append(_action(message, ModerationVerb.OCULTAR, actor, "", reason, automatic=False))
    if on_platform:
        actions.append(
            _action(
                message,
                ModerationVerb.OCULTAR,
                actor,
                "",
                reason,
                scope=ModerationScope.PLATAFORMA,
                automatic=False,
            )
        )
    created = ModerationAction.objects.bulk_create(actions)
    _after_manual(actor, message, created, "mensaje.ocultado", reason)
    return created


@transaction.atomic
def message_show(*, actor: User, message: Message, reason: str) -> list[ModerationAction]:
    """A person shows a hidden message again, in the inbox and, where it was hidden there, on
    the platform. Automatic moderation will not hide it again."""
    _require_access(actor, message)
    reason = _clean_reason(reason)
    message = Message.objects.select_for_update().get(pk=message.pk)
    on_platform = message.pk in _platform_hidden([message.pk])
    if message.hidden_at is None and not on_platform:
        raise DomainError(_("El mensaje no está oculto."))
    actions = []
    if message.hidden_at is not None:
        message.hidden_at = None
        message.save(update_fields=["hidden_at"])
    # Recorded even when only the platform was hidden: the person's decision is the last word.
    actions.append(_action(message, ModerationVerb.MOSTRAR, actor, "", reason, automatic=False))
    if on_platform:
        actions.append(
            _action(
                message,
                ModerationVerb.MOSTRAR,
                actor,
                "",
                reason,
                scope=ModerationScope.PLATAFORMA,
                automatic=False,
            )
        )
    created = ModerationAction.objects.bulk_create(actions)
    _after_manual(actor, message, created, "mensaje.mostrado", reason)
    return created


def _after_manual(
    actor: User, message: Message, created: list[ModerationAction], verb: str, reason: str
) -> None:
    conversations_flags_refresh([message.conversation_id])
    audit_record(
        actor=actor,
        verb=verb,
        instance=message,
        scope=Entity.objects.filter(pk=message.entity_id).values_list("code", flat=True).first()
        or "",
        after={"acciones": [a.pk for a in created], "dónde": [a.scope for a in created]},
        reason=reason,
    )
    platform_ids = [a.pk for a in created if a.scope == ModerationScope.PLATAFORMA]
    if platform_ids:
        _enqueue_many(platform_ids)
