"""Who may do what in the inbox (docs/arquitectura.md, roles), as named predicates that
services, selectors, views and template tags ask instead of repeating the checks:

- an entity's **staff** (its communicators and managers) and **rector staff** read and work
  its conversations (``Conversation.objects.for_staff``); a conversation is assigned only to
  someone who works for its entity;
- its **managers** (``gestor``) and rector staff set its response-time policy, priority and
  escalation, manage its approved answers and its moderation, and see its threat alerts
  (the directory's ``may_manage_entity``);
- **rector staff** alone set the general response-time policy, manage the general library of
  approved answers and review quarantined platform events;
- who approves answers held for approval is the publishing app's rule, registered at start-up
  (``agora/inbox/reply_approval.py``).

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, views into a 403 or a 404.

Not here yet: ``agora/inbox/moderation/policy.py`` keeps its own ``user_manages`` and
``managed_entities`` (the same rules as :func:`may_manage_moderation` and
:func:`alert_entities`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agora.directory import permissions as directory_permissions
from agora.directory.models import Entity
from agora.inbox import reply_approval
from agora.inbox.models import Conversation


def _signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated)


# --- conversations ---------------------------------------------------------------------------


def works_an_inbox(user: Any) -> bool:
    """Rector staff, or a member of some entity: who opens the inbox's staff pages."""
    if not _signed_in(user):
        return False
    return directory_permissions.is_rector_staff(user) or Entity.objects.for_staff(user).exists()


def may_read_conversation(user: Any, conversation: Conversation | int) -> bool:
    """The staff of the conversation's entity and rector staff read, answer and work it."""
    if not _signed_in(user):
        return False
    pk = conversation if isinstance(conversation, int) else conversation.pk
    return Conversation.objects.for_staff(user).filter(pk=pk).exists()


def may_be_assigned(user: Any, entity: Entity | int) -> bool:
    """A conversation of ``entity`` is assigned to someone who works for it (or rector staff)."""
    return directory_permissions.may_work_for(user, entity)


def may_approve_reply(user: Any, entity_id: int) -> bool:
    """Approve (or return) an answer held for approval: the registered reply policy's rule
    (publishing: the entity's managers and named approvers); nobody without one."""
    if not _signed_in(user):
        return False
    return reply_approval.may_approve(entity_id, user)


# --- response-time policy --------------------------------------------------------------------


def may_set_response_policy(user: Any, entity: Entity) -> bool:
    """An entity's deadlines, priority window and escalation: its managers and rector staff."""
    return directory_permissions.may_manage_entity(user, entity)


def may_set_default_policy(user: Any) -> bool:
    """The rector office's general response-time policy: rector staff."""
    return directory_permissions.is_rector_staff(user)


# --- approved answers ------------------------------------------------------------------------


def may_read_canned(user: Any) -> bool:
    """Anyone who works an inbox (a membership) or the rector office."""
    return works_an_inbox(user)


def may_manage_canned(user: Any, entity: Entity | int | None) -> bool:
    """An entity's library: its managers and rector staff; the general one (``None``): rector
    staff. Communicators only use them."""
    if entity is None:
        return directory_permissions.is_rector_staff(user)
    return directory_permissions.may_manage_entity(user, entity)


# --- moderation and alerts -------------------------------------------------------------------


def may_manage_moderation(user: Any, entity: Entity | int) -> bool:
    """An entity's moderation policy and crisis checklist: its managers and rector staff."""
    return directory_permissions.may_manage_entity(user, entity)


def alert_entities(user: Any) -> QuerySet[Entity]:
    """The entities whose threat alerts this person sees: every one for rector staff, those
    they manage for a manager."""
    return directory_permissions.manageable_entities(user)


def may_see_alerts(user: Any) -> bool:
    """The threat alerts page: someone with an entity in :func:`alert_entities`."""
    return alert_entities(user).exists()


# --- platform events -------------------------------------------------------------------------


def may_resolve_quarantine(user: Any) -> bool:
    """Mark quarantined platform events as reviewed: rector staff."""
    return directory_permissions.is_rector_staff(user)
