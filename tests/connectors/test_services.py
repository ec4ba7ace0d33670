"""Credentials, the access registry and password-change flags (guidelines 1 and 24): who may
write them, secrets encrypted at rest and never in the audit log, flags when staff leave."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from agora.connectors import services
from agora.connectors.models import (
    AccountAccess,
    AccountCredential,
    CredentialKind,
    PasswordChangeFlag,
)
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, Notification, User
from agora.directory import services as directory
from agora.directory.models import Entity, Membership, SocialAccount
from tests.helpers import login

SECRET = "EAAGm0PX4ZCpsBAOZBZCj9secreto-de-pagina-1234"


def _account(
    rector: User, entity: Entity, platform: str, handle: str, platform_id: str, verify: bool = True
) -> SocialAccount:
    account = directory.account_propose(
        actor=rector,
        entity=entity,
        platform=platform,
        handle=handle,
        platform_id=platform_id,
        evidence="Enlace desde el sitio web de la entidad",
    )
    return directory.account_verify(actor=rector, account=account) if verify else account


@pytest.fixture
def accounts(rector: User, entities: dict[str, Entity]) -> dict[str, SocialAccount]:
    """Three verified MINSA accounts, one pending, and a verified SUNAT account."""
    minsa, sunat = entities["minsa"], entities["sunat"]
    return {
        "minsa_x": _account(rector, minsa, "x", "@Minsa_Peru", "1001"),
        "minsa_fb": _account(rector, minsa, "facebook", "minsaperu", "2002"),
        "minsa_yt": _account(rector, minsa, "youtube", "@minsaperu", "UCminsa"),
        "minsa_ig": _account(rector, minsa, "instagram", "@minsa_pe", "3003", verify=False),
        "sunat_x": _account(rector, sunat, "x", "@SUNAT", "4004"),
    }


@pytest.fixture
def superuser(make_user: Callable[..., User]) -> User:
    return make_user("admin-general", is_superuser=True, is_staff=True)


@pytest.fixture
def plain_staff(make_user: Callable[..., User]) -> User:
    """Django staff flag without a rector role or membership: not enough."""
    return make_user("soporte", is_staff=True)


def _audit_text() -> str:
    return json.dumps(
        list(AuditEvent.objects.values("verb", "object_repr", "before", "after", "reason")),
        ensure_ascii=False,
        default=str,
    )


# --- credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("manager", True),
        ("rector", True),
        ("superuser", True),
        ("other_manager", False),
        ("communicator", False),
        ("plain_staff", False),
    ],
)
def test_credential_set_permissions_per_role(
    request: pytest.FixtureRequest, accounts: dict[str, SocialAccount], who: str, allowed: bool
) -> None:
    """Only MINSA's manager and rector administrators may set a MINSA account's secret."""
    actor = request.getfixturevalue(who)
    account = accounts["minsa_fb"]
    if allowed:
        credential = services.credential_set(
            actor=actor, account=account, kind=CredentialKind.PAGE_TOKEN, secret=SECRET
        )
        assert credential.set_by == actor
        assert credential.hint == SECRET[-4:]
    else:
        with pytest.raises(PermissionDeniedError) as exc:
            services.credential_set(
                actor=actor, account=account, kind=CredentialKind.PAGE_TOKEN, secret=SECRET
            )
        assert "Solo el responsable de comunicaciones" in exc.value.messages[0]
        assert not AccountCredential.objects.exists()
        assert not AuditEvent.objects.filter(verb__startswith="credencial").exists()


def test_manager_of_another_entity_cannot_touch_its_credentials(
    other_manager: User, manager: User, accounts: dict[str, SocialAccount]
) -> None:
    """SUNAT's manager sets SUNAT's secret, MINSA's manager cannot."""
    services.credential_set(
        actor=other_manager, account=accounts["sunat_x"], kind="bearer", secret=SECRET
    )
    with pytest.raises(PermissionDeniedError):
        services.credential_clear(actor=manager, account=accounts["sunat_x"])
    assert AccountCredential.objects.filter(account=accounts["sunat_x"]).exists()


