"""The entity settings area (/entidad/<code>/configuracion/): only the entity's managers and
rector staff get in, with a second factor; tokens are set through ``credential_set`` and never
shown again; password changes are confirmed; the response-time policy may only be stricter than
the rector office's default; every write is audited and bad input writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agora.connectors import entity_settings, services
from agora.connectors.models import AccountAccess, AccountCredential, PasswordChangeFlag
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import policies
from agora.inbox.models import ResponsePolicy
from tests.helpers import html, login, make_verified_account

SECRET = "EAAGm0PX4ZCpsBAOZBZCj9secreto-de-pagina-7Qz9"
ROLES = ["anonymous", "communicator", "other_manager", "manager", "rector"]
ALLOWED = {"manager", "rector"}


@pytest.fixture
def people(
    rector: User, manager: User, communicator: User, other_manager: User
) -> dict[str, User | None]:
    return {
        "anonymous": None,
        "communicator": communicator,
        "other_manager": other_manager,
        "manager": manager,
        "rector": rector,
    }


@pytest.fixture
def facebook(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "2002")


@pytest.fixture
def flag(manager: User, facebook: SocialAccount) -> PasswordChangeFlag:
    """Someone who held admin access to MINSA's page left: "cambiar contraseña" is raised."""
    access = services.access_grant(
        actor=manager, account=facebook, person_name="Rosa Quispe", platform_role="administradora"
    )
    services.access_revoke(actor=manager, access=access)
    return PasswordChangeFlag.objects.get(account=facebook, confirmed_at__isnull=True)


def page_url(code: str = "minsa") -> str:
    return reverse("entity_settings:page", kwargs={"code": code})


def credential_url(account: SocialAccount) -> str:
    return reverse(
        "entity_settings:credential",
        kwargs={"code": account.entity.code, "account_pk": account.pk},
    )


def policy_url(code: str = "minsa") -> str:
    return reverse("entity_settings:policy", kwargs={"code": code})


def reset_url(code: str = "minsa") -> str:
    return reverse("entity_settings:policy_reset", kwargs={"code": code})


def policy_data(**overrides: str) -> dict[str, str]:
    data = {
        "primera_respuesta": "4",
        "siguiente_respuesta": "6.5",
        "resolucion": "24",
        "inicio_jornada": "08:00",
        "fin_jornada": "18:00",
    }
    data.update(overrides)
    return data


# --- authorisation per role -------------------------------------------------------------------


