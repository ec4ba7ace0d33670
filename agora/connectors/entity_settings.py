"""The entity settings area of its managers and rector staff: who may open it, what it shows
(verified accounts, credential hints, the access registry, pending password changes) and the
entity's own response-time policy, which may only be stricter than the rector office's default.

Credentials, access and password flags are written by ``agora.connectors.services``; this module
reads them and owns the writes of the response-time policy.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from agora.connectors import permissions
from agora.connectors.models import (
    AccountAccess,
    AccountCredential,
    CredentialKind,
    PasswordChangeFlag,
)
from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory import roles
from agora.directory.models import AccountStatus, Entity, Platform, SocialAccount

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
    return permissions.settings_entities(user)


def settings_entity_get(*, user: User, code: str) -> Entity:
    """The entity, when the person manages it (or is rector staff); 404 otherwise, so that a
    guessed code tells nothing about who manages what."""
    entity = roles.entity_by_code(code)
    if entity is None or not permissions.may_manage_access(user, entity):
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
    if not permissions.may_manage_access(actor, account.entity):
        raise PermissionDeniedError(
            _(
                "Solo el responsable de comunicaciones de %(entity)s o un administrador del ente "
                "rector pueden registrar credenciales de sus cuentas."
            )
            % {"entity": account.entity.name}
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
