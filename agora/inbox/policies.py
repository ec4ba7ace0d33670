"""The response-time policy of an entity and the rector office's default: the one write path
for ``ResponsePolicy``, used by the entity settings pages (agora/connectors/settings_views.py),
the admin and the demo alike. An entity's policy may only be stricter than the default; every
change is audited and the stored due times follow it in the background."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity, Membership
from agora.inbox import permissions
from agora.inbox.deadlines import default_policy, policy_validate_stricter
from agora.inbox.models import ResponsePolicy
from agora.inbox.timeline import deadlines_refresh_all_later, deadlines_refresh_later

HOURS_FIELDS = ("first_response_hours", "next_response_hours", "resolution_hours")
TIME_FIELDS = ("workday_start", "workday_end")
POLICY_FIELDS = [*HOURS_FIELDS, *TIME_FIELDS]
# ResponsePolicy's hours are DecimalField(max_digits=6, decimal_places=2).
MAX_HOURS = Decimal("9999.99")


def _require_manager(actor: User | None, entity: Entity, message: str) -> None:
    """Guideline 1: only the entity's communications manager and rector administrators."""
    if not permissions.may_set_response_policy(actor, entity):
        raise PermissionDeniedError(message % {"entity": entity.name})


@dataclass(frozen=True)
class PolicyView:
    """The policy in force for an entity: its own when it has one, else the default."""

    policy: ResponsePolicy
    default: ResponsePolicy
    is_own: bool


def response_policy_get(*, entity: Entity) -> PolicyView:
    default = default_policy()
    own = ResponsePolicy.objects.filter(entity=entity).first()
    return PolicyView(policy=own or default, default=default, is_own=own is not None)


# --- response-time policy --------------------------------------------------------------------


def _hours(name: str, value: Any) -> Decimal:
    labels = {
        "first_response_hours": _("primera respuesta"),
        "next_response_hours": _("siguiente respuesta"),
        "resolution_hours": _("resolución"),
    }
    try:
        hours = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        hours = Decimal("NaN")
    if not hours.is_finite():
        raise DomainError(
            _("El plazo de %(what)s debe ser un número de horas hábiles.") % {"what": labels[name]}
        )
    if hours <= 0 or hours > MAX_HOURS:
        raise DomainError(
            _("El plazo de %(what)s debe ser mayor que 0 y de hasta %(max)s horas hábiles.")
            % {"what": labels[name], "max": MAX_HOURS}
        )
    if hours != hours.quantize(Decimal("0.01")):
        raise DomainError(
            _("El plazo de %(what)s admite como máximo dos decimales.") % {"what": labels[name]}
        )
    return hours.quantize(Decimal("0.01"))


def _time(name: str, value: Any) -> time:
    if not isinstance(value, time):
        label = _("inicio de la jornada") if name == "workday_start" else _("fin de la jornada")
        raise DomainError(_("Indique la hora de %(what)s.") % {"what": label})
    return value.replace(second=0, microsecond=0, tzinfo=None)


def _messages(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@transaction.atomic
def response_policy_set(
    *,
    actor: User,
    entity: Entity,
    first_response_hours: Decimal | int | str | None = None,
    next_response_hours: Decimal | int | str | None = None,
    resolution_hours: Decimal | int | str | None = None,
    workday_start: time | None = None,
    workday_end: time | None = None,
) -> ResponsePolicy:
    """Sets the entity's own response-time policy; a value left as ``None`` keeps the one in
    force. Refused, with the reason in Spanish and nothing written, when any target would be
    looser than the rector office's default (``policy_validate_stricter``)."""
    _require_manager(
        actor,
        entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden cambiar sus plazos de respuesta."
        ),
    )
    # The entity's row is locked: two first saves at once cannot both create a policy.
    Entity.objects.select_for_update().filter(pk=entity.pk).exists()
    own = ResponsePolicy.objects.select_for_update().filter(entity=entity).first()
    current = own or default_policy()
    given: dict[str, Any] = {
        "first_response_hours": first_response_hours,
        "next_response_hours": next_response_hours,
        "resolution_hours": resolution_hours,
        "workday_start": workday_start,
        "workday_end": workday_end,
    }
    values: dict[str, Any] = {}
    for name in POLICY_FIELDS:
        raw = given[name]
        if raw is None:
            values[name] = getattr(current, name)
        elif name in HOURS_FIELDS:
            values[name] = _hours(name, raw)
        else:
            values[name] = _time(name, raw)
    candidate = ResponsePolicy(entity=entity, **values)
    try:
        policy_validate_stricter(policy=candidate)
    except ValidationError as exc:
        raise DomainError(_messages(exc)) from exc
    before = None if own is None else snapshot(own, POLICY_FIELDS)
    if own is not None and all(getattr(own, n) == values[n] for n in POLICY_FIELDS):
        return own  # nothing changed: nothing to write or audit
    policy = own or ResponsePolicy(entity=entity)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.save()
    audit_record(
        actor=actor,
        verb="plazos.politica_propia_fijada" if before is None else "plazos.politica_cambiada",
        instance=policy,
        scope=entity.code,
        before=before,
        after=snapshot(policy, POLICY_FIELDS),
    )
    # The due times already stored follow the new policy (in the background: a busy entity
    # has tens of thousands of open conversations).
    deadlines_refresh_later(entity.pk)
    return policy