def test_secret_is_encrypted_in_the_database_and_decrypts(
    manager: User, accounts: dict[str, SocialAccount]
) -> None:
    credential = services.credential_set(
        actor=manager, account=accounts["minsa_fb"], kind="page_token", secret=f"  {SECRET}\n"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret FROM connectors_accountcredential WHERE id = %s", [credential.pk]
        )
        (raw,) = cursor.fetchone()
    assert raw
    assert SECRET not in raw
    assert "secreto-de-pagina" not in raw
    assert AccountCredential.objects.get(pk=credential.pk).secret == SECRET  # stripped


def test_secret_never_reaches_the_audit_log(
    manager: User, rector: User, accounts: dict[str, SocialAccount]
) -> None:
    account = accounts["minsa_fb"]
    services.credential_set(actor=manager, account=account, kind="page_token", secret=SECRET)
    other = "OTRO-token-muy-secreto-9876"
    services.credential_set(actor=rector, account=account, kind="page_token", secret=other)
    services.credential_clear(actor=manager, account=account, reason="Página cerrada")
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))
    assert [v for v in verbs if v.startswith("credencial")] == [
        "credencial.registrada",
        "credencial.reemplazada",
        "credencial.eliminada",
    ]
    text = _audit_text()
    for secret in (SECRET, other):
        assert secret not in text
        assert secret[:-4] not in text
    assert not AccountCredential.objects.exists()


def test_replacing_a_credential_keeps_one_row(
    manager: User, accounts: dict[str, SocialAccount]
) -> None:
    account = accounts["minsa_x"]
    services.credential_set(actor=manager, account=account, kind="bearer", secret=SECRET)
    services.credential_set(actor=manager, account=account, kind="oauth", secret="nuevo-token-abcd")
    credential = AccountCredential.objects.get(account=account)
    assert (credential.kind, credential.hint, credential.secret) == (
        "oauth",
        "abcd",
        "nuevo-token-abcd",
    )


@pytest.mark.parametrize(
    ("kind", "secret", "message"),
    [
        ("bearer", "corto", "al menos 8 caracteres"),
        ("bearer", "token con espacios", "no puede contener espacios"),
        ("contraseña", SECRET, "Tipo de credencial desconocido"),
    ],
)
def test_bad_credentials_are_refused(
    manager: User, accounts: dict[str, SocialAccount], kind: str, secret: str, message: str
) -> None:
    with pytest.raises(DomainError) as exc:
        services.credential_set(
            actor=manager, account=accounts["minsa_x"], kind=kind, secret=secret
        )
    assert message in exc.value.messages[0]
    assert not AccountCredential.objects.exists()


def test_clearing_a_missing_credential_is_an_error(
    manager: User, accounts: dict[str, SocialAccount]
) -> None:
    with pytest.raises(DomainError, match="no tiene una credencial"):
        services.credential_clear(actor=manager, account=accounts["minsa_x"])


# --- access registry -------------------------------------------------------------------------


def test_access_grant_and_revoke_flags_the_password(
    manager: User, communicator: User, accounts: dict[str, SocialAccount]
) -> None:
    account = accounts["minsa_fb"]
    access = services.access_grant(
        actor=manager,
        account=account,
        person_name="Rosa Quispe",
        platform_role="Administradora",
        user=communicator,
    )
    with pytest.raises(DomainError, match="ya figura con acceso vigente"):
        services.access_grant(
            actor=manager, account=account, person_name="rosa quispe", platform_role="Editora"
        )
    with pytest.raises(PermissionDeniedError):
        services.access_revoke(actor=communicator, access=access)
    services.access_revoke(actor=manager, access=access, reason="Dejó la oficina")
    access.refresh_from_db()
    assert access.revoked_at is not None
    flag = PasswordChangeFlag.objects.get()
    assert flag.account == account
    assert "Rosa Quispe" in flag.reason
    with pytest.raises(DomainError, match="ya fue retirado"):
        services.access_revoke(actor=manager, access=access)
    assert set(AuditEvent.objects.values_list("verb", flat=True)) >= {
        "acceso.registrado",
        "acceso.retirado",
        "contrasena.cambio_pendiente",
    }


