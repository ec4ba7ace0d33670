"""Who approves answers to citizens when an entity asks for it (``PublishingSettings``):
registered with the inbox at start-up (agora/inbox/reply_approval.py)."""

from __future__ import annotations

from agora.core.models import User
from agora.directory import roles
from agora.inbox.reply_approval import ReplyPolicy
from agora.publishing import permissions
from agora.publishing.models import PublishingSettings


def is_approver(entity_id: int, user: User) -> bool:
    """The entity's communications manager, or a person it named approver (who works for it):
    the same rule as for planned posts (``permissions.may_approve``)."""
    return permissions.may_approve(user, entity_id)


def must_approve(entity_id: int, user: User) -> bool:
    """Answers need approval when the entity switched it on, unless their writer approves."""
    asks = PublishingSettings.objects.filter(entity_id=entity_id, reply_approval=True).exists()
    return asks and not is_approver(entity_id, user)


def approvers(entity_id: int) -> list[User]:
    """The entity's managers and the named approvers who still work for it."""
    named = User.objects.filter(
        is_active=True,
        pk__in=PublishingSettings.objects.filter(entity_id=entity_id).values("approvers"),
        memberships__entity_id=entity_id,
        memberships__ended_at__isnull=True,
    ).distinct()
    people = list(roles.managers_of(entity_id)) + list(named)
    return list({u.pk: u for u in people}.values())


POLICY = ReplyPolicy(must_approve=must_approve, may_approve=is_approver, approvers=approvers)