def _expect_refused(response: Any, role: str) -> None:
    if role == "anonymous":
        assert response.status_code == 302
        assert "/cuenta/" in response["Location"] or "login" in response["Location"]
    else:
        assert response.status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_settings_page_per_role(
    client: Client, people: dict[str, User | None], facebook: SocialAccount, role: str
) -> None:
    response = login(client, people[role]).get(page_url())
    if role in ALLOWED:
        assert response.status_code == 200
        assert "Configuración de Ministerio de Salud" in html(response)
        assert "minsaperu" in html(response)
        assert response["Cache-Control"].startswith("max-age=0")
    else:
        _expect_refused(response, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_credential_post_per_role(
    client: Client, people: dict[str, User | None], facebook: SocialAccount, role: str
) -> None:
    response = login(client, people[role]).post(
        credential_url(facebook),
        {f"c{facebook.pk}-tipo": "page_token", f"c{facebook.pk}-token": SECRET},
    )
    credential = AccountCredential.objects.filter(account=facebook).first()
    if role in ALLOWED:
        assert response.status_code == 302
        assert response["Location"].endswith(f"#cuenta-{facebook.pk}")
        assert credential is not None
        assert credential.secret == SECRET
        assert credential.hint == SECRET[-4:]
        assert credential.set_by == people[role]
        assert AuditEvent.objects.filter(verb="credencial.registrada").count() == 1
    else:
        _expect_refused(response, role)
        assert credential is None
        assert not AuditEvent.objects.filter(verb__startswith="credencial.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_password_confirm_post_per_role(
    client: Client, people: dict[str, User | None], flag: PasswordChangeFlag, role: str
) -> None:
    url = reverse("entity_settings:flag_confirm", kwargs={"code": "minsa", "flag_pk": flag.pk})
    response = login(client, people[role]).post(url)
    flag.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert flag.confirmed_at is not None
        assert flag.confirmed_by == people[role]
        assert AuditEvent.objects.filter(verb="contrasena.cambio_confirmado").count() == 1
    else:
        _expect_refused(response, role)
        assert flag.confirmed_at is None
        assert not AuditEvent.objects.filter(verb="contrasena.cambio_confirmado").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_policy_post_per_role(
    client: Client, people: dict[str, User | None], entities: dict[str, Entity], role: str
) -> None:
    response = login(client, people[role]).post(policy_url(), policy_data())
    policy = ResponsePolicy.objects.filter(entity=entities["minsa"]).first()
    if role in ALLOWED:
        assert response.status_code == 302
        assert response["Location"].endswith("#plazos")
        assert policy is not None
        assert policy.first_response_hours == Decimal("4")
        assert policy.next_response_hours == Decimal("6.5")
        assert policy.resolution_hours == Decimal("24")
        assert (policy.workday_start, policy.workday_end) == (time(8, 0), time(18, 0))
        event = AuditEvent.objects.get(verb="plazos.politica_propia_fijada")
        assert event.scope == "minsa"
        assert event.actor == people[role]
        assert event.after is not None and event.after["first_response_hours"] == "4.00"
    else:
        _expect_refused(response, role)
        assert policy is None
        assert not AuditEvent.objects.filter(verb__startswith="plazos.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_policy_reset_per_role(
    client: Client,
    people: dict[str, User | None],
    manager: User,
    entities: dict[str, Entity],
    role: str,
) -> None:
    policies.response_policy_set(
        actor=manager, entity=entities["minsa"], first_response_hours=Decimal("2")
    )
    response = login(client, people[role]).post(reset_url())
    exists = ResponsePolicy.objects.filter(entity=entities["minsa"]).exists()
    if role in ALLOWED:
        assert response.status_code == 302
        assert not exists
        event = AuditEvent.objects.get(verb="plazos.politica_restablecida")
        assert event.before is not None and event.before["first_response_hours"] == "2.00"
    else:
        _expect_refused(response, role)
        assert exists
        assert not AuditEvent.objects.filter(verb="plazos.politica_restablecida").exists()


@pytest.mark.django_db
def test_other_entities_account_or_flag_through_own_entity_url_is_404(
    client: Client,
    manager: User,
    rector: User,
    other_manager: User,
    entities: dict[str, Entity],
    flag: PasswordChangeFlag,
) -> None:
    """A manager of MINSA cannot reach SUNAT's account by putting its id under MINSA's code."""
    sunat_x = make_verified_account(rector, entities["sunat"], "x", "@SUNAT", "4004")
    login(client, manager)
    url = reverse("entity_settings:credential", kwargs={"code": "minsa", "account_pk": sunat_x.pk})
    response = client.post(url, {f"c{sunat_x.pk}-tipo": "bearer", f"c{sunat_x.pk}-token": SECRET})
    assert response.status_code == 404
    assert not AccountCredential.objects.exists()
    # And SUNAT's manager cannot confirm MINSA's flag under SUNAT's code.
    login(client, other_manager)
    url = reverse("entity_settings:flag_confirm", kwargs={"code": "sunat", "flag_pk": flag.pk})
    assert client.post(url).status_code == 404
    flag.refresh_from_db()
    assert flag.confirmed_at is None


@pytest.mark.django_db
def test_unknown_entity_is_404_even_for_rector(client: Client, rector: User) -> None:
    assert login(client, rector).get(page_url("no-existe")).status_code == 404


@pytest.mark.django_db
def test_get_is_the_only_method_on_the_page_and_post_only_on_actions(
    client: Client, manager: User, facebook: SocialAccount
) -> None:
    login(client, manager)
    assert client.post(page_url()).status_code == 405
    assert client.get(policy_url()).status_code == 405
    assert client.get(credential_url(facebook)).status_code == 405


# --- second factor ----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("with_middleware", [True, False])
def test_manager_without_the_second_factor_is_sent_to_enter_it(
    client: Client, settings: Any, manager: User, facebook: SocialAccount, with_middleware: bool
) -> None:
    """Signed in with the password only: sent to the two-factor login, nothing written; the
    views check it themselves too, so the area stays closed without the middleware."""
    if not with_middleware:
        settings.MIDDLEWARE = [
            m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
        ]
    client.force_login(manager)  # no device in the session
    response = client.get(page_url())
    assert response.status_code == 302
    assert reverse("two_factor:login") in response["Location"]
    client.force_login(manager)
    response = client.post(policy_url(), policy_data())
    assert response.status_code == 302
    assert not ResponsePolicy.objects.exists()


@pytest.mark.django_db
def test_manager_without_a_device_is_sent_to_set_one_up(
    client: Client, settings: Any, make_user: Callable[..., User], entities: dict[str, Entity]
) -> None:
    from agora.directory.models import Membership, MembershipRole

    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if not m.endswith("RequireTwoFactorMiddleware")
    ]
    user = make_user("gestora-sin-dispositivo")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.GESTOR)
    client.force_login(user)
    response = client.get(page_url())
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:setup")