def test_access_grant_needs_manager_or_rector(
    other_manager: User, communicator: User, rector: User, accounts: dict[str, SocialAccount]
) -> None:
    for actor in (other_manager, communicator):
        with pytest.raises(PermissionDeniedError):
            services.access_grant(
                actor=actor,
                account=accounts["minsa_x"],
                person_name="Luis",
                platform_role="Admin",
            )
    services.access_grant(
        actor=rector, account=accounts["minsa_x"], person_name="Luis", platform_role="Admin"
    )
    assert AccountAccess.objects.count() == 1


# --- staff leaving ---------------------------------------------------------------------------


def _membership(user: User) -> Membership:
    return Membership.objects.active().get(user=user)


def test_communicator_leaving_without_registry_flags_every_verified_account(
    manager: User, communicator: User, accounts: dict[str, SocialAccount]
) -> None:
    """No registry kept by MINSA: a communicator may have reached any account (verified ones;
    never SUNAT's nor the pending one)."""
    flags = services.membership_end(actor=manager, membership=_membership(communicator))
    flagged = {f.account_id for f in flags}
    assert flagged == {accounts[k].pk for k in ("minsa_x", "minsa_fb", "minsa_yt")}
    assert PasswordChangeFlag.objects.count() == 3
    assert not Membership.objects.active().filter(user=communicator).exists()
    notice = Notification.objects.get(user=manager)
    assert notice.kind == "cambiar_contrasena"
    assert "Cambie la contraseña de 3 cuenta(s)" in notice.text
    assert not Notification.objects.filter(user=communicator).exists()
    event = AuditEvent.objects.get(verb="membresia.terminada")
    assert event.after is not None
    assert sorted(event.after["cuentas_a_cambiar"]) == sorted(flagged)


def test_communicator_leaving_with_registry_flags_only_listed_accounts(
    manager: User, communicator: User, accounts: dict[str, SocialAccount]
) -> None:
    services.access_grant(
        actor=manager,
        account=accounts["minsa_yt"],
        person_name="Comunicadora",
        platform_role="Gestora del canal",
        user=communicator,
    )
    services.access_grant(
        actor=manager, account=accounts["minsa_x"], person_name="Otra persona", platform_role="Ad"
    )
    flags = services.membership_end(actor=manager, membership=_membership(communicator))
    assert [f.account_id for f in flags] == [accounts["minsa_yt"].pk]


def test_manager_leaving_flags_all_verified_accounts_and_tells_rector(
    rector: User, manager: User, accounts: dict[str, SocialAccount]
) -> None:
    """With no manager left at MINSA, rector staff are told."""
    past = timezone.now() - timedelta(days=1)
    Membership.objects.filter(user=manager).update(started_at=past - timedelta(days=30))
    flags = services.membership_end(actor=rector, membership=_membership(manager), when=past)
    assert {f.account_id for f in flags} == {
        accounts[k].pk for k in ("minsa_x", "minsa_fb", "minsa_yt")
    }
    assert Membership.objects.get(user=manager).ended_at == past
    assert Notification.objects.filter(user=rector, kind="cambiar_contrasena").exists()


@pytest.mark.parametrize("who", ["communicator", "other_manager"])
def test_only_manager_or_rector_end_memberships(
    request: pytest.FixtureRequest, manager: User, accounts: dict[str, SocialAccount], who: str
) -> None:
    with pytest.raises(PermissionDeniedError):
        services.membership_end(actor=request.getfixturevalue(who), membership=_membership(manager))
    assert Membership.objects.active().filter(user=manager).exists()
    assert not PasswordChangeFlag.objects.exists()


