"""Threat alerts: raised once per message, told at once, attended or dismissed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox.counts import counts_changed
from agora.inbox.models import (
    AlertStatus,
    Direction,
    Message,
    ThreatAlert,
)
from agora.inbox.moderation.policy import managed_entities, user_manages
from agora.inbox.notices import conversation_notice


def _alert_recipients(entity_id: int) -> list[User]:
    managers = roles.managers_of(entity_id)
    rector = User.objects.filter(Q(is_rector=True) | Q(is_superuser=True), is_active=True)
    return [*managers, *rector]


def threat_alerts_raise(
    *, messages: Sequence[Message], model_version: str, now: datetime | None = None
) -> int:
    """One alert per threatening message (never two: the message is the alert's key), told at
    once to the entity's managers and the rector office. Returns how many were new."""
    ids = [m.pk for m in messages if m.direction == Direction.ENTRANTE]
    if not ids:
        return 0
    known = set(ThreatAlert.objects.filter(message_id__in=ids).values_list("message_id", flat=True))
    fresh = [m for m in messages if m.pk in set(ids) - known]
    if not fresh:
        return 0
    counts_changed()  # the list's header shows the open alerts
    ThreatAlert.objects.bulk_create(
        [
            ThreatAlert(
                entity_id=m.entity_id,
                conversation_id=m.conversation_id,
                message_id=m.pk,
                model_version=model_version,
                is_demo=bool(getattr(m, "is_demo", False)),
            )
            for m in fresh
        ],
        ignore_conflicts=True,  # a concurrent run raised it first: still one alert
    )
    alerts = ThreatAlert.objects.filter(message_id__in=[m.pk for m in fresh]).select_related(
        "entity", "conversation__entity"
    )
    for alert in alerts:
        url = reverse("inbox:detail", args=[alert.conversation_id])
        text = _(
            "Amenaza detectada en un mensaje a %(entity)s: revísela de inmediato en Ágora."
        ) % {"entity": alert.entity.name}
        if alert.is_demo:
            text = _("[Demostración] %(text)s") % {"text": text}
        notify(
            users=_alert_recipients(alert.entity_id),
            kind="amenaza",
            text=conversation_notice(text, alert.conversation),
            email_text=conversation_notice(text, alert.conversation, quote=False),
            url=url,
            dedupe_key=f"amenaza:{alert.message_id}",
        )
        audit_record(
            actor=None,
            verb="amenaza.alerta_creada",
            instance=alert,
            scope=alert.entity.code,
            after={"message": alert.message_id, "model_version": model_version},
        )
    from agora.inbox import priority  # rule 1: an open threat alert makes it urgent

    priority.priorities_refresh(conversation_ids={m.conversation_id for m in fresh}, now=now)
    return len(fresh)


def threat_alerts_for(*, user: User, status: str = "") -> QuerySet[ThreatAlert]:
    """Alerts of the entities the person manages (every entity for the rector office)."""
    qs = ThreatAlert.objects.filter(entity__in=managed_entities(user))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("entity", "message", "conversation__account", "handled_by").order_by(
        "-created_at", "-id"
    )


def threat_alert_get(*, user: User, pk: int) -> ThreatAlert:
    alert = threat_alerts_for(user=user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def threat_alert_attend(*, actor: User, alert: ThreatAlert, note: str = "") -> ThreatAlert:
    """A manager or the rector office marks an alert as attended, with an optional note."""
    if not user_manages(actor, alert.entity_id):
        raise PermissionDeniedError(
            _("Solo los responsables de la entidad y el ente rector atienden las alertas.")
        )
    note = (note or "").strip()
    if len(note) > 2000:
        raise DomainError(_("La nota admite hasta 2000 caracteres."))
    with transaction.atomic():
        fresh = ThreatAlert.objects.select_for_update().get(pk=alert.pk)
        if fresh.status == AlertStatus.ATENDIDA:
            raise DomainError(_("La alerta ya fue atendida."))
        fresh.status = AlertStatus.ATENDIDA
        fresh.handled_by = actor
        fresh.handled_at = timezone.now()
        fresh.note = note
        fresh.save(update_fields=["status", "handled_by", "handled_at", "note"])
        counts_changed()  # the list's header shows the open alerts
        audit_record(
            actor=actor,
            verb="amenaza.alerta_atendida",
            instance=fresh,
            scope=Entity.objects.filter(pk=fresh.entity_id).values_list("code", flat=True).first()
            or "",
            before={"status": AlertStatus.ABIERTA},
            after={"status": AlertStatus.ATENDIDA, "note": note},
        )
        from agora.inbox import priority  # the threat rule no longer holds

        priority.priorities_refresh(conversation_ids=[fresh.conversation_id])
    return fresh


def threat_alert_dismiss(*, actor: User, message: Message, note: str) -> ThreatAlert | None:
    """Closes the open alert of a message the team says is not a threat (the caller, inside
    its transaction, has checked access and corrected the flag): a false alert, kept with who
    and when, no longer counted as open nor making the conversation urgent. None when the
    message has no open alert."""
    alert = (
        ThreatAlert.objects.select_for_update()
        .filter(message_id=message.pk, status=AlertStatus.ABIERTA)
        .first()
    )
    if alert is None:
        return None
    alert.status = AlertStatus.DESCARTADA
    alert.handled_by = actor
    alert.handled_at = timezone.now()
    alert.note = note[:2000]
    alert.save(update_fields=["status", "handled_by", "handled_at", "note"])
    counts_changed()  # the list's header shows the open alerts
    audit_record(
        actor=actor,
        verb="amenaza.alerta_descartada",
        instance=alert,
        scope=Entity.objects.filter(pk=alert.entity_id).values_list("code", flat=True).first()
        or "",
        before={"status": AlertStatus.ABIERTA},
        after={"status": AlertStatus.DESCARTADA, "note": alert.note},
    )
    from agora.inbox import priority  # the threat rule no longer holds

    priority.priorities_refresh(conversation_ids=[alert.conversation_id])
    return alert


def open_alerts_count(user: User) -> int:
    return threat_alerts_for(user=user, status=AlertStatus.ABIERTA).count()