# --- credentials ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_never_appears_in_the_page_only_its_last_four_characters(
    client: Client, manager: User, facebook: SocialAccount
) -> None:
    login(client, manager)
    client.post(
        credential_url(facebook),
        {f"c{facebook.pk}-tipo": "page_token", f"c{facebook.pk}-token": SECRET},
    )
    page = html(client.get(page_url()))
    assert SECRET not in page
    assert SECRET[:-4] not in page
    assert "…" + SECRET[-4:] in page
    assert "gestor-minsa" in page  # who set it
    assert "Reemplazar el token de acceso" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "error"),
    [
        ("", "Pegue el token de acceso."),
        ("corto", "al menos 8 caracteres"),
        ("token con espacios dentro", "no puede contener espacios"),
    ],
)
def test_bad_token_is_refused_in_spanish_and_nothing_is_written(
    client: Client, manager: User, facebook: SocialAccount, token: str, error: str
) -> None:
    login(client, manager)
    response = client.post(
        credential_url(facebook),
        {f"c{facebook.pk}-tipo": "page_token", f"c{facebook.pk}-token": token},
    )
    assert response.status_code == 400
    page = html(response)
    assert error in page
    if token:
        assert token not in page  # the refused value is not echoed back either
    assert not AccountCredential.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="credencial.").exists()


@pytest.mark.django_db
def test_bad_kind_is_refused(client: Client, manager: User, facebook: SocialAccount) -> None:
    login(client, manager)
    response = client.post(
        credential_url(facebook), {f"c{facebook.pk}-tipo": "llave", f"c{facebook.pk}-token": SECRET}
    )
    assert response.status_code == 400
    assert SECRET not in html(response)
    assert not AccountCredential.objects.exists()


@pytest.mark.django_db
def test_replacing_a_token_is_audited_as_a_replacement(
    client: Client, manager: User, rector: User, facebook: SocialAccount
) -> None:
    services.credential_set(actor=rector, account=facebook, kind="page_token", secret=SECRET)
    login(client, manager)
    response = client.post(
        credential_url(facebook),
        {f"c{facebook.pk}-tipo": "page_token", f"c{facebook.pk}-token": "nuevo-token-ABCD"},
    )
    assert response.status_code == 302
    credential = AccountCredential.objects.get(account=facebook)
    assert credential.secret == "nuevo-token-ABCD"
    assert credential.set_by == manager
    event = AuditEvent.objects.get(verb="credencial.reemplazada")
    assert SECRET not in str(event.before) + str(event.after)


@pytest.mark.django_db
def test_page_lists_people_with_access_and_pending_flags(
    client: Client, manager: User, facebook: SocialAccount, flag: PasswordChangeFlag
) -> None:
    services.access_grant(
        actor=manager, account=facebook, person_name="Luis Huamán", platform_role="editor"
    )
    page = html(login(client, manager).get(page_url()))
    assert "Luis Huamán" in page
    assert "Rosa Quispe" in page  # in the flag's reason: her access was revoked
    assert "Confirmar que la contraseña fue cambiada" in page
    assert "cambio de contraseña pendiente" in page
    client.post(
        reverse("entity_settings:flag_confirm", kwargs={"code": "minsa", "flag_pk": flag.pk})
    )
    page = html(client.get(page_url()))
    assert "Confirmar que la contraseña fue cambiada" not in page