def test_membership_end_refuses_twice_and_future_dates(
    manager: User, communicator: User, accounts: dict[str, SocialAccount]
) -> None:
    membership = _membership(communicator)
    with pytest.raises(DomainError, match="futuro"):
        services.membership_end(
            actor=manager, membership=membership, when=timezone.now() + timedelta(days=1)
        )
    services.membership_end(actor=manager, membership=membership)
    with pytest.raises(DomainError, match="ya había terminado"):
        services.membership_end(actor=manager, membership=membership)


def test_password_change_confirmation(
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    accounts: dict[str, SocialAccount],
) -> None:
    flags = services.membership_end(actor=manager, membership=_membership(communicator))
    first, second = flags[0], flags[1]
    for actor in (communicator, other_manager):
        with pytest.raises(PermissionDeniedError):
            services.password_change_confirm(actor=actor, flag=first)
    confirmed = services.password_change_confirm(actor=manager, flag=first)
    assert confirmed.confirmed_by == manager
    assert confirmed.confirmed_at is not None
    with pytest.raises(DomainError, match="ya estaba confirmado"):
        services.password_change_confirm(actor=rector, flag=first)
    services.password_change_confirm(actor=rector, flag=second)
    assert PasswordChangeFlag.objects.filter(confirmed_at__isnull=True).count() == len(flags) - 2
    assert AuditEvent.objects.filter(verb="contrasena.cambio_confirmado").count() == 2


# --- admin -----------------------------------------------------------------------------------


def test_admin_credential_form_never_shows_the_secret(
    client: Client, rector: User, accounts: dict[str, SocialAccount]
) -> None:
    """Saving goes through credential_set with the signed-in person; the change page and the
    list show only the hint."""
    User.objects.filter(pk=rector.pk).update(is_staff=True, is_superuser=True)
    login(client, rector)
    account = accounts["minsa_fb"]
    response = client.post(
        "/admin/connectors/accountcredential/add/",
        {"account": account.pk, "kind": "page_token", "new_secret": SECRET},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    credential = AccountCredential.objects.get(account=account)
    assert credential.secret == SECRET
    assert credential.set_by == rector
    for url in (
        "/admin/connectors/accountcredential/",
        f"/admin/connectors/accountcredential/{credential.pk}/change/",
    ):
        page = client.get(url).content.decode()
        assert SECRET not in page
        assert SECRET[:-4] not in page
    assert "…" + SECRET[-4:] in client.get("/admin/connectors/accountcredential/").content.decode()
    assert (
        'type="password"'
        in client.get(
            f"/admin/connectors/accountcredential/{credential.pk}/change/"
        ).content.decode()
    )
    bad = client.post(
        f"/admin/connectors/accountcredential/{credential.pk}/change/",
        {"kind": "page_token", "new_secret": "corto"},
    )
    assert bad.status_code == 200
    assert "al menos 8 caracteres" in bad.content.decode()


def test_admin_confirm_action_goes_through_the_service(
    client: Client,
    rector: User,
    manager: User,
    communicator: User,
    accounts: dict[str, SocialAccount],
) -> None:
    User.objects.filter(pk=rector.pk).update(is_staff=True, is_superuser=True)
    flags = services.membership_end(actor=manager, membership=_membership(communicator))
    login(client, rector)
    response = client.post(
        "/admin/connectors/passwordchangeflag/",
        {"action": "confirm_selected", "_selected_action": [f.pk for f in flags]},
    )
    assert response.status_code == 302
    assert not PasswordChangeFlag.objects.filter(confirmed_at__isnull=True).exists()
    assert set(PasswordChangeFlag.objects.values_list("confirmed_by", flat=True)) == {rector.pk}
