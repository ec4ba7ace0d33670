"""Directory services: who may propose and decide on accounts, legal state changes, audit,
loading entities and the revision counter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory import services
from agora.directory.models import (
    AccountStatus,
    DirectoryRevision,
    Entity,
    Membership,
    MembershipRole,
    Platform,
    SocialAccount,
)
from agora.directory.selectors import revision_current

ROW_FIELDS = [
    "entity_id",
    "platform",
    "handle",
    "handle_key",
    "url",
    "status",
    "status_reason",
    "verified_by_id",
    "verified_at",
    "evidence",
]


def _row(account: SocialAccount) -> dict[str, Any]:
    """The stored row, read fresh from the database."""
    return cast(
        dict[str, Any], SocialAccount.objects.filter(pk=account.pk).values(*ROW_FIELDS).get()
    )


def _propose(actor: User, entity: Entity, handle: str = "@minsa_oficial") -> SocialAccount:
    return services.account_propose(
        actor=actor,
        entity=entity,
        platform=Platform.X,
        handle=handle,
        evidence="Enlace desde https://www.gob.pe/minsa",
    )


# --- account_propose -------------------------------------------------------------------------


def test_manager_proposes_an_account_of_own_entity_and_it_waits_for_verification(
    manager: User, entities: dict[str, Entity]
) -> None:
    account = services.account_propose(
        actor=manager,
        entity=entities["minsa"],
        platform=Platform.FACEBOOK,
        url="https://m.facebook.com/minsaperu/?ref=bookmarks",
        evidence="Enlace desde https://www.gob.pe/minsa",
    )
    stored = SocialAccount.objects.get(pk=account.pk)
    assert stored.entity == entities["minsa"]
    assert stored.status == AccountStatus.PENDIENTE
    assert stored.handle == "minsaperu"
    assert stored.handle_key == "minsaperu"
    assert stored.url == "https://www.facebook.com/minsaperu"
    assert stored.proposed_by == manager
    assert stored.verified_at is None


def test_propose_writes_an_audit_event_with_actor_and_after_state(
    manager: User, entities: dict[str, Entity]
) -> None:
    account = _propose(manager, entities["minsa"])
    event = AuditEvent.objects.get(verb="cuenta.propuesta")
    assert event.actor == manager
    assert event.actor_label == manager.username
    assert event.object_type == "directory.socialaccount"
    assert event.object_id == str(account.pk)
    assert event.scope == "minsa"
    assert event.before is None
    assert event.after is not None
    assert event.after["status"] == AccountStatus.PENDIENTE
    assert event.after["handle"] == "minsa_oficial"
    assert event.after["platform"] == Platform.X
    assert event.after["entity"] == entities["minsa"].pk


def test_propose_bumps_the_directory_revision(manager: User, entities: dict[str, Entity]) -> None:
    before = revision_current()
    _propose(manager, entities["minsa"])
    assert revision_current() == before + 1


def test_rector_may_propose_for_any_entity(rector: User, entities: dict[str, Entity]) -> None:
    account = _propose(rector, entities["gr-04"], handle="@GobAreq")
    assert account.entity.code == "gr-04"


@pytest.mark.parametrize("who", ["other_manager", "communicator", "anonymous", "ended_manager"])
def test_propose_refused_to_anyone_but_the_entity_manager_or_rector(
    who: str,
    request: pytest.FixtureRequest,
    entities: dict[str, Entity],
    make_user: Callable[..., User],
) -> None:
    """A manager of another entity, a communicator, an anonymous visitor or a former manager
    get a Spanish refusal and nothing is written."""
    actor: Any
    if who == "anonymous":
        actor = AnonymousUser()
    elif who == "ended_manager":
        actor = make_user("exgestor-minsa")
        Membership.objects.create(
            user=actor,
            entity=entities["minsa"],
            role=MembershipRole.GESTOR,
            ended_at=timezone.now(),
        )
    else:
        actor = request.getfixturevalue(who)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDeniedError) as info:
        _propose(actor, entities["minsa"])
    assert info.value.messages == [
        "Solo el responsable de comunicaciones de Ministerio de Salud o el ente rector pueden "
        "registrar o retirar sus cuentas."
    ]
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.count() == events


def test_propose_refuses_a_handle_already_registered_on_the_same_platform(
    manager: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    """Case and the URL form do not matter: https://twitter.com/MINSA_PERU is @Minsa_Peru."""
    events = AuditEvent.objects.count()
    with pytest.raises(DomainError) as info:
        services.account_propose(
            actor=manager,
            entity=entities["minsa"],
            platform=Platform.X,
            url="https://twitter.com/MINSA_PERU",
        )
    assert "ya está registrada para Ministerio de Salud" in info.value.messages[0]
    assert SocialAccount.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_same_handle_on_another_platform_is_another_account(
    manager: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    account = services.account_propose(
        actor=manager, entity=entities["minsa"], platform=Platform.INSTAGRAM, handle="@Minsa_Peru"
    )
    assert account.platform == Platform.INSTAGRAM
    assert SocialAccount.objects.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"handle": "", "url": ""}, "Indique el nombre de usuario o la URL de la cuenta."),
        (
            {"url": "https://www.facebook.com/minsaperu"},
            "No se reconoce «https://www.facebook.com/minsaperu» como una cuenta de X (antes "
            "Twitter).",
        ),
        (
            {"handle": "@otra_cuenta", "url": "https://x.com/minsa_oficial"},
            "El nombre de usuario «@otra_cuenta» no coincide con la URL.",
        ),
        ({"handle": "<script>alert(1)</script>"}, "No se reconoce"),
    ],
)
def test_propose_refuses_unreadable_accounts_with_a_spanish_message(
    manager: User, entities: dict[str, Entity], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError) as info:
        services.account_propose(
            actor=manager, entity=entities["minsa"], platform=Platform.X, **kwargs
        )
    assert info.value.messages[0].startswith(message)
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    ("platform", "handle"),
    [(Platform.INSTAGRAM, "minsa.peru"), (Platform.FACEBOOK, "municipalidad.arequipa")],
)
def test_dotted_handle_typed_without_at_is_a_handle_not_a_web_address(
    manager: User, entities: dict[str, Entity], platform: str, handle: str
) -> None:
    """Instagram and Facebook user names often contain dots; typed in the handle field of a
    known platform they are that platform's user name, not a domain name."""
    account = services.account_propose(
        actor=manager, entity=entities["minsa"], platform=platform, handle=handle
    )
    assert account.platform == platform
    assert account.handle_key == handle


