"""Directory pages: public search and entity pages, the look-up, visit counters, open data,
and the staff pages behind sign-in and the second factor."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django_otp.plugins.otp_totp.models import TOTPDevice

from agora.core.models import User
from agora.directory import services
from agora.directory.models import (
    AccountStatus,
    Branch,
    Entity,
    EntityType,
    Level,
    Platform,
    SocialAccount,
    VisitCount,
)
from agora.directory.views import CSV_COLUMNS
from tests.helpers import html as _html
from tests.helpers import login

SETUP_2FA = "/cuenta/doble-factor/configurar/"
QUEUE = "/equipo/cuentas/verificacion/"
IMPORT = "/equipo/cuentas/importar/"
PROPOSE = "/equipo/cuentas/nueva/"


def _listed(response: Any) -> list[str]:
    """Codes of the entities linked from the results, in page order."""
    return re.findall(r'<h2 class="result-title"><a href="/directorio/([\w-]+)/">', _html(response))


def _propose(actor: User, entity: Entity, platform: str, handle: str) -> SocialAccount:
    return services.account_propose(
        actor=actor, entity=entity, platform=platform, handle=handle, evidence="Oficio 1-2024"
    )


def _many_entities(count: int) -> None:
    services.entities_load(
        rows=[
            {
                "code": f"prueba-{n:03d}",
                "name": f"Programa de Prueba {n:03d}",
                "acronym": f"PP{n:03d}",
                "branch": Branch.EJECUTIVO,
                "level": Level.NACIONAL,
                "entity_type": EntityType.PROGRAMA,
            }
            for n in range(count)
        ]
    )


def _visits(key: str) -> int:
    return sum(VisitCount.objects.filter(key=key).values_list("count", flat=True))


# --- search page -----------------------------------------------------------------------------


def test_directory_lists_every_entity_with_a_count(
    client: Client, entities: dict[str, Entity]
) -> None:
    response = client.get("/directorio/")
    assert response.status_code == 200
    assert f"{len(entities)} entidades encontradas." in _html(response)
    assert sorted(_listed(response)) == sorted(entities)


def test_directory_search_and_filters(client: Client, entities: dict[str, Entity]) -> None:
    response = client.get("/directorio/", {"q": "salud"})
    assert "1 entidad encontrada." in _html(response)
    assert _listed(response) == ["minsa"]

    response = client.get("/directorio/", {"nivel": "regional"})
    assert "2 entidades encontradas." in _html(response)
    assert _listed(response) == ["gr-04", "gr-15"]

    response = client.get("/directorio/", {"departamento": "04", "tipo": "municipalidad_distrital"})
    assert sorted(_listed(response)) == ["md-040102", "md-040103"]


def test_directory_platform_filter(
    client: Client, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    response = client.get("/directorio/", {"plataforma": "x"})
    assert _listed(response) == ["minsa"]
    assert "1 cuenta verificada" in _html(response)


def test_directory_sort_by_name_descending(client: Client, entities: dict[str, Entity]) -> None:
    response = client.get("/directorio/", {"orden": "-nombre"})
    by_name = sorted(entities.values(), key=lambda e: e.name, reverse=True)
    assert _listed(response) == [e.code for e in by_name]


def test_directory_pagination(client: Client, entities: dict[str, Entity]) -> None:
    _many_entities(30)
    first = client.get("/directorio/", {"q": "programa de prueba"})
    assert "30 entidades encontradas." in _html(first)
    assert "Página 1 de 2" in _html(first)
    assert _listed(first) == [f"prueba-{n:03d}" for n in range(25)]
    assert "q=programa+de+prueba&amp;pagina=2" in _html(first)
    second = client.get("/directorio/", {"q": "programa de prueba", "pagina": "2"})
    assert "Página 2 de 2" in _html(second)
    assert _listed(second) == [f"prueba-{n:03d}" for n in range(25, 30)]
    # Out-of-range or junk page numbers do not fail.
    assert client.get("/directorio/", {"q": "programa", "pagina": "999"}).status_code == 200
    assert client.get("/directorio/", {"q": "programa", "pagina": "abc"}).status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"nivel": "zzz"}, "Nivel de gobierno"),
        ({"poder": "<b>x</b>"}, "Poder u organismo"),
        ({"tipo": "zzz"}, "Tipo de entidad"),
        ({"departamento": "99"}, "Departamento"),
        ({"plataforma": "myspace"}, "Con cuenta verificada en"),
        ({"orden": "id; DROP TABLE x"}, "Ordenar por"),
    ],
)
def test_unknown_filter_value_shows_a_spanish_message_not_an_error(
    client: Client, entities: dict[str, Entity], params: dict[str, str], field: str
) -> None:
    response = client.get("/directorio/", params)
    assert response.status_code == 200
    html = _html(response)
    assert "Revise la búsqueda:" in html
    assert f"{field}: Escoja una opción válida." in html
    assert "Se muestran los resultados sin los criterios no válidos." in html
    assert f"{len(entities)} entidades encontradas." in html
    assert "<b>x</b>" not in html


def test_huge_query_is_answered_and_escaped(client: Client, entities: dict[str, Entity]) -> None:
    query = "<script>alert('x')</script>" + "a" * 10_000
    client.raise_request_exception = False
    response = client.get("/directorio/", {"q": query})
    assert response.status_code == 200
    html = _html(response)
    assert "<script>alert(" not in html
    assert "La búsqueda es demasiado larga (máximo 200 caracteres)." in html
    assert "a" * 1000 not in html


def test_null_character_in_the_query_is_refused_politely(
    client: Client, entities: dict[str, Entity]
) -> None:
    response = client.get("/directorio/", {"q": "salud\x00"})
    assert response.status_code == 200
    assert "Revise la búsqueda:" in _html(response)


def test_html_and_sql_in_the_query_are_escaped(client: Client, entities: dict[str, Entity]) -> None:
    response = client.get("/directorio/", {"q": "<script>alert(1)</script>' OR 1=1 --"})
    assert response.status_code == 200
    html = _html(response)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert _listed(response) == []
    assert Entity.objects.count() == len(entities)


def test_directory_query_count_does_not_grow_with_results(
    client: Client,
    rector: User,
    entities: dict[str, Entity],
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    """A full page of entities with verified accounts costs as many queries as one result."""
    _many_entities(30)
    for n in range(0, 30, 3):
        account = _propose(rector, Entity.objects.get(code=f"prueba-{n:03d}"), "x", f"@pp{n}")
        services.account_verify(actor=rector, account=account)
    client.get("/directorio/")  # the day's visit row exists from now on
    cache.clear()
    with CaptureQueriesContext(connection) as one:
        response = client.get("/directorio/", {"q": "prueba 000"})
    assert _listed(response) == ["prueba-000"]
    cache.clear()
    with django_assert_max_num_queries(15) as full:
        response = client.get("/directorio/", {"q": "programa de prueba", "orden": "cuentas"})
    assert len(_listed(response)) == 25
    assert "1 cuenta verificada" in _html(response)
    assert len(full.captured_queries) == len(one.captured_queries)


def test_search_page_reflects_a_write_made_after_it_was_cached(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    """The cached results are keyed on the directory revision: a new verified account
    shows at once."""
    assert _listed(client.get("/directorio/", {"plataforma": "x"})) == []
    account = _propose(rector, entities["minsa"], Platform.X, "@Minsa_Peru")
    services.account_verify(actor=rector, account=account)
    assert _listed(client.get("/directorio/", {"plataforma": "x"})) == ["minsa"]


# --- entity page -------------------------------------------------------------------------------


def test_entity_page_shows_verified_accounts_with_date_and_hides_the_rest(
    client: Client, rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    _propose(rector, entities["minsa"], Platform.FACEBOOK, "minsa_pendiente")
    rejected = _propose(rector, entities["minsa"], Platform.TIKTOK, "@minsa_rechazada")
    services.account_reject(actor=rector, account=rejected, reason="Falsa")
    response = client.get("/directorio/minsa/")
    assert response.status_code == 200
    html = _html(response)
    assert "@Minsa_Peru" in html
    assert 'href="https://x.com/Minsa_Peru"' in html
    assert verified_account.verified_at is not None
    day = date_format(localtime(verified_account.verified_at), "j \\d\\e F \\d\\e Y")
    assert f"verificada el {day}" in html
    assert "minsa_pendiente" not in html
    assert "minsa_rechazada" not in html


def test_entity_without_verified_accounts_warns_citizens(
    client: Client, entities: dict[str, Entity]
) -> None:
    html = _html(client.get("/directorio/sunat/"))
    assert "Esta entidad aún no tiene cuentas verificadas" in html
    assert 'href="/directorio/mef/"' in html  # its sector


def test_unknown_entity_is_404(client: Client, entities: dict[str, Entity]) -> None:
    assert client.get("/directorio/no-existe/").status_code == 404


# --- visit counters ----------------------------------------------------------------------------


def test_visits_are_counted_on_the_directory_and_entity_pages(
    client: Client, entities: dict[str, Entity]
) -> None:
    client.get("/directorio/")
    client.get("/directorio/", {"q": "salud"})
    client.get("/directorio/minsa/")
    assert _visits("directorio") == 2
    assert _visits("entidad:minsa") == 1
    assert "Visitas al directorio: 3" in _html(client.get("/directorio/"))
    assert "Visitas a esta página: 2" in _html(client.get("/directorio/minsa/"))


def test_visit_counter_stores_only_key_day_and_count(
    client: Client, entities: dict[str, Entity]
) -> None:
    client.get("/directorio/minsa/", HTTP_USER_AGENT="Mozilla/5.0", REMOTE_ADDR="203.0.113.9")
    fields = {f.name for f in VisitCount._meta.get_fields()}
    assert fields == {"id", "key", "day", "count"}
    row = VisitCount.objects.values("key", "count").get()
    assert row == {"key": "entidad:minsa", "count": 1}


@pytest.mark.parametrize(
    "agent",
    ["Googlebot/2.1 (+http://www.google.com/bot.html)", "Mozilla/5.0 (compatible; bingbot/2.0)"],
)
def test_robots_are_not_counted(client: Client, entities: dict[str, Entity], agent: str) -> None:
    assert client.get("/directorio/", HTTP_USER_AGENT=agent).status_code == 200
    assert client.get("/directorio/minsa/", HTTP_USER_AGENT=agent).status_code == 200
    assert not VisitCount.objects.exists()


# --- "¿Es oficial esta cuenta?" ----------------------------------------------------------------


def test_lookup_page_without_a_query_shows_the_form(client: Client, db: None) -> None:
    response = client.get("/directorio/verificar/")
    assert response.status_code == 200
    assert "¿Es oficial esta cuenta?" in _html(response)


def test_lookup_page_verified(client: Client, verified_account: SocialAccount) -> None:
    html = _html(client.get("/directorio/verificar/", {"q": "https://twitter.com/minsa_peru"}))
    assert "Cuenta oficial verificada" in html
    assert "es una cuenta oficial verificada de Ministerio de Salud" in html


def test_lookup_page_impostor(client: Client, verified_account: SocialAccount) -> None:
    """A look-alike names the entity it imitates and its real account, and offers to report."""
    html = _html(client.get("/directorio/verificar/", {"q": "@MinsaPeru_"}))
    assert "No registrada como oficial: podría ser una suplantación" in html
    assert "Parece imitar a:" in html
    assert "Ministerio de Salud" in html
    assert "podría ser una suplantación" in html
    assert "Reportar cuenta falsa" in html
    assert 'href="https://x.com/Minsa_Peru"' in html


def test_lookup_page_pending_and_suspended(
    client: Client, rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    _propose(rector, entities["sunat"], Platform.X, "@sunat_nueva")
    assert "Pendiente de verificación" in _html(
        client.get("/directorio/verificar/", {"q": "@sunat_nueva"})
    )
    services.account_suspend(actor=rector, account=verified_account, reason="Hackeada")
    assert "Verificación suspendida" in _html(
        client.get("/directorio/verificar/", {"q": "@Minsa_Peru"})
    )


def test_lookup_page_invalid_inputs(client: Client, db: None) -> None:
    html = _html(client.get("/directorio/verificar/", {"q": ""}))
    assert "Pegue la dirección o el nombre de usuario que desea comprobar." in html
    html = _html(client.get("/directorio/verificar/", {"q": "https://facebook.com/watch"}))
    assert "No se reconoce la cuenta" in html
    response = client.get("/directorio/verificar/", {"q": "<script>x</script>" * 1000})
    assert response.status_code == 200
    html = _html(response)
    assert "El texto es demasiado largo (máximo 500 caracteres)." in html
    assert "<script>x</script>" not in html


# --- open data ---------------------------------------------------------------------------------


@pytest.fixture
def mixed_accounts(
    rector: User, verified_account: SocialAccount, entities: dict[str, Entity]
) -> SocialAccount:
    """minsa has one verified, one pending and one rejected account."""
    _propose(rector, entities["minsa"], Platform.FACEBOOK, "minsa_pendiente")
    rejected = _propose(rector, entities["minsa"], Platform.TIKTOK, "@minsa_rechazada")
    services.account_reject(actor=rector, account=rejected, reason="Falsa")
    return verified_account


def test_open_data_csv_has_the_header_and_only_verified_accounts(
    client: Client, mixed_accounts: SocialAccount
) -> None:
    response = client.get("/datos/directorio.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == 2
    record = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert record["entity_code"] == "minsa"
    assert record["platform"] == "x"
    assert record["handle"] == "@Minsa_Peru"
    assert record["url"] == "https://x.com/Minsa_Peru"
    assert record["verified_at"]
    assert "pendiente" not in body and "rechazada" not in body


def test_open_data_json(client: Client, mixed_accounts: SocialAccount) -> None:
    data = client.get("/datos/directorio.json").json()
    assert data["count"] == len(data["entities"]) == Entity.objects.count()
    minsa = next(e for e in data["entities"] if e["code"] == "minsa")
    assert [a["handle"] for a in minsa["accounts"]] == ["@Minsa_Peru"]
    assert minsa["accounts"][0]["verified_at"]
    sunat = next(e for e in data["entities"] if e["code"] == "sunat")
    assert sunat["parent"] == "mef"
    assert sunat["accounts"] == []


def test_open_data_popolo(client: Client, mixed_accounts: SocialAccount) -> None:
    data = client.get("/datos/directorio-popolo.json").json()
    orgs = {org["id"]: org for org in data["organizations"]}
    minsa = orgs["minsa"]
    assert minsa["name"] == "Ministerio de Salud"
    assert minsa["other_names"] == [{"name": "MINSA", "note": "siglas"}]
    assert [c["value"] for c in minsa["contact_details"]] == ["https://x.com/Minsa_Peru"]
    assert minsa["contact_details"][0]["type"] == "x"
    assert {"url": "https://x.com/Minsa_Peru", "note": "x"} in minsa["links"]
    assert {"url": "https://www.gob.pe/minsa", "note": "sitio web"} in minsa["links"]
    assert orgs["sunat"]["parent_id"] == "mef"
    assert {"scheme": "ubigeo-inei", "identifier": "040103"} in orgs["md-040103"]["identifiers"]


def test_open_data_catalog_distributions_resolve(
    client: Client, mixed_accounts: SocialAccount
) -> None:
    catalog = client.get("/datos/data.json").json()
    assert catalog["@type"] == "dcat:Catalog"
    (dataset,) = catalog["dataset"]
    assert dataset["accessLevel"] == "public"
    assert dataset["license"].startswith("https://creativecommons.org/")
    distributions = dataset["distribution"]
    assert {d["mediaType"] for d in distributions} == {"text/csv", "application/json"}
    assert len(distributions) == 3
    for distribution in distributions:
        url = urlsplit(distribution["downloadURL"])
        assert url.scheme in {"http", "https"} and url.netloc == "testserver"
        resolve(url.path)
        response = client.get(url.path)
        assert response.status_code == 200, url.path
        assert response["Content-Type"].split(";")[0] == distribution["mediaType"]


def test_open_data_page(client: Client, db: None) -> None:
    html = _html(client.get("/datos/"))
    assert 'href="/datos/directorio.csv"' in html
    assert 'href="/datos/data.json"' in html


# --- staff pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/equipo/", PROPOSE, QUEUE, IMPORT])
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, db: None, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/ingresar/?next=")


@pytest.mark.parametrize("who", ["manager", "rector"])
@pytest.mark.parametrize("path", ["/equipo/", PROPOSE, QUEUE, IMPORT])
def test_managers_and_rector_without_second_factor_are_sent_to_set_it_up(
    client: Client, request: pytest.FixtureRequest, who: str, path: str
) -> None:
    user = request.getfixturevalue(who)
    TOTPDevice.objects.filter(user=user).delete()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == SETUP_2FA


@pytest.mark.parametrize("who", ["manager", "rector"])
def test_managers_and_rector_with_a_device_but_no_code_are_sent_to_sign_in_again(
    client: Client, request: pytest.FixtureRequest, who: str
) -> None:
    """A session opened without the code of an existing device is closed; the sign-in that
    asks for the code follows, and then the page."""
    client.force_login(request.getfixturevalue(who))
    response = client.get("/equipo/")
    assert response.status_code == 302
    assert response["Location"].startswith("/cuenta/ingresar/?next=")
    assert "_auth_user_id" not in client.session


def test_second_factor_setup_page_is_reachable_without_a_second_factor(
    client: Client, manager: User
) -> None:
    TOTPDevice.objects.filter(user=manager).delete()
    client.force_login(manager)
    assert client.get(SETUP_2FA).status_code == 200


def test_communicator_reaches_the_staff_page_without_second_factor(
    client: Client, communicator: User
) -> None:
    client.force_login(communicator)
    response = client.get("/equipo/")
    assert response.status_code == 200
    html = _html(response)
    assert "Ministerio de Salud" in html
    assert "Superintendencia Nacional de Aduanas" not in html


@pytest.mark.parametrize("path", [QUEUE, IMPORT, PROPOSE])
def test_communicator_cannot_reach_rector_or_manager_pages(
    client: Client, communicator: User, path: str
) -> None:
    client.force_login(communicator)
    assert client.get(path).status_code == 403


def test_verified_manager_reaches_staff_page_but_not_the_queue(
    client: Client, manager: User
) -> None:
    login(client, manager)
    assert client.get("/equipo/").status_code == 200
    assert client.get(QUEUE).status_code == 403


def test_verified_manager_proposes_an_account_for_own_entity(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    login(client, manager)
    response = client.post(
        PROPOSE,
        {
            "entity": "minsa",
            "platform": "instagram",
            "url": "https://www.instagram.com/minsaperu/",
            "evidence": "Enlace desde gob.pe",
        },
    )
    assert response.status_code == 302
    account = SocialAccount.objects.get()
    assert (account.entity.code, account.status) == ("minsa", AccountStatus.PENDIENTE)
    # Another entity is not among the choices.
    response = client.post(PROPOSE, {"entity": "sunat", "platform": "x", "handle": "@sunat2"})
    assert response.status_code == 200
    assert "Escoja una opción válida" in _html(response)
    assert SocialAccount.objects.count() == 1


def test_rector_queue_lists_pending_accounts(
    client: Client, rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    _propose(manager, entities["minsa"], Platform.X, "@minsa_nueva")
    login(client, rector)
    response = client.get(QUEUE)
    assert response.status_code == 200
    html = _html(response)
    assert "@minsa_nueva" in html
    assert "gestor-minsa" in html


def test_rector_verifies_from_the_queue(
    client: Client, rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    account = _propose(manager, entities["minsa"], Platform.X, "@minsa_nueva")
    login(client, rector)
    response = client.post(
        QUEUE, {"account": account.pk, "decision": "verificar", "reason": "Oficio 5"}, follow=True
    )
    assert response.status_code == 200
    assert "Decisión registrada para X (antes Twitter) @minsa_nueva." in _html(response)
    account.refresh_from_db()
    assert account.status == AccountStatus.VERIFICADA
    assert account.verified_by == rector
    assert account.evidence == "Oficio 5"


def test_rector_rejects_from_the_queue_and_a_missing_reason_is_reported(
    client: Client, rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    account = _propose(manager, entities["minsa"], Platform.X, "@minsa_nueva")
    login(client, rector)
    response = client.post(
        QUEUE, {"account": account.pk, "decision": "rechazar", "reason": ""}, follow=True
    )
    assert "Indique el motivo." in _html(response)
    account.refresh_from_db()
    assert account.status == AccountStatus.PENDIENTE
    client.post(QUEUE, {"account": account.pk, "decision": "rechazar", "reason": "Falsa"})
    account.refresh_from_db()
    assert account.status == AccountStatus.RECHAZADA
    assert account.status_reason == "Falsa"


def test_queue_post_for_an_unknown_account_is_404(client: Client, rector: User) -> None:
    login(client, rector)
    response = client.post(QUEUE, {"account": 999999, "decision": "verificar", "reason": "x"})
    assert response.status_code == 404


def test_queue_post_with_a_non_numeric_account_is_a_client_error(
    client: Client, rector: User
) -> None:
    """A tampered form field is the client's mistake (400 or 404), never a server error."""
    login(client, rector)
    client.raise_request_exception = False
    response = client.post(QUEUE, {"account": "abc", "decision": "verificar", "reason": "x"})
    assert response.status_code in (400, 404)


