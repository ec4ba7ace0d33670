"""Directory API (/api/v1/): entities, verified accounts and the look-up; bad parameters give
400 with per-field Spanish messages; the OpenAPI schema and its documentation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema

from agora.core.models import User
from agora.directory import services
from agora.directory.models import Entity, Platform, SocialAccount

ENTITIES = "/api/v1/entities/"
ACCOUNTS = "/api/v1/accounts/"
LOOKUP = "/api/v1/accounts/lookup/"


@pytest.fixture
def accounts(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> dict[str, SocialAccount]:
    """minsa: verified on X and Facebook, pending on TikTok; sunat: rejected on X;
    gr-04: suspended on Instagram."""

    def propose(entity: str, platform: str, handle: str) -> SocialAccount:
        return services.account_propose(
            actor=rector, entity=entities[entity], platform=platform, handle=handle,
            evidence="Oficio",
        )  # fmt: skip

    facebook = services.account_verify(
        actor=rector, account=propose("minsa", Platform.FACEBOOK, "minsaperu")
    )
    pending = propose("minsa", Platform.TIKTOK, "@minsa_pendiente")
    rejected = propose("sunat", Platform.X, "@sunat_falsa")
    services.account_reject(actor=rector, account=rejected, reason="Falsa")
    suspended = services.account_verify(
        actor=rector, account=propose("gr-04", Platform.INSTAGRAM, "@gore.arequipa")
    )
    services.account_suspend(actor=rector, account=suspended, reason="Revisión")
    return {
        "x": verified_account,
        "facebook": facebook,
        "pending": pending,
        "rejected": rejected,
        "suspended": suspended,
    }


def _codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


# --- entities --------------------------------------------------------------------------------


def test_entity_list_is_paginated_and_counts_verified_accounts(
    client: Client, accounts: dict[str, SocialAccount], entities: dict[str, Entity]
) -> None:
    data = client.get(ENTITIES).json()
    assert data["count"] == len(entities)
    rows = {row["code"]: row for row in data["results"]}
    assert rows["minsa"]["verified_accounts"] == 2
    assert rows["gr-04"]["verified_accounts"] == 0  # suspended is not verified
    assert rows["sunat"]["parent"] == "mef"
    assert rows["minsa"]["name"] == "Ministerio de Salud"
    assert rows["md-040103"]["department_code"] == "04"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "salud"}, ["minsa"]),
        ({"q": "MINISTERIO DE EDUCACION"}, ["minedu"]),
        ({"branch": "gobierno_regional"}, ["gr-04", "gr-15"]),
        ({"level": "regional"}, ["gr-04", "gr-15"]),
        ({"entity_type": "municipalidad_distrital"}, ["md-040102", "md-040103"]),
        ({"department": "15"}, ["gr-15", "mp-1501"]),
        ({"platform": "facebook"}, ["minsa"]),
        ({"platform": "instagram"}, []),
        ({"q": "arequipa", "level": "regional"}, ["gr-04"]),
    ],
)
def test_entity_filters(
    client: Client,
    accounts: dict[str, SocialAccount],
    params: dict[str, str],
    expected: list[str],
) -> None:
    assert sorted(_codes(client.get(ENTITIES, params))) == expected


def test_entity_ordering(
    client: Client, accounts: dict[str, SocialAccount], entities: dict[str, Entity]
) -> None:
    names = sorted(e.name for e in entities.values())
    by_name = client.get(ENTITIES, {"ordering": "-nombre"}).json()["results"]
    assert [row["name"] for row in by_name] == names[::-1]
    by_accounts = _codes(client.get(ENTITIES, {"ordering": "cuentas"}))
    assert by_accounts[0] == "minsa"


def test_entity_search_puts_the_exact_acronym_first(
    client: Client, entities: dict[str, Entity]
) -> None:
    assert _codes(client.get(ENTITIES, {"q": "sunat"}))[0] == "sunat"


def test_entity_detail_nests_only_verified_accounts(
    client: Client, accounts: dict[str, SocialAccount]
) -> None:
    response = client.get(f"{ENTITIES}minsa/")
    assert response.status_code == 200
    data = response.json()
    assert data["code"] == "minsa"
    assert data["acronym"] == "MINSA"
    assert len(data["functions"]) >= 2
    handles = sorted(a["handle"] for a in data["accounts"])
    assert handles == ["@Minsa_Peru", "@minsaperu"]
    assert all(a["verified_at"] for a in data["accounts"])
    assert set(data["accounts"][0]) == {"platform", "handle", "url", "platform_id", "verified_at"}


def test_entity_detail_unknown_code_is_404(client: Client, entities: dict[str, Entity]) -> None:
    assert client.get(f"{ENTITIES}no-existe/").status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "zzz"}, "level"),
        ({"branch": "<script>"}, "branch"),
        ({"entity_type": "ministry"}, "entity_type"),
        ({"platform": "myspace"}, "platform"),
        ({"ordering": "id"}, "ordering"),
    ],
)
def test_bad_choice_filter_gives_400_with_a_spanish_field_message(
    client: Client, entities: dict[str, Entity], params: dict[str, str], field: str
) -> None:
    response = client.get(ENTITIES, params)
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert errors[field][0].startswith("Escoja una opción válida")


@pytest.mark.parametrize("department", ["Lima", "1", "150", "1a"])
def test_bad_department_gives_400_in_spanish(
    client: Client, entities: dict[str, Entity], department: str
) -> None:
    response = client.get(ENTITIES, {"department": department})
    assert response.status_code == 400
    assert response.json() == {"department": ["Use el código INEI de dos dígitos, por ejemplo 15."]}


def test_too_long_query_gives_400(client: Client, entities: dict[str, Entity]) -> None:
    response = client.get(ENTITIES, {"q": "a" * 10_000})
    assert response.status_code == 400
    assert "q" in response.json()


def test_hostile_query_text_is_just_text(client: Client, entities: dict[str, Entity]) -> None:
    response = client.get(ENTITIES, {"q": "'; DROP TABLE directory_entity; --"})
    assert _codes(response) == []
    assert Entity.objects.count() == len(entities)


# --- accounts --------------------------------------------------------------------------------


def test_account_list_has_only_verified_accounts(
    client: Client, accounts: dict[str, SocialAccount]
) -> None:
    data = client.get(ACCOUNTS).json()
    assert data["count"] == 2
    assert sorted(row["handle"] for row in data["results"]) == ["@Minsa_Peru", "@minsaperu"]
    assert {row["status"] for row in data["results"]} == {"verificada"}
    assert {row["entity"] for row in data["results"]} == {"minsa"}


def test_account_list_filters(client: Client, accounts: dict[str, SocialAccount]) -> None:
    rows = client.get(ACCOUNTS, {"platform": "x"}).json()["results"]
    assert [row["handle"] for row in rows] == ["@Minsa_Peru"]
    assert client.get(ACCOUNTS, {"entity": "sunat"}).json()["count"] == 0
    response = client.get(ACCOUNTS, {"platform": "myspace"})
    assert response.status_code == 400
    assert response.json()["platform"][0].startswith("Escoja una opción válida")


def test_account_detail_of_a_pending_account_is_404(
    client: Client, accounts: dict[str, SocialAccount]
) -> None:
    assert client.get(f"{ACCOUNTS}{accounts['x'].pk}/").status_code == 200
    assert client.get(f"{ACCOUNTS}{accounts['pending'].pk}/").status_code == 404
    assert client.get(f"{ACCOUNTS}{accounts['rejected'].pk}/").status_code == 404


# --- look-up ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "outcome", "entity"),
    [
        ("https://twitter.com/Minsa_Peru", "verificada", "minsa"),
        ("@minsaperu", "verificada", "minsa"),
        ("https://www.instagram.com/gore.arequipa/", "suspendida", "gr-04"),
        ("https://www.tiktok.com/@minsa_pendiente", "pendiente", "minsa"),
        ("https://x.com/sunat_falsa", "no_registrada", None),
        ("https://x.com/cualquiera", "no_registrada", None),
        ("https://facebook.com/watch", "invalida", None),
    ],
)
def test_lookup_outcomes(
    client: Client,
    accounts: dict[str, SocialAccount],
    query: str,
    outcome: str,
    entity: str | None,
) -> None:
    response = client.get(LOOKUP, {"q": query})
    assert response.status_code == 200
    data = response.json()
    assert data["outcome"] == outcome
    assert data["message"]
    if entity is None:
        assert data["account"] is None
        assert data["entity"] is None
    else:
        assert data["entity"]["code"] == entity
        assert data["account"]["entity"] == entity


def test_lookup_retired(client: Client, rector: User, accounts: dict[str, SocialAccount]) -> None:
    services.account_retire(actor=rector, account=accounts["facebook"], reason="Cerrada")
    data = client.get(LOOKUP, {"q": "facebook.com/minsaperu"}).json()
    assert data["outcome"] == "retirada"


def test_lookup_impostor_lists_the_official_account(
    client: Client, accounts: dict[str, SocialAccount]
) -> None:
    """The entity imitated is named, with its official accounts: the one on the same
    platform first."""
    data = client.get(LOOKUP, {"q": "https://x.com/MinsaPeru_"}).json()
    assert data["outcome"] == "no_registrada"
    assert [a["handle"] for a in data["similar"]] == ["@Minsa_Peru", "@minsaperu"]
    assert data["similar"][0]["platform"] == "x"
    assert data["impersonated"] == {"code": "minsa", "name": "Ministerio de Salud"}
    assert data["ambiguous"] is False
    assert "se parece a la cuenta oficial" in data["message"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_lookup_without_q_is_400_in_spanish(
    client: Client, db: None, params: dict[str, str]
) -> None:
    response = client.get(LOOKUP, params)
    assert response.status_code == 400
    assert response.json() == {"q": ["Indique la URL o el nombre de usuario."]}


def test_lookup_too_long_is_400_in_spanish(client: Client, db: None) -> None:
    response = client.get(LOOKUP, {"q": "a" * 10_000})
    assert response.status_code == 400
    assert response.json() == {"q": ["El texto es demasiado largo (máximo 500 caracteres)."]}


def test_api_is_read_only(client: Client, accounts: dict[str, SocialAccount]) -> None:
    assert client.post(ENTITIES, {"code": "nueva", "name": "Nueva"}).status_code in (403, 405)
    assert client.delete(f"{ENTITIES}minsa/").status_code in (403, 405)
    assert Entity.objects.filter(code="minsa").exists()


# --- schema and docs -------------------------------------------------------------------------


def test_schema_is_valid_openapi_with_the_directory_paths(client: Client, db: None) -> None:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/entities/",
        "/api/v1/entities/{code}/",
        "/api/v1/accounts/",
        "/api/v1/accounts/{id}/",
        "/api/v1/accounts/lookup/",
    ]:
        assert path in schema["paths"], path
    lookup_params = {
        p["name"]: p for p in schema["paths"]["/api/v1/accounts/lookup/"]["get"]["parameters"]
    }
    assert lookup_params["q"]["required"] is True
    entity_params = {p["name"] for p in schema["paths"]["/api/v1/entities/"]["get"]["parameters"]}
    assert {
        "q",
        "branch",
        "level",
        "entity_type",
        "department",
        "platform",
        "ordering",
    } <= entity_params


def test_docs_page(client: Client, db: None) -> None:
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
