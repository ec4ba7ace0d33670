"""Directory reads: public search, the "is this account official?" look-up, and what each
signed-in person may see."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from agora.core.models import User
from agora.directory import selectors, services
from agora.directory.models import (
    AccountStatus,
    Branch,
    Entity,
    EntityType,
    Level,
    Membership,
    MembershipRole,
    Platform,
    SocialAccount,
)


def _codes(qs: Any) -> list[str]:
    return [e.code for e in qs]


def _propose(rector: User, entity: Entity, platform: str, handle: str) -> SocialAccount:
    return services.account_propose(
        actor=rector, entity=entity, platform=platform, handle=handle, evidence="Oficio"
    )


# --- entity_search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "q", ["minsa", "MINSA", "SALUD", "salud", "Ministerio de Salud", "ministerio de salud"]
)
def test_search_finds_minsa_by_acronym_or_name_in_any_case(
    q: str, entities: dict[str, Entity]
) -> None:
    assert _codes(selectors.entity_search(q=q))[0] == "minsa"


@pytest.mark.parametrize("q", ["Ministerio de Educacion", "EDUCACIÓN", "educación", "EdUcAcIoN"])
def test_search_ignores_accents(q: str, entities: dict[str, Entity]) -> None:
    assert _codes(selectors.entity_search(q=q)) == ["minedu"]


def test_search_needs_every_word(entities: dict[str, Entity]) -> None:
    assert _codes(selectors.entity_search(q="ministerio salud arequipa")) == []
    assert "md-040103" in _codes(selectors.entity_search(q="cayma arequipa"))


def test_exact_acronym_comes_first_then_national_entities(entities: dict[str, Entity]) -> None:
    """'Amigos del MINSA' sorts before 'Ministerio de Salud' by name, but the exact acronym
    wins; a national entity comes before a local one."""
    services.entities_load(
        rows=[
            {
                "code": "md-999999",
                "name": "Asociación Amigos del MINSA",
                "branch": Branch.LOCAL,
                "level": Level.LOCAL,
                "entity_type": EntityType.OTRO,
            },
            {
                "code": "aaa-minsa",
                "name": "Aaa Programa Minsa",
                "branch": Branch.EJECUTIVO,
                "level": Level.NACIONAL,
                "entity_type": EntityType.PROGRAMA,
            },
        ]
    )
    assert _codes(selectors.entity_search(q="minsa")) == ["minsa", "aaa-minsa", "md-999999"]
    # An explicit sort replaces relevance.
    assert _codes(selectors.entity_search(q="minsa", sort="nombre")) == [
        "aaa-minsa",
        "md-999999",
        "minsa",
    ]


def test_filters_by_branch_level_type_and_department(entities: dict[str, Entity]) -> None:
    assert _codes(selectors.entity_search(branch=Branch.REGIONAL)) == ["gr-04", "gr-15"]
    assert set(_codes(selectors.entity_search(level=Level.LOCAL))) == {
        "mp-0401",
        "md-040102",
        "md-040103",
        "mp-1501",
    }
    assert set(_codes(selectors.entity_search(entity_type=EntityType.MUNI_PROVINCIAL))) == {
        "mp-0401",
        "mp-1501",
    }
    assert set(_codes(selectors.entity_search(department="04"))) == {
        "gr-04",
        "mp-0401",
        "md-040102",
        "md-040103",
    }
    assert _codes(selectors.entity_search(q="arequipa", level=Level.REGIONAL)) == ["gr-04"]
    assert _codes(selectors.entity_search(branch=Branch.JUDICIAL)) == []


def test_platform_filter_keeps_entities_with_a_verified_account_there(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    _propose(rector, entities["sunat"], Platform.X, "@sunat_pendiente")  # pending: not counted
    second = _propose(rector, entities["minsa"], Platform.FACEBOOK, "minsaperu")
    services.account_verify(actor=rector, account=second)
    assert _codes(selectors.entity_search(platform=Platform.X)) == ["minsa"]
    assert _codes(selectors.entity_search(platform=Platform.FACEBOOK)) == ["minsa"]
    assert _codes(selectors.entity_search(platform=Platform.TIKTOK)) == []
    # Two verified accounts do not duplicate the entity in other listings.
    assert _codes(selectors.entity_search(q="minsa")) == ["minsa"]


def test_sort_options(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    names = sorted(e.name for e in entities.values())
    assert [e.name for e in selectors.entity_search(sort="nombre")] == names
    assert [e.name for e in selectors.entity_search(sort="-nombre")] == names[::-1]
    by_accounts = list(selectors.entity_search(sort="cuentas"))
    assert by_accounts[0].code == "minsa"
    assert by_accounts[0].verified_count == 1
    assert all(e.verified_count == 0 for e in by_accounts[1:])
    levels = [e.level for e in selectors.entity_search(sort="nivel")]
    assert levels == sorted(levels)
    departments = [e.department for e in selectors.entity_search(sort="departamento")]
    assert departments == sorted(departments)
    # An unknown sort falls back to the name.
    assert [e.name for e in selectors.entity_search(sort="zzz")] == names


@pytest.mark.parametrize(
    "q",
    [
        "a" * 10_000,
        " ".join(["salud"] * 2_000),
        "<script>alert('x')</script>",
        "'; DROP TABLE directory_entity; --",
        "%",
        "_",
        "\\",
    ],
)
def test_hostile_queries_do_not_error(q: str, entities: dict[str, Entity]) -> None:
    results = list(selectors.entity_search(q=q))
    assert all(isinstance(e, Entity) for e in results)
    assert Entity.objects.count() == len(entities)


def test_percent_and_underscore_are_not_wildcards(entities: dict[str, Entity]) -> None:
    assert _codes(selectors.entity_search(q="%")) == []
    assert _codes(selectors.entity_search(q="_")) == []


# --- account_lookup --------------------------------------------------------------------------


def test_lookup_verified_account_names_entity_and_date(
    verified_account: SocialAccount,
) -> None:
    for query in ["https://x.com/Minsa_Peru", "https://twitter.com/minsa_peru/", "@MINSA_PERU"]:
        result = selectors.account_lookup(query=query)
        assert result.outcome == "verificada", query
        assert result.account == verified_account
        assert result.similar is None
    message = selectors.lookup_message(selectors.account_lookup(query="@Minsa_Peru"))
    assert message.startswith("Sí. X (antes Twitter) @Minsa_Peru es una cuenta oficial")
    assert "de Ministerio de Salud desde el " in message
    assert verified_account.verified_at is not None
    assert str(timezone.localtime(verified_account.verified_at).year) in message


def test_lookup_suspended_account(rector: User, verified_account: SocialAccount) -> None:
    services.account_suspend(actor=rector, account=verified_account, reason="Hackeada")
    result = selectors.account_lookup(query="https://x.com/Minsa_Peru")
    assert result.outcome == "suspendida"
    assert result.account == verified_account
    assert "suspendida. No la trate como oficial" in selectors.lookup_message(result)


def test_lookup_retired_account(rector: User, verified_account: SocialAccount) -> None:
    services.account_retire(actor=rector, account=verified_account, reason="Cerrada")
    result = selectors.account_lookup(query="@Minsa_Peru")
    assert result.outcome == "retirada"
    assert "ya no está en uso" in selectors.lookup_message(result)


def test_lookup_pending_account(rector: User, entities: dict[str, Entity]) -> None:
    account = _propose(rector, entities["minsa"], Platform.INSTAGRAM, "@minsa.peru")
    result = selectors.account_lookup(query="https://www.instagram.com/minsa.peru/")
    assert result.outcome == "pendiente"
    assert result.account == account
    assert "aún no ha sido verificada" in selectors.lookup_message(result)


def test_lookup_not_registered(verified_account: SocialAccount) -> None:
    result = selectors.account_lookup(query="https://www.facebook.com/cuenta_cualquiera")
    assert result.outcome == "no_registrada"
    assert result.account is None
    assert result.similar is None
    assert selectors.lookup_message(result).startswith(
        "Esta cuenta no está registrada como oficial de ninguna entidad pública."
    )


def test_lookup_on_another_platform_is_not_the_verified_account(
    verified_account: SocialAccount,
) -> None:
    """@Minsa_Peru is verified on X, not on TikTok."""
    result = selectors.account_lookup(query="https://www.tiktok.com/@Minsa_Peru")
    assert result.outcome == "no_registrada"
    assert result.account is None


@pytest.mark.parametrize(
    "query",
    ["", "   ", "a" * 10_000, "https://facebook.com/watch", "<b>hola</b>", "' OR 1=1 --"],
)
def test_lookup_invalid_text(query: str, verified_account: SocialAccount) -> None:
    result = selectors.account_lookup(query=query)
    assert result.outcome == "invalida"
    assert result.account is None
    assert len(result.query) <= 500
    assert selectors.lookup_message(result).startswith("No reconocemos ese texto")


def test_lookup_warns_of_an_impostor_and_names_the_official_account(
    verified_account: SocialAccount,
) -> None:
    result = selectors.account_lookup(query="@MinsaPeru_")
    assert result.outcome == "no_registrada"
    assert result.account is None
    assert result.similar == [verified_account]
    message = selectors.lookup_message(result)
    assert "No la trate como oficial." in message
    assert "se parece a la cuenta oficial X (antes Twitter) @Minsa_Peru" in message
    assert "de Ministerio de Salud" in message


def test_lookup_pending_impostor_is_flagged_with_the_official_account(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    _propose(rector, entities["sunat"], Platform.X, "@Minsa_Peru1")
    result = selectors.account_lookup(query="https://x.com/Minsa_Peru1")
    assert result.outcome == "pendiente"
    assert result.similar == [verified_account]


def test_lookup_far_handles_are_not_reported_as_similar(
    verified_account: SocialAccount,
) -> None:
    assert selectors.account_lookup(query="@sunat_oficial").similar is None
    assert selectors.account_lookup(query="@min").similar is None


def test_rejected_account_is_never_reported_as_official(
    rector: User, entities: dict[str, Entity]
) -> None:
    account = _propose(rector, entities["minsa"], Platform.X, "@Minsa_Falsa")
    services.account_reject(actor=rector, account=account, reason="Suplantación")
    result = selectors.account_lookup(query="https://x.com/Minsa_Falsa")
    assert result.outcome == "no_registrada"
    assert result.account is None
    message = selectors.lookup_message(result)
    assert "no está registrada como oficial" in message
    assert "Ministerio de Salud" not in message


def test_rejected_account_is_not_in_open_data_or_entity_page(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    account = _propose(rector, entities["minsa"], Platform.X, "@Minsa_Falsa")
    services.account_reject(actor=rector, account=account, reason="Suplantación")
    assert list(selectors.opendata_verified_accounts()) == [verified_account]
    entity = selectors.entity_get_public(code="minsa")
    assert entity.verified_accounts == [verified_account]  # type: ignore[attr-defined]


# --- staff scoping -----------------------------------------------------------------------------


def test_communicator_sees_only_own_entity(
    communicator: User, rector: User, entities: dict[str, Entity]
) -> None:
    minsa = _propose(rector, entities["minsa"], Platform.X, "@cuenta_minsa")
    _propose(rector, entities["sunat"], Platform.X, "@cuenta_sunat")
    assert _codes(Entity.objects.for_staff(communicator)) == ["minsa"]
    assert _codes(selectors.entities_for_staff(user=communicator)) == ["minsa"]
    assert list(selectors.accounts_for_staff(user=communicator)) == [minsa]


def test_rector_sees_every_entity_and_account(rector: User, entities: dict[str, Entity]) -> None:
    _propose(rector, entities["minsa"], Platform.X, "@cuenta_minsa")
    _propose(rector, entities["sunat"], Platform.X, "@cuenta_sunat")
    assert Entity.objects.for_staff(rector).count() == len(entities)
    assert selectors.accounts_for_staff(user=rector).count() == 2


def test_ended_membership_sees_nothing(
    make_user: Callable[..., User], rector: User, entities: dict[str, Entity]
) -> None:
    account = _propose(rector, entities["minsa"], Platform.X, "@cuenta_minsa")
    former = make_user("excomunicador")
    Membership.objects.create(
        user=former,
        entity=entities["minsa"],
        role=MembershipRole.COMUNICADOR,
        ended_at=timezone.now(),
    )
    assert not Entity.objects.for_staff(former).exists()
    assert not selectors.accounts_for_staff(user=former).exists()
    with pytest.raises(Exception) as info:
        selectors.account_get_for_staff(user=former, account_id=account.pk)
    assert type(info.value).__name__ == "Http404"


def test_inactive_or_anonymous_users_see_nothing(
    communicator: User, entities: dict[str, Entity]
) -> None:
    communicator.is_active = False
    communicator.save()
    assert not Entity.objects.for_staff(communicator).exists()
    assert not Entity.objects.for_staff(AnonymousUser()).exists()  # type: ignore[arg-type]


def test_staff_member_of_two_entities_sees_both_once(
    make_user: Callable[..., User], entities: dict[str, Entity]
) -> None:
    user = make_user("doble")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.GESTOR)
    Membership.objects.create(user=user, entity=entities["sunat"], role=MembershipRole.COMUNICADOR)
    assert sorted(_codes(selectors.entities_for_staff(user=user))) == ["minsa", "sunat"]


def test_pending_queue_lists_only_pending_oldest_first(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    first = _propose(rector, entities["minsa"], Platform.X, "@primera")
    second = _propose(rector, entities["sunat"], Platform.X, "@segunda")
    rejected = _propose(rector, entities["sunat"], Platform.X, "@tercera")
    services.account_reject(actor=rector, account=rejected, reason="No")
    assert list(selectors.accounts_pending_verification()) == [first, second]
    assert all(a.status == AccountStatus.PENDIENTE for a in [first, second])
