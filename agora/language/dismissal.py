"""«No es amenaza», «No es insulto», «No es spam»…: the one-click correction that removes one
flag from a citizen message and undoes what the flag caused.

It is a correction like any other (``services.message_correct``: kept, audited, used by the
next training run) that keeps the message's kind; the message's open threat alert is closed
as «descartada» (a false alert), and moderation shows again what the model hid because of
the flag, on the platform too where it was hidden there (a queued platform action). A replay
(a double click, a second person on the same message) changes nothing and records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.inbox import moderation
from agora.inbox.models import Direction, Message, ThreatAlert
from agora.language import permissions, services
from agora.language.models import Correction
from agora.language.taxonomy import FLAGS, Flag, Kind


def dismiss_label(flag: str) -> str:
    """The button and the notice: «No es amenaza», «No tiene datos personales»…"""
    labels: dict[str, str] = {
        Flag.AMENAZA.value: _("No es amenaza"),
        Flag.INSULTO.value: _("No es insulto"),
        Flag.SPAM.value: _("No es spam"),
        Flag.DATOS_PERSONALES.value: _("No tiene datos personales"),
    }
    if flag in labels:
        return labels[flag]
    label = Flag(flag).label if flag in FLAGS else flag
    return _("No es %(flag)s") % {"flag": str(label).lower()}


@dataclass(frozen=True)
class Dismissal:
    """What a dismissal did. ``correction`` is None on a replay (it was done already)."""

    flag: str
    correction: Correction | None
    alert: ThreatAlert | None
    shown: bool

    @property
    def replay(self) -> bool:
        return self.correction is None


def _already_dismissed(message: Message, flag: str) -> bool:
    """The message's latest correction took ``flag`` away."""
    latest = Correction.objects.filter(message=message).order_by("-at", "-id").first()
    return (
        latest is not None
        and flag in (latest.previous_flags or [])
        and flag not in (latest.flags or [])
    )


@transaction.atomic
def message_flag_dismiss(*, actor: User, message: Message, flag: str) -> Dismissal:
    """Removes ``flag`` from a citizen message, keeping its kind, as ``actor`` (staff of the
    message's entity, the same people who may correct it): records the correction, closes the
    open threat alert when the flag is «amenaza», and shows again what the flag had hidden."""
    if flag not in FLAGS:
        raise DomainError(_("Alerta desconocida: %(flags)s.") % {"flags": flag})
    if not permissions.may_classify(actor, message):
        raise PermissionDeniedError(_("No tiene acceso a esta conversación."))
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.direction != Direction.ENTRANTE:
        raise DomainError(_("Solo se clasifican los mensajes de los ciudadanos."))
    note = _("%(what)s: corrección de %(user)s.") % {
        "what": dismiss_label(flag),
        "user": actor.get_username(),
    }
    flags = list(locked.flags or [])
    if flag not in flags:
        if not _already_dismissed(locked, flag):
            raise DomainError(
                _("El mensaje no tiene la alerta «%(flag)s».") % {"flag": Flag(flag).label}
            )
        # A replay: nothing new, but an alert left open by an older correction is closed.
        alert = (
            moderation.threat_alert_dismiss(actor=actor, message=locked, note=note)
            if flag == Flag.AMENAZA
            else None
        )
        return Dismissal(flag=flag, correction=None, alert=alert, shown=False)
    was_hidden = locked.hidden_at is not None
    # The alert first: a message under an open alert is evidence, which moderation never
    # hides; once the alert is dismissed, a remaining insult or spam flag may hide it.
    alert = (
        moderation.threat_alert_dismiss(actor=actor, message=locked, note=note)
        if flag == Flag.AMENAZA
        else None
    )
    correction = services.message_correct(
        actor=actor,
        message=locked,
        kind=locked.kind or Kind.OTRO.value,
        flags=[f for f in flags if f != flag],
        audit_extra={
            "descartada": flag,
            "alerta": alert.pk if alert is not None else None,
        },
    )
    locked.refresh_from_db(fields=["hidden_at"])
    return Dismissal(
        flag=flag,
        correction=correction,
        alert=alert,
        shown=was_hidden and locked.hidden_at is None,
    )
