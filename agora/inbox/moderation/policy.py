"""Each entity's moderation policy (or the rector office's default), and who manages an entity's
moderation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import user_is_rector
from agora.directory.models import Entity
from agora.inbox import permissions, senders
from agora.inbox.models import (
    Conversation,
    Direction,
    Message,
    ModerationPolicy,
    ThreadKind,
)
from agora.inbox.moderation.flags import INSULT, SPAM, THREAT


def policy_default() -> ModerationPolicy:
    """The rector office's default policy (unsaved defaults when it has not set one)."""
    return ModerationPolicy.objects.filter(entity__isnull=True).first() or ModerationPolicy()


def policies_for(entity_ids: Iterable[int]) -> dict[int, ModerationPolicy]:
    """The policy that applies to each entity: its own, else the rector office's default."""
    ids = set(entity_ids)
    own = {p.entity_id: p for p in ModerationPolicy.objects.filter(entity_id__in=ids)}
    default = policy_default()
    return {pk: own.get(pk, default) for pk in ids}


def _hide_reason_flag(flags: Sequence[str], policy: ModerationPolicy) -> str:
    """The flag that makes the policy hide a message ("" when it does not)."""
    if THREAT in flags:
        return ""
    if INSULT in flags and policy.hide_insults:
        return INSULT
    if SPAM in flags and policy.hide_spam:
        return SPAM
    return ""


def platform_allows(message: Message, conversation: Conversation) -> bool:
    return (
        senders.hider_for(message.platform) is not None
        and conversation.thread_kind == ThreadKind.COMMENTS
        and message.direction == Direction.ENTRANTE
        and not message.platform_message_id.startswith("agora:")
        and message.deleted_at is None
    )


def _require_policy_editor(actor: User, entity: Entity | None) -> None:
    """An entity's managers (and the rector office) set its policy; the default, the rector
    office only."""
    if entity is None:
        if not user_is_rector(actor):
            raise PermissionDeniedError(_("Solo el ente rector define la política general."))
    elif not user_manages(actor, entity.pk):
        raise PermissionDeniedError(_("Solo los responsables de la entidad cambian su política."))


def moderation_policy_check(
    *, actor: User, entity: Entity | None, crisis_multiplier: Decimal, crisis_min_messages: int
) -> None:
    """The checks of ``moderation_policy_update``, without writing (the admin's form runs them
    to show the reason next to the fields)."""
    _require_policy_editor(actor, entity)
    if crisis_multiplier < 1:
        raise DomainError(_("El umbral de crisis debe ser al menos 1 vez la tasa habitual."))
    if crisis_min_messages < 1:
        raise DomainError(_("El mínimo de mensajes para una crisis debe ser al menos 1."))


def moderation_policy_update(
    *,
    actor: User,
    entity: Entity | None,
    hide_insults: bool,
    hide_spam: bool,
    hide_on_platform: bool,
    crisis_multiplier: Decimal,
    crisis_min_messages: int,
    crisis_baseline_days: int | None = None,
) -> ModerationPolicy:
    """Sets an entity's moderation policy (its managers) or the default (rector office), from
    the staff page and the admin alike. ``crisis_baseline_days`` (the admin only): None keeps
    the stored value."""
    moderation_policy_check(
        actor=actor,
        entity=entity,
        crisis_multiplier=crisis_multiplier,
        crisis_min_messages=crisis_min_messages,
    )
    with transaction.atomic():
        policy = ModerationPolicy.objects.select_for_update().filter(
            entity=entity
        ).first() or ModerationPolicy(entity=entity)
        fields = [
            "hide_insults",
            "hide_spam",
            "hide_on_platform",
            "crisis_multiplier",
            "crisis_min_messages",
        ]
        if crisis_baseline_days is not None:
            fields.append("crisis_baseline_days")
        before = {name: str(getattr(policy, name)) for name in fields} if policy.pk else None
        policy.hide_insults = hide_insults
        policy.hide_spam = hide_spam
        policy.hide_on_platform = hide_on_platform
        policy.crisis_multiplier = crisis_multiplier
        policy.crisis_min_messages = crisis_min_messages
        if crisis_baseline_days is not None:
            policy.crisis_baseline_days = crisis_baseline_days
        policy.updated_by = actor
        policy.save()
        audit_record(
            actor=actor,
            verb="moderacion.politica_actualizada",
            instance=policy,
            scope=entity.code if entity else "",
            before=before,
            after={name: str(getattr(policy, name)) for name in fields},
        )
    return policy


@transaction.atomic
def moderation_policy_delete(*, actor: User, policy: ModerationPolicy) -> None:
    """Removes an entity's own policy (the rector office's default applies again) or the
    default (the built-in defaults apply); the same people as ``moderation_policy_update``."""
    entity = policy.entity
    _require_policy_editor(actor, entity)
    fields = [
        "hide_insults",
        "hide_spam",
        "hide_on_platform",
        "crisis_multiplier",
        "crisis_min_messages",
        "crisis_baseline_days",
    ]
    audit_record(
        actor=actor,
        verb="moderacion.politica_eliminada",
        instance=policy,
        scope=entity.code if entity else "",
        before={name: str(getattr(policy, name)) for name in fields},
    )
    policy.delete()


def user_manages(user: User, entity_id: int) -> bool:
    """Rector staff, or an active manager of the entity (``inbox.permissions``)."""
    return permissions.may_manage_moderation(user, entity_id)


def managed_entities(user: User) -> QuerySet[Entity]:
    """The entities whose alerts and crisis checklist this person handles."""
    return permissions.alert_entities(user)