def test_import_page_dry_run_then_import(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    data = b"entity_code,platform,handle,url,platform_id,status\nminsa,x,@Minsa_Peru,,,verificada\n"
    login(client, rector)
    assert client.get(IMPORT).status_code == 200
    response = client.post(IMPORT, {"file": SimpleUploadedFile("cuentas.csv", data)})
    html = _html(response)
    assert "Revisión correcta (no se escribió nada)" in html
    assert "1 nuevas, 0 actualizadas, 0 sin cambios." in html
    assert not SocialAccount.objects.exists()
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("cuentas.csv", data), "confirm": "on"}
    )
    html = _html(response)
    assert "Importación realizada" in html
    account = SocialAccount.objects.get()
    assert account.status == AccountStatus.VERIFICADA
    assert account.evidence == "Importación de cuentas.csv, línea 2"


def test_import_page_lists_bad_lines(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    data = (
        b"entity_code,platform,handle,url,platform_id,status\n"
        b"zzz,x,@a1,,,pendiente\n"
        b"minsa,x,@a2,,,<b>mal</b>\n"
    )
    login(client, rector)
    response = client.post(
        IMPORT, {"file": SimpleUploadedFile("cuentas.csv", data), "confirm": "on"}
    )
    html = _html(response)
    assert "El archivo tiene errores: no se importó nada" in html
    assert "<td>2</td><td>entity_code</td>" in html
    assert "<td>3</td><td>status</td>" in html
    assert "<b>mal</b>" not in html
    assert not SocialAccount.objects.exists()


def test_import_page_non_utf8_file_shows_a_spanish_error(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    data = "entity_code,platform,handle,url,platform_id,status\nminsa,x,@Cañete,,,\n"
    login(client, rector)
    response = client.post(
        IMPORT,
        {"file": SimpleUploadedFile("cuentas.csv", data.encode("latin-1")), "confirm": "on"},
    )
    assert response.status_code == 200
    assert "El archivo no está codificado en UTF-8." in _html(response)
    assert not SocialAccount.objects.exists()


def test_json_body_is_valid_for_every_open_data_file(
    client: Client, mixed_accounts: SocialAccount
) -> None:
    for path in ["/datos/directorio.json", "/datos/directorio-popolo.json", "/datos/data.json"]:
        response = client.get(path)
        assert response["Content-Type"].startswith("application/json")
        json.loads(response.content)