@pytest.mark.django_db
def test_confirming_twice_shows_the_reason(
    client: Client, manager: User, flag: PasswordChangeFlag
) -> None:
    url = reverse("entity_settings:flag_confirm", kwargs={"code": "minsa", "flag_pk": flag.pk})
    login(client, manager)
    client.post(url)
    response = client.post(url, follow=True)
    assert "ya estaba confirmado" in html(response)
    assert AuditEvent.objects.filter(verb="contrasena.cambio_confirmado").count() == 1


@pytest.mark.django_db
def test_page_reads_a_fixed_number_of_queries(
    client: Client,
    manager: User,
    rector: User,
    entities: dict[str, Entity],
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(6):
        account = make_verified_account(rector, entities["minsa"], "x", f"@minsa_{i}", f"90{i}")
        services.credential_set(actor=rector, account=account, kind="bearer", secret=f"{SECRET}{i}")
        access = services.access_grant(
            actor=manager, account=account, person_name=f"Persona {i}", platform_role="admin"
        )
        services.access_revoke(actor=manager, access=access)
    login(client, manager)
    # 15: the priority and escalation form lists the entity's members (one query).
    # 16: the labelling queue's badge in the staff navigation (one query, then cached).
    with django_assert_max_num_queries(16):
        response = client.get(page_url())
    assert html(response).count("Confirmar que la contraseña fue cambiada") == 6


# --- response-time policy ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("primera_respuesta", "10", "no puede ser mayor"),
        ("siguiente_respuesta", "9", "no puede ser mayor"),
        ("resolucion", "46", "no puede ser mayor"),
        ("primera_respuesta", "0", "mayor o igual"),
        ("primera_respuesta", "cuatro", "Escriba un número de horas"),
        ("fin_jornada", "07:00", "La jornada debe terminar después de empezar"),
        ("inicio_jornada", "25:00", "Escriba la hora como HH:MM"),
        # A narrower working day than the default's (08:30–17:30) stretches every deadline.
        ("fin_jornada", "17:00", "no puede empezar más tarde ni terminar más temprano"),
    ],
)
def test_bad_or_looser_policy_is_refused_and_nothing_written(
    client: Client, manager: User, entities: dict[str, Entity], field: str, value: str, error: str
) -> None:
    login(client, manager)
    response = client.post(policy_url(), policy_data(**{field: value}))
    assert response.status_code == 400
    assert error in html(response)
    assert not ResponsePolicy.objects.filter(entity=entities["minsa"]).exists()
    assert not AuditEvent.objects.filter(verb__startswith="plazos.").exists()


@pytest.mark.django_db
def test_looser_than_the_rector_default_in_the_database_is_refused(
    manager: User, entities: dict[str, Entity]
) -> None:
    """The limit is the rector office's policy as stored, not a constant."""
    ResponsePolicy.objects.create(
        entity=None,
        first_response_hours=Decimal("3"),
        next_response_hours=Decimal("3"),
        resolution_hours=Decimal("20"),
    )
    with pytest.raises(DomainError, match="primera respuesta"):
        policies.response_policy_set(
            actor=manager, entity=entities["minsa"], first_response_hours=Decimal("4")
        )
    assert not ResponsePolicy.objects.filter(entity=entities["minsa"]).exists()
    policy = policies.response_policy_set(
        actor=manager, entity=entities["minsa"], first_response_hours=Decimal("2.5")
    )
    assert policy.first_response_hours == Decimal("2.5")
    assert policy.resolution_hours == Decimal("20")  # kept from the policy in force


