"""Every write about account credentials and platform access (guidelines 1 and 24 of seed 003):
secrets stored encrypted and never shown again, the registry of who holds admin access to each
account, and the "cambiar contraseña" flags raised when a staff member leaves an entity.

Only the entity's communications manager (an active ``gestor`` membership) or rector staff
may do any of this (``agora.connectors.permissions.may_manage_access``). Secrets never reach
the audit log: only their hint.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agora.connectors import permissions
from agora.connectors.models import (
    AccountAccess,
    AccountCredential,
    CredentialKind,
    PasswordChangeFlag,
)
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.directory import roles
from agora.directory.models import (
    AccountStatus,
    Entity,
    Membership,
    MembershipRole,
    SocialAccount,
)

SECRET_MIN_LENGTH = 8
HINT_LENGTH = 4
ACCESS_FIELDS = ["account", "user", "person_name", "platform_role", "granted_at", "revoked_at"]
# Accounts whose credentials no longer matter: nothing is read from or sent to them.
_CLOSED = {AccountStatus.RECHAZADA, AccountStatus.RETIRADA}


# --- permissions -----------------------------------------------------------------------------


# Guideline 1: only the communications manager and rector administrators (kept importable).
user_can_manage_access = permissions.may_manage_access


def _require_manager_or_rector(actor: User | None, entity: Entity, message: str) -> None:
    if not permissions.may_manage_access(actor, entity):
        raise PermissionDeniedError(message % {"entity": entity.name})


def _entity_managers(entity: Entity) -> list[User]:
    return list(roles.managers_of(entity))


def _flags_url(entity: Entity) -> str:
    """Where the entity's managers confirm the password changes: its settings page."""
    try:
        return reverse("entity_settings:page", kwargs={"code": entity.code})
    except NoReverseMatch:  # pages not mounted (API-only deployments)
        return ""


# --- credentials -----------------------------------------------------------------------------


def credential_check(*, actor: User | None, account: SocialAccount, kind: str, secret: str) -> str:
    """Validates a credential without writing; returns the cleaned secret. Forms call it so
    that the refusal is shown next to the field."""
    _require_manager_or_rector(
        actor,
        account.entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden registrar credenciales de sus cuentas."
        ),
    )
    if kind not in CredentialKind.values:
        raise DomainError(_("Tipo de credencial desconocido: «%(kind)s».") % {"kind": kind[:40]})
    if account.status in _CLOSED:
        raise DomainError(
            _("La cuenta está en estado «%(status)s»: no se le pueden registrar credenciales.")
            % {"status": AccountStatus(account.status).label}
        )
    # Pasted tokens often carry a trailing newline or spaces; no real token contains them.
    secret = (secret or "").strip()
    if len(secret) < SECRET_MIN_LENGTH:
        raise DomainError(
            _("La credencial debe tener al menos %(count)s caracteres.")
            % {"count": SECRET_MIN_LENGTH}
        )
    if any(ch.isspace() for ch in secret):
        raise DomainError(_("La credencial no puede contener espacios ni saltos de línea."))
    return secret


@transaction.atomic
def credential_set(
    *, actor: User, account: SocialAccount, kind: str, secret: str
) -> AccountCredential:
    """Stores (or replaces) the account's secret, encrypted. Only its last characters are kept
    in clear, as a hint to recognise it; the audit log records who and when, never the secret."""
    secret = credential_check(actor=actor, account=account, kind=kind, secret=secret)
    credential = AccountCredential.objects.select_for_update().filter(account=account).first()
    before = None if credential is None else snapshot(credential, ["kind", "hint", "set_by"])
    if credential is None:
        credential = AccountCredential(account=account)
    credential.kind = kind
    credential.secret = secret
    credential.hint = secret[-HINT_LENGTH:]
    credential.set_by = actor
    # A pasted token's expiry is unknown (the old one's no longer applies); a refresh token
    # only serves an OAuth credential.
    credential.expires_at = None
    if kind != CredentialKind.OAUTH:
        credential.refresh_token = ""
        credential.refresh_hint = ""
    credential.save()
    audit_record(
        actor=actor,
        verb="credencial.registrada" if before is None else "credencial.reemplazada",
        instance=credential,
        scope=account.entity.code,
        before=before,
        after=snapshot(credential, ["kind", "hint", "set_by"]),
    )
    return credential


@transaction.atomic
def credential_clear(*, actor: User, account: SocialAccount, reason: str = "") -> None:
    """Deletes the account's secret (Ágora stops reading and answering on it)."""
    _require_manager_or_rector(
        actor,
        account.entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden eliminar credenciales de sus cuentas."
        ),
    )
    credential = AccountCredential.objects.select_for_update().filter(account=account).first()
    if credential is None:
        raise DomainError(_("La cuenta no tiene una credencial registrada."))
    audit_record(
        actor=actor,
        verb="credencial.eliminada",
        instance=credential,
        scope=account.entity.code,
        before=snapshot(credential, ["kind", "hint", "set_by"]),
        reason=reason,
    )
    credential.delete()


