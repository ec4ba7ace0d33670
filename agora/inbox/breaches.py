"""Missed deadlines: the one write path for ``Conversation.breached_at`` and ``DeadlineBreach``.
A breach is recorded once per conversation, kind and due time, told to the assignee and the
entity's managers, and escalated (agora/inbox/escalation.py). Run by the periodic jobs of
agora/inbox/tasks.py."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.models import User
from agora.core.notifications import notify
from agora.directory import roles
from agora.inbox import escalation, priority
from agora.inbox.models import (
    BreachKind,
    Conversation,
    DeadlineBreach,
    Status,
)
from agora.inbox.notices import conversation_notice

log = logging.getLogger(__name__)


def _managers(entity_id: int) -> list[User]:
    return list(roles.managers_of(entity_id))


def _escalate(conv: Conversation, kind: str, due_at: datetime, now: datetime) -> None:
    """A real breach is escalated to a named person (agora/inbox/escalation.py); the
    priority follows the written rules (agora/inbox/priority.py), not the breach alone."""
    escalation.conversation_escalate_breach(conversation=conv, kind=kind, due_at=due_at, now=now)


def _record_breach(conv: Conversation, kind: str, due_at: datetime, text: str) -> bool:
    """Records one breach (once per conversation, kind and due time) and tells the assignee
    and the entity's managers. False if it was already recorded."""
    _breach, created = DeadlineBreach.objects.get_or_create(
        conversation=conv,
        kind=kind,
        due_at=due_at,
        defaults={"entity_id": conv.entity_id, "assignee": conv.assignee},
    )
    if not created:
        return False
    recipients = [*_managers(conv.entity_id), *([conv.assignee] if conv.assignee else [])]
    notify(
        users=recipients,
        kind="plazo_vencido",
        text=conversation_notice(text, conv),
        email_text=conversation_notice(text, conv, quote=False),
        url=f"/bandeja/{conv.pk}/",
        dedupe_key=f"plazo:{kind}:{conv.pk}:{due_at:%Y%m%d%H%M}",
    )
    return True


def deadlines_check() -> int:
    """Marks every conversation whose response deadline passed, notifies the assignee and the
    entity's managers, escalates it to the entity's escalation contact, and applies the
    priority rules to the deadlines now due soon. Returns how many it marked.
    (Resolution deadlines: ``resolution_deadlines_check``.)"""
    now = timezone.now()
    due = Conversation.objects.filter(
        due_at__lt=now, breached_at__isnull=True, due_at__isnull=False
    ).filter(~Q(status__in=[Status.CERRADO, Status.EN_ESPERA]))
    marked = 0
    for conv in due.select_related("entity", "assignee").iterator(chunk_size=200):
        with transaction.atomic():
            updated = Conversation.objects.filter(pk=conv.pk, breached_at__isnull=True).update(
                breached_at=now
            )
            if not updated or conv.due_at is None:
                continue
            kind = BreachKind.PRIMERA if conv.first_response_at is None else BreachKind.SIGUIENTE
            _record_breach(
                conv,
                kind,
                conv.due_at,
                _("Venció el plazo de respuesta de una conversación de %(entity)s.")
                % {"entity": conv.entity.name},
            )
            _escalate(conv, kind, conv.due_at, now)
            marked += 1
    # Time passing brings deadlines into the "due soon" window of the priority rules.
    priority.priorities_refresh_due(now)
    return marked


def resolution_deadlines_check() -> int:
    """Marks, once per conversation, every conversation still not closed when its resolution
    deadline passed (the clock is stopped while it waits on the citizen, so those wait);
    notifies the assignee and the managers and escalates it like a missed answer. Returns how
    many it marked."""
    now = timezone.now()
    already = DeadlineBreach.objects.filter(conversation=OuterRef("pk"), kind=BreachKind.RESOLUCION)
    due = (
        Conversation.objects.filter(resolution_due_at__lt=now, resolved_at__isnull=True)
        .exclude(status__in=[Status.CERRADO, Status.EN_ESPERA])
        .exclude(Exists(already))
    )
    marked = 0
    for conv in due.select_related("entity", "assignee").iterator(chunk_size=200):
        if conv.resolution_due_at is None:
            continue
        with transaction.atomic():
            # Locks the row so that two workers never both record it.
            Conversation.objects.select_for_update().filter(pk=conv.pk).first()
            if DeadlineBreach.objects.filter(
                conversation=conv, kind=BreachKind.RESOLUCION
            ).exists():
                continue
            _record_breach(
                conv,
                BreachKind.RESOLUCION,
                conv.resolution_due_at,
                _("Venció el plazo de resolución de una conversación de %(entity)s.")
                % {"entity": conv.entity.name},
            )
            _escalate(conv, BreachKind.RESOLUCION, conv.resolution_due_at, now)
            marked += 1
    return marked