@pytest.mark.django_db
def test_policy_service_refuses_communicators_and_other_managers(
    communicator: User, other_manager: User, entities: dict[str, Entity]
) -> None:
    for actor in (communicator, other_manager):
        with pytest.raises(PermissionDeniedError, match="Ministerio de Salud"):
            policies.response_policy_set(
                actor=actor, entity=entities["minsa"], first_response_hours=Decimal("1")
            )
    assert not ResponsePolicy.objects.exists()
    with pytest.raises(PermissionDeniedError):
        policies.response_policy_reset(actor=communicator, entity=entities["minsa"])
    assert not AuditEvent.objects.filter(verb__startswith="plazos.").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"first_response_hours": "abc"}, "debe ser un número"),
        ({"first_response_hours": Decimal("-1")}, "mayor que 0"),
        ({"resolution_hours": Decimal("1.234")}, "dos decimales"),
        ({"workday_start": "08:00"}, "Indique la hora"),
    ],
)
def test_policy_service_validates_values(
    manager: User, entities: dict[str, Entity], values: dict[str, Any], error: str
) -> None:
    with pytest.raises(DomainError, match=error):
        policies.response_policy_set(actor=manager, entity=entities["minsa"], **values)
    assert not ResponsePolicy.objects.exists()


@pytest.mark.django_db
def test_changing_the_policy_is_audited_with_before_and_after_and_unchanged_is_not(
    manager: User, entities: dict[str, Entity]
) -> None:
    minsa = entities["minsa"]
    policies.response_policy_set(actor=manager, entity=minsa, first_response_hours=4)
    policies.response_policy_set(actor=manager, entity=minsa, first_response_hours=3)
    event = AuditEvent.objects.get(verb="plazos.politica_cambiada")
    assert event.before is not None and event.after is not None
    assert (event.before["first_response_hours"], event.after["first_response_hours"]) == (
        "4.00",
        "3.00",
    )
    policies.response_policy_set(actor=manager, entity=minsa, first_response_hours=3)
    assert AuditEvent.objects.filter(verb__startswith="plazos.").count() == 2