# --- access registry -------------------------------------------------------------------------


def access_check(
    *,
    actor: User | None,
    account: SocialAccount,
    person_name: str,
    platform_role: str,
    user: User | None = None,
) -> tuple[str, str]:
    """Validates a registry entry without writing; returns the cleaned (name, role)."""
    _require_manager_or_rector(
        actor,
        account.entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden registrar quién accede a sus cuentas."
        ),
    )
    person_name = (person_name or "").strip()
    if not person_name and user is not None:
        person_name = user.get_full_name() or user.get_username()
    platform_role = (platform_role or "").strip()
    if not person_name:
        raise DomainError(_("Indique el nombre de la persona."))
    if not platform_role:
        raise DomainError(
            _("Indique el rol de la persona en la plataforma (p. ej. administrador).")
        )
    same = Q(person_name__iexact=person_name)
    if user is not None:
        same |= Q(user=user)
    if AccountAccess.objects.filter(same, account=account, revoked_at__isnull=True).exists():
        raise DomainError(
            _("%(person)s ya figura con acceso vigente a %(account)s.")
            % {"person": person_name, "account": str(account)}
        )
    return person_name[:150], platform_role[:60]


@transaction.atomic
def access_grant(
    *,
    actor: User,
    account: SocialAccount,
    person_name: str,
    platform_role: str,
    user: User | None = None,
    granted_at: datetime | None = None,
) -> AccountAccess:
    """Records that a person holds admin access to the account on the platform itself."""
    person_name, platform_role = access_check(
        actor=actor,
        account=account,
        person_name=person_name,
        platform_role=platform_role,
        user=user,
    )
    if granted_at is not None and granted_at > timezone.now():
        raise DomainError(_("La fecha de inicio del acceso no puede estar en el futuro."))
    access = AccountAccess.objects.create(
        account=account,
        user=user,
        person_name=person_name,
        platform_role=platform_role,
        granted_at=granted_at or timezone.now(),
    )
    audit_record(
        actor=actor,
        verb="acceso.registrado",
        instance=access,
        scope=account.entity.code,
        after=snapshot(access, ACCESS_FIELDS),
    )
    return access


def _flag_raise(
    *, actor: User | None, account: SocialAccount, reason: str, scope: str
) -> PasswordChangeFlag:
    flag = PasswordChangeFlag.objects.create(account=account, reason=reason[:300])
    audit_record(
        actor=actor,
        verb="contrasena.cambio_pendiente",
        instance=flag,
        scope=scope,
        after=snapshot(flag, ["account", "reason"]),
    )
    return flag


@transaction.atomic
def access_revoke(
    *,
    actor: User,
    access: AccountAccess,
    when: datetime | None = None,
    reason: str = "",
    flag_password: bool = True,
) -> AccountAccess:
    """Records that the person no longer holds admin access. Unless told otherwise, the
    account's password must then be changed (guideline 24): a flag is raised."""
    access = (
        AccountAccess.objects.select_for_update()
        .select_related("account__entity")
        .get(pk=access.pk)
    )
    entity = access.account.entity
    _require_manager_or_rector(
        actor,
        entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden retirar accesos a sus cuentas."
        ),
    )
    if access.revoked_at is not None:
        raise DomainError(_("Ese acceso ya fue retirado."))
    now = timezone.now()
    when = when or now
    if when > now:
        raise DomainError(_("La fecha de retiro no puede estar en el futuro."))
    before = snapshot(access, ACCESS_FIELDS)
    access.revoked_at = when
    access.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        verb="acceso.retirado",
        instance=access,
        scope=entity.code,
        before=before,
        after=snapshot(access, ACCESS_FIELDS),
        reason=reason,
    )
    if flag_password:
        _flag_raise(
            actor=actor,
            account=access.account,
            reason=_("Se retiró el acceso de %(person)s (%(role)s).")
            % {"person": access.person_name, "role": access.platform_role},
            scope=entity.code,
        )
    return access


# --- staff leaving ---------------------------------------------------------------------------