def test_propose_refuses_an_unknown_platform(manager: User, entities: dict[str, Entity]) -> None:
    with pytest.raises(DomainError) as info:
        services.account_propose(
            actor=manager, entity=entities["minsa"], platform="myspace", handle="@minsa"
        )
    assert info.value.messages == ["Plataforma desconocida: «myspace»."]


# --- verification workflow -------------------------------------------------------------------


def test_rector_verifies_a_pending_account(
    rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    account = _propose(manager, entities["minsa"])
    verified = services.account_verify(actor=rector, account=account)
    stored = SocialAccount.objects.get(pk=account.pk)
    assert verified.status == stored.status == AccountStatus.VERIFICADA
    assert stored.verified_by == rector
    assert stored.verified_at is not None
    event = AuditEvent.objects.get(verb="cuenta.verificada")
    assert event.actor == rector
    assert event.before is not None and event.after is not None
    assert event.before["status"] == AccountStatus.PENDIENTE
    assert event.before["verified_at"] is None
    assert event.after["status"] == AccountStatus.VERIFICADA
    assert event.after["verified_at"] is not None


def test_verification_needs_evidence(
    rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    account = services.account_propose(
        actor=manager, entity=entities["minsa"], platform=Platform.X, handle="@sin_evidencia"
    )
    with pytest.raises(DomainError) as info:
        services.account_verify(actor=rector, account=account, evidence="   ")
    assert "Indique la evidencia" in info.value.messages[0]
    assert _row(account)["status"] == AccountStatus.PENDIENTE
    verified = services.account_verify(actor=rector, account=account, evidence="Oficio 12-2024")
    assert verified.evidence == "Oficio 12-2024"


@pytest.mark.parametrize("who", ["manager", "communicator", "other_manager"])
def test_only_rector_staff_may_verify(
    who: str, request: pytest.FixtureRequest, entities: dict[str, Entity], rector: User
) -> None:
    account = _propose(rector, entities["minsa"])
    before, events = _row(account), AuditEvent.objects.count()
    with pytest.raises(PermissionDeniedError) as info:
        services.account_verify(actor=request.getfixturevalue(who), account=account)
    assert info.value.messages == [
        "Solo el personal del ente rector puede verificar o cambiar el estado de cuentas."
    ]
    assert _row(account) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("service", ["account_reject", "account_suspend"])
def test_only_rector_staff_may_reject_or_suspend(
    service: str, manager: User, verified_account: SocialAccount
) -> None:
    before = _row(verified_account)
    with pytest.raises(PermissionDeniedError):
        getattr(services, service)(actor=manager, account=verified_account, reason="Motivo")
    assert _row(verified_account) == before


def test_reject_pending_account_with_reason(
    rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    account = _propose(manager, entities["minsa"])
    services.account_reject(actor=rector, account=account, reason="  No figura en gob.pe  ")
    stored = _row(account)
    assert stored["status"] == AccountStatus.RECHAZADA
    assert stored["status_reason"] == "No figura en gob.pe"
    event = AuditEvent.objects.get(verb="cuenta.rechazada")
    assert "No figura en gob.pe" in event.reason


def test_suspend_then_verify_again(rector: User, verified_account: SocialAccount) -> None:
    services.account_suspend(actor=rector, account=verified_account, reason="Cuenta hackeada")
    assert _row(verified_account)["status"] == AccountStatus.SUSPENDIDA
    services.account_verify(actor=rector, account=verified_account)
    stored = _row(verified_account)
    assert stored["status"] == AccountStatus.VERIFICADA
    assert stored["status_reason"] == ""


def test_manager_retires_an_account_of_own_entity(
    manager: User, verified_account: SocialAccount
) -> None:
    services.account_retire(actor=manager, account=verified_account, reason="Ya no se usa")
    assert _row(verified_account)["status"] == AccountStatus.RETIRADA
    event = AuditEvent.objects.get(verb="cuenta.retirada")
    assert event.actor == manager
    assert event.before is not None and event.before["status"] == AccountStatus.VERIFICADA


def test_manager_of_another_entity_cannot_retire(
    other_manager: User, verified_account: SocialAccount
) -> None:
    before = _row(verified_account)
    with pytest.raises(PermissionDeniedError):
        services.account_retire(actor=other_manager, account=verified_account, reason="No")
    assert _row(verified_account) == before


@pytest.mark.parametrize("reason", ["", "   \n "])
@pytest.mark.parametrize("service", ["account_reject", "account_suspend", "account_retire"])
def test_reason_is_required(
    service: str, reason: str, rector: User, verified_account: SocialAccount
) -> None:
    before, events = _row(verified_account), AuditEvent.objects.count()
    with pytest.raises(DomainError) as info:
        getattr(services, service)(actor=rector, account=verified_account, reason=reason)
    assert info.value.messages == ["Indique el motivo."]
    assert _row(verified_account) == before
    assert AuditEvent.objects.count() == events


def _account_in(status: str, rector: User, entity: Entity) -> SocialAccount:
    account = _propose(rector, entity, handle=f"@cuenta_{status}")
    if status == AccountStatus.RECHAZADA:
        services.account_reject(actor=rector, account=account, reason="No es oficial")
    elif status in (AccountStatus.VERIFICADA, AccountStatus.SUSPENDIDA, AccountStatus.RETIRADA):
        services.account_verify(actor=rector, account=account)
        if status == AccountStatus.SUSPENDIDA:
            services.account_suspend(actor=rector, account=account, reason="Revisión")
        elif status == AccountStatus.RETIRADA:
            services.account_retire(actor=rector, account=account, reason="Cerrada")
    account.refresh_from_db()
    assert account.status == status
    return account


ILLEGAL = [
    (AccountStatus.PENDIENTE, "account_suspend"),
    (AccountStatus.VERIFICADA, "account_verify"),
    (AccountStatus.VERIFICADA, "account_reject"),
    (AccountStatus.SUSPENDIDA, "account_suspend"),
    (AccountStatus.SUSPENDIDA, "account_reject"),
    (AccountStatus.RECHAZADA, "account_verify"),
    (AccountStatus.RECHAZADA, "account_reject"),
    (AccountStatus.RECHAZADA, "account_suspend"),
    (AccountStatus.RECHAZADA, "account_retire"),
    (AccountStatus.RETIRADA, "account_verify"),
    (AccountStatus.RETIRADA, "account_reject"),
    (AccountStatus.RETIRADA, "account_suspend"),
    (AccountStatus.RETIRADA, "account_retire"),
]


@pytest.mark.parametrize(("status", "service"), ILLEGAL)
def test_illegal_transition_is_refused_and_writes_nothing(
    status: str, service: str, rector: User, entities: dict[str, Entity]
) -> None:
    account = _account_in(status, rector, entities["minsa"])
    before = _row(account)
    events = AuditEvent.objects.count()
    revision = revision_current()
    kwargs: dict[str, Any] = {"actor": rector, "account": account}
    if service != "account_verify":
        kwargs["reason"] = "Motivo de prueba"
    with pytest.raises(DomainError) as info:
        getattr(services, service)(**kwargs)
    assert not isinstance(info.value, PermissionDeniedError)
    assert info.value.messages[0].startswith(
        "Una cuenta en estado «%s» no puede pasar a" % AccountStatus(status).label
    )
    assert _row(account) == before
    assert AuditEvent.objects.count() == events
    assert revision_current() == revision


LEGAL = [
    (AccountStatus.PENDIENTE, "account_verify", AccountStatus.VERIFICADA),
    (AccountStatus.PENDIENTE, "account_reject", AccountStatus.RECHAZADA),
    (AccountStatus.PENDIENTE, "account_retire", AccountStatus.RETIRADA),
    (AccountStatus.VERIFICADA, "account_suspend", AccountStatus.SUSPENDIDA),
    (AccountStatus.VERIFICADA, "account_retire", AccountStatus.RETIRADA),
    (AccountStatus.SUSPENDIDA, "account_verify", AccountStatus.VERIFICADA),
    (AccountStatus.SUSPENDIDA, "account_retire", AccountStatus.RETIRADA),
]


@pytest.mark.parametrize(("status", "service", "expected"), LEGAL)
def test_legal_transition_changes_status_and_is_audited(
    status: str, service: str, expected: str, rector: User, entities: dict[str, Entity]
) -> None:
    account = _account_in(status, rector, entities["minsa"])
    events = AuditEvent.objects.count()
    kwargs: dict[str, Any] = {"actor": rector, "account": account}
    if service != "account_verify":
        kwargs["reason"] = "Motivo de prueba"
    getattr(services, service)(**kwargs)
    assert _row(account)["status"] == expected
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.filter(object_id=str(account.pk)).first()
    assert event is not None
    assert event.verb == f"cuenta.{expected}"
    assert event.before is not None and event.before["status"] == status
    assert event.after is not None and event.after["status"] == expected


# --- entities_load ---------------------------------------------------------------------------


def _rows() -> list[dict[str, Any]]:
    base = {"branch": "ejecutivo", "level": "nacional", "website": "https://www.gob.pe/x"}
    return [
        # The child comes before its parent on purpose.
        {**base, "code": "hijo", "name": "Organismo Hijo", "entity_type": "programa",
         "parent_code": "padre"},
        {**base, "code": "padre", "name": "Ministerio Padre", "acronym": "MP",
         "entity_type": "ministerio", "parent_code": ""},
        {**base, "code": "huerfano", "name": "Organismo Huérfano", "entity_type": "programa",
         "parent_code": "no-existe"},
    ]  # fmt: skip


@pytest.mark.django_db
def test_entities_load_creates_and_resolves_parent_codes_in_any_order() -> None:
    result = services.entities_load(rows=_rows())
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    child = Entity.objects.select_related("parent").get(code="hijo")
    assert child.parent is not None and child.parent.code == "padre"
    assert Entity.objects.get(code="padre").parent is None
    assert Entity.objects.get(code="huerfano").parent is None
    assert "huerfano" in Entity.objects.get(code="huerfano").search_text


@pytest.mark.django_db
def test_entities_load_twice_changes_nothing_the_second_time() -> None:
    services.entities_load(rows=_rows())
    stamps = dict(Entity.objects.values_list("code", "updated_at"))
    revision = revision_current()
    result = services.entities_load(rows=_rows())
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert dict(Entity.objects.values_list("code", "updated_at")) == stamps
    assert revision_current() == revision


@pytest.mark.django_db
def test_entities_load_updates_changed_rows_and_their_search_text() -> None:
    services.entities_load(rows=_rows())
    rows = _rows()
    rows[0]["name"] = "Programa Nacional Renombrado"
    rows[0]["parent_code"] = ""
    result = services.entities_load(rows=rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    child = Entity.objects.get(code="hijo")
    assert child.name == "Programa Nacional Renombrado"
    assert "renombrado" in child.search_text
    assert child.parent is None


def test_entities_fixture_load_is_idempotent(entities: dict[str, Entity]) -> None:
    """The real rows used by the fixtures load a second time with nothing created or updated."""
    from agora.directory import public_data

    rows = [row for row in public_data.all_rows() if row["code"] in entities]
    for row in rows:
        if row.get("parent_code") not in entities:
            row["parent_code"] = ""
    result = services.entities_load(rows=rows)
    assert result.created == 0
    assert result.updated == 0
    assert result.unchanged == len(entities)


# --- revision_bump ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_revision_bump_creates_then_increments_the_counter() -> None:
    assert revision_current() == 0
    services.revision_bump()
    assert revision_current() == 1
    services.revision_bump()
    services.revision_bump()
    assert revision_current() == 3
    assert DirectoryRevision.objects.count() == 1