@transaction.atomic
def response_policy_reset(*, actor: User, entity: Entity) -> None:
    """Drops the entity's own policy: the rector office's default applies again."""
    _require_manager(
        actor,
        entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden cambiar sus plazos de respuesta."
        ),
    )
    own = ResponsePolicy.objects.select_for_update().filter(entity=entity).first()
    if own is None:
        raise DomainError(_("La entidad ya usa la política general del ente rector."))
    audit_record(
        actor=actor,
        verb="plazos.politica_restablecida",
        instance=own,
        scope=entity.code,
        before=snapshot(own, POLICY_FIELDS),
    )
    own.delete()
    deadlines_refresh_later(entity.pk)


# --- priority window and escalation contact (agora/inbox/priority.py, escalation.py) --------

MAX_PRIORITY_HOURS = Decimal("45")


@transaction.atomic
def response_triage_set(
    *,
    actor: User,
    entity: Entity,
    priority_hours: Decimal | int | str,
    escalation_contact: User | None,
) -> ResponsePolicy:
    """Sets how many working hours before its deadline a conversation becomes "alta", and the
    person missed deadlines are escalated to (``None``: the entity's managers). An entity with
    no policy of its own gets one with the general deadlines."""
    _require_manager(
        actor,
        entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden cambiar la prioridad y la escalada."
        ),
    )
    try:
        hours = Decimal(str(priority_hours).strip())
    except (InvalidOperation, ValueError):
        hours = Decimal("NaN")
    if not hours.is_finite() or hours <= 0 or hours > MAX_PRIORITY_HOURS:
        raise DomainError(
            _("Las horas hábiles antes del vencimiento deben ser mayores que 0 y hasta %(max)s.")
            % {"max": MAX_PRIORITY_HOURS}
        )
    if hours != hours.quantize(Decimal("0.01")):
        raise DomainError(_("Las horas hábiles admiten como máximo dos decimales."))
    if escalation_contact is not None and not (
        escalation_contact.is_active
        and Membership.objects.active().filter(user=escalation_contact, entity=entity).exists()
    ):
        raise DomainError(_("La persona de escalada debe trabajar para la entidad."))
    Entity.objects.select_for_update().filter(pk=entity.pk).exists()
    own = ResponsePolicy.objects.select_for_update().filter(entity=entity).first()
    fields = ["priority_hours", "escalation_contact"]
    before = None if own is None else snapshot(own, fields)
    policy = own
    if policy is None:
        base = default_policy()
        policy = ResponsePolicy(entity=entity, **{n: getattr(base, n) for n in POLICY_FIELDS})
    policy.priority_hours = hours.quantize(Decimal("0.01"))
    policy.escalation_contact = escalation_contact
    policy.save()
    audit_record(
        actor=actor,
        verb="plazos.prioridad_escalada",
        instance=policy,
        scope=entity.code,
        before=before,
        after=snapshot(policy, fields),
    )
    # The "due soon" window moved: the conversations' priorities follow (background).
    deadlines_refresh_later(entity.pk)
    return policy


@transaction.atomic
def default_policy_set(*, actor: User, values: dict[str, Any]) -> ResponsePolicy:
    """The rector office's default policy (the admin's form): only rector staff; the entities'
    own policies must stay stricter than it; every stored due time follows it."""
    if not permissions.may_set_default_policy(actor):
        raise PermissionDeniedError(
            _("Solo el ente rector puede cambiar la política general de plazos.")
        )
    policy = ResponsePolicy.objects.select_for_update().filter(entity__isnull=True).first()
    before = None if policy is None else snapshot(policy, POLICY_FIELDS)
    clean = {
        name: (_hours(name, values[name]) if name in HOURS_FIELDS else _time(name, values[name]))
        for name in POLICY_FIELDS
    }
    policy = policy or ResponsePolicy(entity=None)
    for name, value in clean.items():
        setattr(policy, name, value)
    try:
        policy_validate_stricter(policy=policy)
    except ValidationError as exc:
        raise DomainError(_messages(exc)) from exc
    policy.save()
    audit_record(
        actor=actor,
        verb="plazos.politica_general_cambiada",
        instance=policy,
        scope="",
        before=before,
        after=snapshot(policy, POLICY_FIELDS),
    )
    deadlines_refresh_all_later()
    return policy


@transaction.atomic
def policy_delete(*, actor: User, policy: ResponsePolicy) -> None:
    """Deletes a policy from the admin: an entity's (its manager or rector staff, as
    ``response_policy_reset``) or the default (rector staff; the built-in default applies)."""
    if policy.entity is not None:
        response_policy_reset(actor=actor, entity=policy.entity)
        return
    if not permissions.may_set_default_policy(actor):
        raise PermissionDeniedError(
            _("Solo el ente rector puede cambiar la política general de plazos.")
        )
    audit_record(
        actor=actor,
        verb="plazos.politica_general_restablecida",
        instance=policy,
        scope="",
        before=snapshot(policy, POLICY_FIELDS),
    )
    policy.delete()
    deadlines_refresh_all_later()