def accounts_reachable(*, membership: Membership) -> list[SocialAccount]:
    """The accounts of the membership's entity that this person could reach.

    - Accounts where the access registry lists them (vigente), whatever the role.
    - A manager owns every account: all the entity's verified accounts as well.
    - A communicator works the inbox of every account, so when the entity keeps no registry at
      all (no vigente entry on any of its accounts) we cannot rule any account out: all its
      verified accounts. When the entity does keep a registry, it is trusted.
    """
    entity_accounts = SocialAccount.objects.filter(entity_id=membership.entity_id).exclude(
        status__in=_CLOSED
    )
    listed = Q(accesses__user_id=membership.user_id, accesses__revoked_at__isnull=True)
    if membership.role == MembershipRole.GESTOR:
        scope = listed | Q(status=AccountStatus.VERIFICADA)
    else:
        registry_kept = AccountAccess.objects.filter(
            account__entity_id=membership.entity_id, revoked_at__isnull=True
        ).exists()
        scope = listed if registry_kept else Q(status=AccountStatus.VERIFICADA)
    return list(entity_accounts.filter(scope).distinct().order_by("platform", "handle"))


@transaction.atomic
def membership_end(
    *, actor: User, membership: Membership, when: datetime | None = None, reason: str = ""
) -> list[PasswordChangeFlag]:
    """Ends a staff membership and flags "cambiar contraseña" on every account the person could
    reach (see ``accounts_reachable``); the entity's managers are notified until they confirm.

    Returns the flags raised. When the entity has no manager left, rector staff are notified.
    """
    membership = (
        Membership.objects.select_for_update()
        .select_related("entity", "user")
        .get(pk=membership.pk)
    )
    entity = membership.entity
    _require_manager_or_rector(
        actor,
        entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o el ente rector pueden dar "
            "de baja a su personal."
        ),
    )
    if membership.ended_at is not None:
        raise DomainError(_("Esa membresía ya había terminado."))
    now = timezone.now()
    when = when or now
    if when > now:
        raise DomainError(_("La fecha de baja no puede estar en el futuro."))
    if when < membership.started_at:
        raise DomainError(_("La fecha de baja es anterior al inicio de la membresía."))
    before = snapshot(membership, ["role", "started_at", "ended_at"])
    membership.ended_at = when
    membership.save(update_fields=["ended_at"])
    person = membership.user.get_full_name() or membership.user.get_username()
    accounts = accounts_reachable(membership=membership)
    audit_record(
        actor=actor,
        verb="membresia.terminada",
        instance=membership,
        scope=entity.code,
        before=before,
        after={
            **snapshot(membership, ["role", "started_at", "ended_at"]),
            "cuentas_a_cambiar": [a.pk for a in accounts],
        },
        reason=reason,
    )
    flag_reason = _("%(person)s dejó de ser %(role)s de %(entity)s el %(date)s.") % {
        "person": person,
        "role": MembershipRole(membership.role).label.lower(),
        "entity": entity.acronym or entity.name,
        "date": date_format(timezone.localtime(when), "SHORT_DATE_FORMAT"),
    }
    flags = [
        _flag_raise(actor=actor, account=account, reason=flag_reason, scope=entity.code)
        for account in accounts
    ]
    if flags:
        recipients = _entity_managers(entity) or list(
            User.objects.filter(is_active=True, is_rector=True)
        )
        notify(
            users=recipients,
            kind="cambiar_contrasena",
            text=_(
                "Cambie la contraseña de %(count)s cuenta(s) de %(entity)s (%(accounts)s): "
                "%(person)s ya no forma parte del equipo."
            )
            % {
                "count": len(accounts),
                "entity": entity.acronym or entity.name,
                "accounts": ", ".join(str(a) for a in accounts)[:500],
                "person": person,
            },
            url=_flags_url(entity),
            dedupe_key=f"membresia-{membership.pk}-fin",
        )
    return flags


@transaction.atomic
def password_change_confirm(*, actor: User, flag: PasswordChangeFlag) -> PasswordChangeFlag:
    """The manager confirms that the account's password was changed: the flag is cleared."""
    flag = (
        PasswordChangeFlag.objects.select_for_update()
        .select_related("account__entity")
        .get(pk=flag.pk)
    )
    entity = flag.account.entity
    _require_manager_or_rector(
        actor,
        entity,
        _(
            "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
            "rector pueden confirmar el cambio de contraseña."
        ),
    )
    if flag.confirmed_at is not None:
        raise DomainError(_("El cambio de contraseña ya estaba confirmado."))
    before = snapshot(flag, ["confirmed_by", "confirmed_at"])
    flag.confirmed_by = actor
    flag.confirmed_at = timezone.now()
    flag.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor,
        verb="contrasena.cambio_confirmado",
        instance=flag,
        scope=entity.code,
        before=before,
        after=snapshot(flag, ["confirmed_by", "confirmed_at"]),
    )
    return flag


def credential_refused_record(*, account: SocialAccount, error: str) -> None:
    """Notes that the platform refused the account's token on a send (the reply box warns
    until the credential is registered again). A plain update, outside the send's
    transaction: it is a fact about the token, kept even if the send is rolled back."""
    AccountCredential.objects.filter(account=account).update(
        refused_at=timezone.now(), refused_error=error[:300]
    )
