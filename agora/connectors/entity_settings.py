"""The entity settings area of its managers and rector staff: who may open it, what it shows
(verified accounts, credential hints, the access registry, pending password changes) and the
entity's own response-time policy, which may only be stricter than the rector office's default.

Credentials, access and password flags are written by ``agora.connectors.services``; this module
reads them and owns the writes of the response-time policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from agora.connectors.models import (
    AccountAccess,
    AccountCredential,
    CredentialKind,
    PasswordChangeFlag,
)
from agora.connectors.services import user_can_manage_access
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import user_is_rector
from agora.directory import roles
from agora.directory.models import AccountStatus, Entity, Membership, Platform, SocialAccount
from agora.inbox.deadlines import default_policy, policy_validate_stricter
from agora.inbox.models import ResponsePolicy
from agora.inbox.services import deadlines_refresh_later

HOURS_FIELDS = ("first_response_hours", "next_response_hours", "resolution_hours")
TIME_FIELDS = ("workday_start", "workday_end")
POLICY_FIELDS = [*HOURS_FIELDS, *TIME_FIELDS]
# ResponsePolicy's hours are DecimalField(max_digits=6, decimal_places=2).
MAX_HOURS = Decimal("9999.99")

# The kind of secret each platform's connector reads.
KIND_FOR_PLATFORM = {
    Platform.FACEBOOK: CredentialKind.PAGE_TOKEN,
    Platform.INSTAGRAM: CredentialKind.PAGE_TOKEN,
    Platform.X: CredentialKind.BEARER,
    Platform.YOUTUBE: CredentialKind.OAUTH,
}


# --- who may open the area ------------------------------------------------------------------


def entities_managed(*, user: User) -> QuerySet[Entity]:
    """The entities whose settings this person may change: all for rector staff, those with
    an active ``gestor`` membership for managers, none for anybody else."""
    if not user.is_authenticated or not user.is_active:
        return Entity.objects.none()
    if user_is_rector(user):
        return Entity.objects.all()
    return roles.managed_by(user)


def settings_entity_get(*, user: User, code: str) -> Entity:
    """The entity, when the person manages it (or is rector staff); 404 otherwise, so that a
    guessed code tells nothing about who manages what."""
    entity = roles.entity_by_code(code)
    if entity is None or not user_can_manage_access(user, entity):
        raise Http404
    return entity


def settings_account_get(*, entity: Entity, pk: int) -> SocialAccount:
    account = SocialAccount.objects.filter(pk=pk, entity=entity).first()
    if account is None:
        raise Http404
    return account


def settings_access_get(*, entity: Entity, pk: int) -> AccountAccess:
    access = (
        AccountAccess.objects.select_related("account__entity")
        .filter(pk=pk, account__entity=entity)
        .first()
    )
    if access is None:
        raise Http404
    return access


def settings_flag_get(*, entity: Entity, pk: int) -> PasswordChangeFlag:
    flag = (
        PasswordChangeFlag.objects.select_related("account__entity")
        .filter(pk=pk, account__entity=entity)
        .first()
    )
    if flag is None:
        raise Http404
    return flag


def _require_manager(actor: User | None, entity: Entity, message: str) -> None:
    if actor is None or not user_can_manage_access(actor, entity):
        raise PermissionDeniedError(message % {"entity": entity.name})


# --- what the area shows --------------------------------------------------------------------


def settings_accounts(*, entity: Entity) -> list[SocialAccount]:
    """The entity's verified accounts, plus any other with a pending password change, each
    with ``credential`` (or none), ``current_accesses`` and ``pending_flags`` loaded: three
    queries whatever the number of accounts. The secret itself is never decrypted here."""
    pending = PasswordChangeFlag.objects.filter(confirmed_at__isnull=True)
    return list(
        SocialAccount.objects.filter(entity=entity)
        .filter(
            Q(status=AccountStatus.VERIFICADA)
            | Q(pk__in=pending.filter(account__entity=entity).values("account_id"))
        )
        .select_related("credential__set_by")
        .defer("credential__secret", "credential__refresh_token")
        .prefetch_related(
            Prefetch(
                "accesses",
                queryset=AccountAccess.objects.filter(revoked_at__isnull=True)
                .select_related("user")
                .order_by("person_name", "pk"),
                to_attr="current_accesses",
            ),
            Prefetch(
                "password_flags",
                queryset=pending.order_by("created_at", "pk"),
                to_attr="pending_flags",
            ),
        )
        .order_by("platform", "handle")
    )


def credential_kind_for(account: SocialAccount) -> str:
    return str(KIND_FOR_PLATFORM.get(account.platform, CredentialKind.API_KEY))  # type: ignore[call-overload]


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


# --- OAuth refresh token (YouTube) -------------------------------------------------------------

REFRESH_HINT_LENGTH = 4
MAX_REFRESH_TOKEN = 2048


@transaction.atomic
def credential_refresh_token_set(
    *, actor: User, account: SocialAccount, refresh_token: str
) -> AccountCredential:
    """Stores the OAuth refresh token of an account whose credential is an OAuth token
    (YouTube), encrypted; only its last 4 characters are kept in clear. An empty value
    removes it. Refused, with nothing written, for anybody but the entity's manager or rector
    staff, for accounts without an OAuth credential, and for malformed tokens."""
    _require_manager(
        actor,
        account.entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden registrar credenciales de sus cuentas."
        ),
    )
    credential = AccountCredential.objects.select_for_update().filter(account=account).first()
    if credential is None or credential.kind != CredentialKind.OAUTH:
        raise DomainError(
            _(
                "Primero registre el token OAuth de la cuenta; el token de actualización "
                "solo sirve para renovarlo."
            )
        )
    refresh_token = refresh_token.strip()
    if len(refresh_token) > MAX_REFRESH_TOKEN or any(c.isspace() for c in refresh_token):
        raise DomainError(
            _("El token de actualización no es válido: pegue el valor completo, sin espacios.")
        )
    before = {"refresh_hint": credential.refresh_hint}
    credential.refresh_token = refresh_token
    credential.refresh_hint = refresh_token[-REFRESH_HINT_LENGTH:] if refresh_token else ""
    AccountCredential.objects.filter(pk=credential.pk).update(
        refresh_token=credential.refresh_token, refresh_hint=credential.refresh_hint
    )
    audit_record(
        actor=actor,
        verb=(
            "credencial.actualizacion_registrada"
            if refresh_token
            else "credencial.actualizacion_eliminada"
        ),
        instance=credential,
        scope=account.entity.code,
        before=before,
        after={"refresh_hint": credential.refresh_hint},
    )
    return credential