@pytest.mark.django_db
def test_reset_without_own_policy_is_refused(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    with pytest.raises(DomainError, match="ya usa la política general"):
        policies.response_policy_reset(actor=manager, entity=entities["minsa"])
    response = login(client, manager).post(reset_url(), follow=True)
    assert "ya usa la política general" in html(response)
    assert not AuditEvent.objects.filter(verb__startswith="plazos.").exists()


@pytest.mark.django_db
def test_saved_policy_is_the_one_the_inbox_uses(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    from agora.inbox.deadlines import deadlines_for

    login(client, manager).post(policy_url(), policy_data(primera_respuesta="2"))
    assert deadlines_for(entities["minsa"]).first_response_hours == Decimal("2")
    page = html(client.get(page_url()))
    assert "La entidad tiene su propia política de plazos." in page
    assert "Volver a la política general" in page


# --- index and inbox link ---------------------------------------------------------------------


@pytest.mark.django_db
def test_index_sends_a_manager_of_one_entity_to_it(client: Client, manager: User) -> None:
    response = login(client, manager).get(reverse("entity_settings:index"))
    assert response.status_code == 302
    assert response["Location"] == page_url()


@pytest.mark.django_db
def test_index_lets_rector_search_and_is_404_for_communicators(
    client: Client, rector: User, communicator: User, entities: dict[str, Entity]
) -> None:
    url = reverse("entity_settings:index")
    page = html(login(client, rector).get(url, {"q": "salud"}))
    assert page_url("minsa") in page
    assert page_url("sunat") not in page
    assert login(Client(), communicator).get(url).status_code == 404


@pytest.mark.django_db
def test_inbox_header_links_managers_only(
    client: Client, manager: User, communicator: User
) -> None:
    inbox = reverse("inbox:list")
    link = reverse("entity_settings:index")
    assert link in html(login(client, manager).get(inbox))
    assert link not in html(login(Client(), communicator).get(inbox))


# --- access registry --------------------------------------------------------------------------


def access_add_url(account: SocialAccount) -> str:
    return reverse(
        "entity_settings:access_add", kwargs={"code": account.entity.code, "account_pk": account.pk}
    )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access_add_post_per_role(
    client: Client, people: dict[str, User | None], facebook: SocialAccount, role: str
) -> None:
    response = login(client, people[role]).post(
        access_add_url(facebook),
        {f"a{facebook.pk}-nombre": "Luis Huamán", f"a{facebook.pk}-rol": "editor"},
    )
    accesses = list(AccountAccess.objects.filter(account=facebook))
    if role in ALLOWED:
        assert response.status_code == 302
        assert [(a.person_name, a.platform_role) for a in accesses] == [("Luis Huamán", "editor")]
        assert AuditEvent.objects.filter(verb="acceso.registrado", scope="minsa").count() == 1
    else:
        _expect_refused(response, role)
        assert accesses == []
        assert not AuditEvent.objects.filter(verb="acceso.registrado").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_access_remove_post_per_role(
    client: Client,
    people: dict[str, User | None],
    manager: User,
    facebook: SocialAccount,
    role: str,
) -> None:
    access = services.access_grant(
        actor=manager, account=facebook, person_name="Luis Huamán", platform_role="editor"
    )
    url = reverse("entity_settings:access_remove", kwargs={"code": "minsa", "access_pk": access.pk})
    response = login(client, people[role]).post(url)
    access.refresh_from_db()
    flags = PasswordChangeFlag.objects.filter(account=facebook)
    if role in ALLOWED:
        assert response.status_code == 302
        assert access.revoked_at is not None
        assert flags.count() == 1  # the password must now be changed (guideline 24)
        assert "Luis Huamán" in flags.get().reason
    else:
        _expect_refused(response, role)
        assert access.revoked_at is None
        assert not flags.exists()


@pytest.mark.django_db
def test_access_bad_input_is_refused_and_nothing_written(
    client: Client, manager: User, facebook: SocialAccount
) -> None:
    services.access_grant(
        actor=manager, account=facebook, person_name="Luis Huamán", platform_role="editor"
    )
    login(client, manager)
    response = client.post(
        access_add_url(facebook), {f"a{facebook.pk}-nombre": "", f"a{facebook.pk}-rol": "editor"}
    )
    assert response.status_code == 400
    assert "Indique el nombre de la persona." in html(response)
    response = client.post(
        access_add_url(facebook),
        {f"a{facebook.pk}-nombre": "luis huamán", f"a{facebook.pk}-rol": "admin"},
    )
    assert response.status_code == 400
    assert "ya figura con acceso vigente" in html(response)
    assert AccountAccess.objects.filter(account=facebook).count() == 1
    assert AuditEvent.objects.filter(verb="acceso.registrado").count() == 1


# --- language ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_spanish(
    client: Client, manager: User, rector: User, flag: PasswordChangeFlag
) -> None:
    """The area's pages, with every section filled and with errors shown, have no English UI
    words (tests/core/test_i18n.py's check, applied to the pages it does not visit)."""
    from tests.core.test_i18n import english_words

    login(client, manager)
    pages = [
        client.get(page_url()),
        client.post(policy_url(), policy_data(primera_respuesta="99")),
        client.post(credential_url(flag.account), {}),
        login(Client(), rector).get(reverse("entity_settings:index"), {"q": "salud"}),
    ]
    for response in pages:
        page = html(response)
        assert '<html lang="es-PE">' in page
        assert english_words(page) == []


# --- OAuth refresh token (YouTube) -------------------------------------------------------------

OAUTH_TOKEN = "ya29.a0-token-oauth-de-youtube"
REFRESH_TOKEN = "1//0gR-token-de-actualizacion-Wx7k"


@pytest.fixture
def youtube(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    account = make_verified_account(
        rector, entities["minsa"], "youtube", "@minsaperu", "UCk5GjR2bWnR2Vn"
    )
    services.credential_set(actor=rector, account=account, kind="oauth", secret=OAUTH_TOKEN)
    return account


@pytest.mark.parametrize("role", ["communicator", "other_manager", "manager", "rector"])
def test_refresh_token_only_by_the_manager_or_rector(
    role: str, people: dict[str, User | None], youtube: SocialAccount
) -> None:
    actor = people[role]
    assert actor is not None
    if role in ALLOWED:
        entity_settings.credential_refresh_token_set(
            actor=actor, account=youtube, refresh_token=REFRESH_TOKEN
        )
        credential = AccountCredential.objects.get(account=youtube)
        assert credential.refresh_token == REFRESH_TOKEN
        assert credential.refresh_hint == "Wx7k"
        assert credential.secret == OAUTH_TOKEN  # the access token is kept
    else:
        with pytest.raises(PermissionDeniedError):
            entity_settings.credential_refresh_token_set(
                actor=actor, account=youtube, refresh_token=REFRESH_TOKEN
            )
        assert AccountCredential.objects.get(account=youtube).refresh_token == ""


def test_refresh_token_is_stored_encrypted_and_audited_by_its_hint_only(
    manager: User, youtube: SocialAccount
) -> None:
    from django.db import connection

    entity_settings.credential_refresh_token_set(
        actor=manager, account=youtube, refresh_token=f"  {REFRESH_TOKEN}\n"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT refresh_token FROM connectors_accountcredential WHERE account_id = %s",
            [youtube.pk],
        )
        raw = cursor.fetchone()[0]
    assert raw and REFRESH_TOKEN not in raw
    event = AuditEvent.objects.get(verb="credencial.actualizacion_registrada")
    assert REFRESH_TOKEN not in str(event.after)
    assert event.after == {"refresh_hint": "Wx7k"}

    entity_settings.credential_refresh_token_set(actor=manager, account=youtube, refresh_token="")
    credential = AccountCredential.objects.get(account=youtube)
    assert (credential.refresh_token, credential.refresh_hint) == ("", "")
    assert AuditEvent.objects.filter(verb="credencial.actualizacion_eliminada").exists()


def test_refresh_token_refused_without_an_oauth_credential_or_when_malformed(
    manager: User, youtube: SocialAccount, facebook: SocialAccount
) -> None:
    services.credential_set(actor=manager, account=facebook, kind="page_token", secret=SECRET)
    with pytest.raises(DomainError, match="token OAuth"):
        entity_settings.credential_refresh_token_set(
            actor=manager, account=facebook, refresh_token=REFRESH_TOKEN
        )
    with pytest.raises(DomainError, match="sin espacios"):
        entity_settings.credential_refresh_token_set(
            actor=manager, account=youtube, refresh_token="1//0g token partido"
        )
    assert AccountCredential.objects.get(account=facebook).refresh_token == ""
    assert AccountCredential.objects.get(account=youtube).refresh_token == ""
    assert not AuditEvent.objects.filter(verb__startswith="credencial.actualizacion").exists()


def test_settings_page_never_shows_the_refresh_token(
    client: Client, manager: User, youtube: SocialAccount
) -> None:
    entity_settings.credential_refresh_token_set(
        actor=manager, account=youtube, refresh_token=REFRESH_TOKEN
    )
    body = html(login(client, manager).get(page_url()))
    assert REFRESH_TOKEN not in body and OAUTH_TOKEN not in body


def test_admin_sets_a_refresh_token_and_shows_only_its_hint(
    client: Client, rector: User, youtube: SocialAccount
) -> None:
    rector.is_staff = True
    rector.is_superuser = True
    rector.save()
    admin = login(client, rector)
    credential = AccountCredential.objects.get(account=youtube)
    url = f"/admin/connectors/accountcredential/{credential.pk}/change/"
    response = admin.post(
        url,
        {"kind": "oauth", "new_secret": OAUTH_TOKEN, "new_refresh_token": REFRESH_TOKEN},
    )
    assert response.status_code == 302, html(response)
    credential.refresh_from_db()
    assert credential.refresh_token == REFRESH_TOKEN
    page = html(admin.get(url))
    assert "…Wx7k" in page
    assert REFRESH_TOKEN not in page and OAUTH_TOKEN not in page

    # A refresh token with a non-OAuth kind is refused next to the field; nothing changes.
    refused = admin.post(
        url, {"kind": "api_key", "new_secret": "AIzaSyD-clave", "new_refresh_token": "1//0gX"}
    )
    assert refused.status_code == 200
    assert "solo se usa con un token OAuth" in html(refused)
    credential.refresh_from_db()
    assert (credential.kind, credential.refresh_token) == ("oauth", REFRESH_TOKEN)


def refresh_url(account: SocialAccount, remove: bool = False) -> str:
    name = "entity_settings:refresh_token_remove" if remove else "entity_settings:refresh_token"
    return reverse(name, kwargs={"code": account.entity.code, "account_pk": account.pk})


@pytest.mark.parametrize("role", ROLES)
def test_refresh_token_from_the_settings_page_per_role(
    client: Client, people: dict[str, User | None], youtube: SocialAccount, role: str
) -> None:
    response = login(client, people[role]).post(
        refresh_url(youtube), {f"r{youtube.pk}-token": REFRESH_TOKEN}
    )
    credential = AccountCredential.objects.get(account=youtube)
    if role in ALLOWED:
        assert response.status_code == 302
        assert response["Location"].endswith(f"#cuenta-{youtube.pk}")
        assert credential.refresh_token == REFRESH_TOKEN
        body = html(client.get(page_url()))
        assert "Token de actualización registrado; termina en «…Wx7k»" in body
        assert REFRESH_TOKEN not in body
        removed = client.post(refresh_url(youtube, remove=True))
        assert removed.status_code == 302
        assert AccountCredential.objects.get(account=youtube).refresh_token == ""
        assert "Sin token de actualización" in html(client.get(page_url()))
    else:
        _expect_refused(response, role)
        assert credential.refresh_token == ""
        assert not AuditEvent.objects.filter(verb__startswith="credencial.actualizacion").exists()


def test_refresh_token_bad_input_on_the_page_is_refused_in_spanish(
    client: Client, manager: User, youtube: SocialAccount, facebook: SocialAccount
) -> None:
    login(client, manager)
    entity_settings.credential_refresh_token_set(
        actor=manager, account=youtube, refresh_token=REFRESH_TOKEN
    )
    for blank in ("", "   "):  # only spaces is no token: it never removes the stored one
        empty = client.post(refresh_url(youtube), {f"r{youtube.pk}-token": blank})
        assert empty.status_code == 400
        assert "Pegue el token de actualización." in html(empty)
        assert AccountCredential.objects.get(account=youtube).refresh_token == REFRESH_TOKEN
    entity_settings.credential_refresh_token_set(actor=manager, account=youtube, refresh_token="")
    split = client.post(refresh_url(youtube), {f"r{youtube.pk}-token": "1//0g token partido"})
    assert split.status_code == 400
    assert "sin espacios" in html(split)
    assert AccountCredential.objects.get(account=youtube).refresh_token == ""
    # Only accounts with an OAuth credential show the form; others are refused by the service.
    services.credential_set(actor=manager, account=facebook, kind="page_token", secret=SECRET)
    page = html(client.get(page_url()))
    assert f'name="r{youtube.pk}-token"' in page
    assert f'name="r{facebook.pk}-token"' not in page
    other = client.post(refresh_url(facebook), {f"r{facebook.pk}-token": REFRESH_TOKEN})
    assert other.status_code == 400
    assert "token OAuth" in html(other)
    assert AccountCredential.objects.get(account=facebook).refresh_token == ""


def test_a_new_access_token_forgets_the_old_expiry_and_a_non_oauth_one_the_refresh_token(
    manager: User, youtube: SocialAccount
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    entity_settings.credential_refresh_token_set(
        actor=manager, account=youtube, refresh_token=REFRESH_TOKEN
    )
    AccountCredential.objects.filter(account=youtube).update(
        expires_at=timezone.now() - timedelta(days=2)
    )
    services.credential_set(actor=manager, account=youtube, kind="oauth", secret=OAUTH_TOKEN + "2")
    credential = AccountCredential.objects.get(account=youtube)
    assert credential.expires_at is None  # not renewed over the token just pasted
    assert credential.refresh_token == REFRESH_TOKEN  # still the account's OAuth client
    services.credential_set(
        actor=manager, account=youtube, kind="api_key", secret="AIzaSy-clave-1234"
    )
    credential = AccountCredential.objects.get(account=youtube)
    assert (credential.refresh_token, credential.refresh_hint) == ("", "")
