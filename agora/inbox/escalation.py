"""Escalation of a conversation to a named person of its entity: by hand ("Escalar", with a
reason) or by the deadline job when a deadline is really missed. Recorded on the conversation
(``escalated_to``, ``escalated_at``, ``escalation_reason``), audited ("conversacion.escalada")
and notified to that person.

Who receives an automatic escalation: the entity's escalation contact
(``ResponsePolicy.escalation_contact``, set by its communications manager) while that person
is still an active member of the entity; otherwise the entity's communications managers (the
first of them, by name, is recorded; all of them are told).

A "real" breach: a deadline that fell while the conversation was in Ágora. History imported
after its deadline had already passed is counted as missed in the reports, but escalating it
would only page someone about a message nobody could have answered in time. A conversation is
escalated automatically once; later breaches are notified as breaches.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.directory import roles
from agora.directory.models import Membership
from agora.inbox import permissions
from agora.inbox.counts import counts_changed
from agora.inbox.models import BreachKind, Conversation, ResponsePolicy
from agora.inbox.notices import conversation_notice

REASON_MAX = 300


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _is_member(user: User, entity_id: int) -> bool:
    return (
        user.is_active
        and Membership.objects.active().filter(user=user, entity_id=entity_id).exists()
    )


def escalation_recipients(entity_id: int) -> tuple[User | None, list[User]]:
    """(the person recorded, everyone told) for an automatic escalation of the entity."""
    policy = (
        ResponsePolicy.objects.filter(entity_id=entity_id)
        .select_related("escalation_contact")
        .first()
    )
    contact = policy.escalation_contact if policy is not None else None
    if contact is not None and _is_member(contact, entity_id):
        return contact, [contact]
    managers = list(roles.managers_of(entity_id))
    return (managers[0] if managers else None), managers


def _record(
    *,
    conv: Conversation,
    actor: User | None,
    to: User | None,
    told: list[User],
    reason: str,
    now: datetime,
    automatic: bool,
) -> None:
    before = {
        "escalated_to": conv.escalated_to.get_username() if conv.escalated_to else None,
        "escalated_at": conv.escalated_at.isoformat() if conv.escalated_at else None,
        "escalation_reason": conv.escalation_reason,
    }
    conv.escalated_to = to
    conv.escalated_at = now
    conv.escalation_reason = reason[:REASON_MAX]
    conv.save(update_fields=["escalated_to", "escalated_at", "escalation_reason", "updated_at"])
    counts_changed()
    audit_record(
        actor=actor,
        verb="conversacion.escalada",
        instance=conv,
        scope=conv.entity.code,
        before=before,
        after={
            "escalated_to": to.get_username() if to else None,
            "escalated_at": now.isoformat(),
            "escalation_reason": conv.escalation_reason,
            "automatic": automatic,
        },
        reason=conv.escalation_reason,
    )
    if automatic:
        text = _("Se le escaló una conversación: %(reason)s") % {"reason": conv.escalation_reason}
    else:
        text = _("%(actor)s le escaló una conversación: %(reason)s") % {
            "actor": _person(actor) if actor else _("Ágora"),
            "reason": conv.escalation_reason,
        }
    notify(
        users=told,
        kind="conversacion_escalada",
        # Names the conversation with its masked title (agora/inbox/notices.py); the e-mail
        # leaves the citizen's words out.
        text=conversation_notice(text, conv),
        email_text=conversation_notice(text, conv, quote=False),
        url=reverse("inbox:detail", args=[conv.pk]),
        dedupe_key=f"escalada:{conv.pk}:{now:%Y%m%d%H%M%S%f}",
    )


@transaction.atomic
def conversation_escalate(
    *, conversation: Conversation, actor: User, to: User | None, reason: str
) -> Conversation:
    """A member of the entity's staff (or the rector office) escalates the conversation to a
    person of the entity, with a reason; that person is told."""
    if not permissions.may_read_conversation(actor, conversation):
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Indique el motivo de la escalada."))
    if len(reason) > REASON_MAX:
        raise DomainError(_("El motivo admite hasta %(max)s caracteres.") % {"max": REASON_MAX})
    if to is None:
        raise DomainError(_("Elija a la persona a quien escalar la conversación."))
    if not _is_member(to, conversation.entity_id):
        raise DomainError(
            _("%(name)s no trabaja para esta entidad: elija a una persona de la entidad.")
            % {"name": _person(to)}
        )
    conv = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("entity", "escalated_to")
        .get(pk=conversation.pk)
    )
    _record(
        conv=conv,
        actor=actor,
        to=to,
        told=[to],
        reason=reason,
        now=timezone.now(),
        automatic=False,
    )
    return conv


def _breach_reason(kind: str) -> str:
    if kind == BreachKind.PRIMERA:
        return _("Venció el plazo de primera respuesta sin respuesta.")
    if kind == BreachKind.SIGUIENTE:
        return _("Venció el plazo de respuesta a un nuevo mensaje sin respuesta.")
    return _("Venció el plazo de resolución sin que se cerrara.")


def conversation_escalate_breach(
    *, conversation: Conversation, kind: str, due_at: datetime, now: datetime
) -> bool:
    """The deadline job's escalation of a missed deadline (inside its transaction). False
    when it does not apply: already escalated, or the deadline had passed before the
    conversation reached Ágora."""
    conv = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("entity", "escalated_to")
        .get(pk=conversation.pk)
    )
    if conv.escalated_at is not None:
        return False
    if conv.created_at is not None and due_at < conv.created_at:
        return False
    to, told = escalation_recipients(conv.entity_id)
    _record(
        conv=conv,
        actor=None,
        to=to,
        told=told,
        reason=_breach_reason(kind),
        now=now,
        automatic=True,
    )
    return True
