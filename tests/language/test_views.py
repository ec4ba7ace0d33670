"""Pages of the language module: the public help page (taxonomy from taxonomy.py, model
figures), watch-lists (create, edit, errors, roles), matches over time and allies, with their
authorization per role."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Message, ThreadKind
from agora.language import views, watchlists
from agora.language.models import ModelVersion, WatchList, WatchMatch
from agora.language.taxonomy import FLAG_DEFINITIONS, KIND_DEFINITIONS, Flag, Kind
from tests.helpers import html, login, make_verified_account
from tests.inbox.test_views import assert_no_inline_code

HELP = "/lenguaje/ayuda/"
LISTS = "/lenguaje/vigilancia/"
NEW = "/lenguaje/vigilancia/nueva/"
MATCHES = "/lenguaje/vigilancia/coincidencias/"
ALLIES = "/lenguaje/aliados/"


def _escaped(text: str) -> str:
    return text.replace("«", "«").replace("'", "&#x27;").replace('"', "&quot;")


# --- help ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_help_page_is_public_and_lists_the_whole_taxonomy(client: Client) -> None:
    response = client.get(HELP)
    assert response.status_code == 200
    page = html(response)
    for kind in Kind:
        assert f"<code>{kind.value}</code>" in page
        assert _escaped(KIND_DEFINITIONS[kind.value]) in page
    for flag in Flag:
        assert f"<code>{flag.value}</code>" in page
        assert _escaped(FLAG_DEFINITIONS[flag.value]) in page
    # Examples come from the labelled corpus, a few per kind and flag, personal data masked.
    examples = views._corpus_examples()
    for value in [*Kind.values, *Flag.values]:
        assert examples[value], value
        assert f'<li lang="es-PE">«{escape(examples[value][0])}»</li>' in page
    assert not any(re.search(r"\b\d{8}\b", text) for text in examples["datos_personales"])
    assert "Todavía no hay un modelo de clasificación registrado" in page
    assert_no_inline_code(page)


@pytest.mark.django_db
def test_help_page_shows_the_current_model_and_its_held_out_figures(client: Client) -> None:
    ModelVersion.objects.create(
        version="2026-05-01-abc",
        trained_at=timezone.now(),
        corpus_size=1737,
        corrections_used=12,
        is_current=True,
        metrics={
            "reservado": {
                "size": 260,
                "macro_f1": 0.8912,
                "kinds": {"consulta": {"precision": 0.9, "recall": 0.85, "f1": 0.874}},
                "flags": {"insulto": {"precision": 0.93, "recall": 0.88, "f1": 0.904}},
            }
        },
    )
    ModelVersion.objects.create(version="viejo", trained_at=timezone.now(), is_current=False)
    page = html(client.get(HELP))
    assert "2026-05-01-abc" in page and "viejo" not in page
    assert "1737" in page and "12 correcciones" in page
    assert "0,891" in page or "0.891" in page
    assert "0,904" in page or "0.904" in page


# --- watch-lists -----------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", [LISTS, NEW, MATCHES, ALLIES])
def test_staff_pages_need_sign_in(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "ingresar" in response["Location"]


def test_manager_creates_a_list_from_the_form(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    login(client, manager)
    page = html(client.get(NEW))
    assert 'value="minsa"' in page and "lista global" not in page
    response = client.post(
        NEW,
        {"owner": "minsa", "name": "Dengue", "queries": "dengue OR zancudo", "is_active": "on"},
    )
    assert response.status_code == 302
    created = WatchList.objects.get()
    assert created.entity == entities["minsa"] and created.queries == "dengue OR zancudo"


def test_malformed_query_shows_the_position_and_saves_nothing(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    login(client, manager)
    response = client.post(
        NEW, {"owner": "minsa", "name": "Mala", "queries": "dengue\nzancudo AND", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Línea 2, posición 12: falta un término después de «AND»." in html(response)
    assert not WatchList.objects.exists()


def test_manager_cannot_create_for_another_entity(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    login(client, manager)
    response = client.post(NEW, {"owner": "sunat", "name": "x", "queries": "renta"})
    assert response.status_code == 200
    assert not WatchList.objects.exists()


@pytest.fixture
def minsa_list(manager: User, entities: dict[str, Entity]) -> WatchList:
    return watchlists.watchlist_create(
        actor=manager, entity=entities["minsa"], name="Dengue", queries="dengue OR zancudo"
    )


def test_communicator_reads_lists_but_cannot_write(
    client: Client,
    communicator: User,
    minsa_list: WatchList,
    manager: User,
    entities: dict[str, Entity],
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        watchlists.watchlist_create(
            actor=manager, entity=entities["minsa"], name=f"Lista {n}", queries=f"palabra{n}"
        )
    login(client, communicator)
    with django_assert_max_num_queries(12):
        page = html(client.get(LISTS))
    assert "Dengue" in page and "dengue OR zancudo" in page
    assert f"/lenguaje/vigilancia/{minsa_list.pk}/editar/" not in page
    assert NEW not in page
    assert client.get(NEW).status_code == 403
    assert client.get(f"/lenguaje/vigilancia/{minsa_list.pk}/editar/").status_code == 403


def test_other_entity_staff_do_not_see_the_list(
    client: Client, other_manager: User, minsa_list: WatchList
) -> None:
    login(client, other_manager)
    assert "Dengue" not in html(client.get(LISTS))
    assert client.get(f"/lenguaje/vigilancia/{minsa_list.pk}/editar/").status_code == 404
    response = client.get(MATCHES, {"lista": minsa_list.pk})
    assert "Esa lista no existe o no puede verla." in html(response)


def test_manager_edits_the_list(client: Client, manager: User, minsa_list: WatchList) -> None:
    login(client, manager)
    url = f"/lenguaje/vigilancia/{minsa_list.pk}/editar/"
    assert url in html(client.get(LISTS))
    assert "dengue OR zancudo" in html(client.get(url))
    response = client.post(url, {"name": "Dengue", "queries": '"fumigación"'})
    assert response.status_code == 302
    minsa_list.refresh_from_db()
    assert minsa_list.queries == '"fumigación"' and not minsa_list.is_active
    assert minsa_list.revision == 2


# --- matches page ----------------------------------------------------------------------------


@pytest.fixture
def matched(
    rector: User, entities: dict[str, Entity], minsa_list: WatchList
) -> tuple[SocialAccount, SocialAccount]:
    minsa = make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")
    sunat = make_verified_account(rector, entities["sunat"], "facebook", "sunatperu", "2002")
    watchlists.watchlist_create(actor=rector, entity=None, name="Global", queries="paro")
    now = timezone.now()
    for n, (account, text) in enumerate(
        [
            (minsa, "Hay dengue en Piura <script>alert(1)</script>"),
            (minsa, "zancudos por todos lados"),
            (sunat, "paro de transportistas"),
        ]
    ):
        inbox.messages_ingest(
            batch=[
                inbox.IncomingMessage(
                    platform=account.platform,
                    account_id=account.pk,
                    thread_kind=ThreadKind.COMMENTS,
                    thread_id=f"t{n}",
                    message_id=f"m{n}",
                    sent_at=now - timedelta(minutes=5),
                    text=text,
                    author_id=f"ciudadano-{n}",
                )
            ],
            now=now - timedelta(days=n),
        )
    return minsa, sunat


def test_matches_page_shows_chart_table_and_latest_messages(
    client: Client, manager: User, matched: Any, django_assert_max_num_queries: Any
) -> None:
    login(client, manager)
    with django_assert_max_num_queries(20):
        response = client.get(MATCHES)
    page = html(response)
    assert response.status_code == 200
    assert '<svg viewBox="0 0 360 120"' in page and 'role="img"' in page
    assert page.count('class="chart-bar"') == 2
    assert "2 coincidencias en total" in page
    assert '<caption id="tabla-dias">' in page
    assert "zancudos por todos lados" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "paro de transportistas" not in page  # the rector's list, another entity
    assert_no_inline_code(page)


def test_rector_sees_all_matches_and_can_filter_by_list(
    client: Client, rector: User, matched: Any
) -> None:
    login(client, rector)
    page = html(client.get(MATCHES))
    assert "paro de transportistas" in page and "zancudos por todos lados" in page
    global_list = WatchList.objects.get(name="Global")
    page = html(client.get(MATCHES, {"lista": global_list.pk}))
    assert "paro de transportistas" in page and "zancudos" not in page
    assert "1 coincidencias en total" in page


def test_period_filter_validates_dates(client: Client, manager: User, matched: Any) -> None:
    login(client, manager)
    page = html(client.get(MATCHES, {"desde": "2026-05-10", "hasta": "2026-05-01"}))
    assert "La fecha «desde» es posterior a la fecha «hasta»." in page
    page = html(client.get(MATCHES, {"desde": "2020-01-01", "hasta": "2026-05-01"}))
    assert "El periodo admite hasta 366 días." in page
    today = timezone.localdate()
    page = html(client.get(MATCHES, {"desde": today.isoformat(), "hasta": today.isoformat()}))
    assert "1 coincidencias en total" in page
    assert WatchMatch.objects.count() == 3


# --- allies page -----------------------------------------------------------------------------


@pytest.fixture
def constructive(rector: User, entities: dict[str, Entity]) -> None:
    minsa = make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")
    inbox.messages_ingest(
        batch=[
            inbox.IncomingMessage(
                platform=minsa.platform,
                account_id=minsa.pk,
                thread_kind=ThreadKind.COMMENTS,
                thread_id="t-aliada",
                message_id="m-aliada",
                sent_at=datetime.now(UTC) - timedelta(hours=1),
                text="Sugiero abrir más turnos por la tarde",
                author_id="rosa.q",
                author_name="Rosa Quispe",
            )
        ],
        is_demo=True,
    )
    Message.objects.filter(platform_message_id="m-aliada").update(kind="sugerencia", flags=[])


def test_manager_sees_allies_with_demo_mark(
    client: Client, manager: User, constructive: None
) -> None:
    login(client, manager)
    page = html(client.get(ALLIES))
    assert "Rosa Quispe" in page and "rosa.q" in page and "100 %" in page
    assert 'class="tag tag-demo"' in page


@pytest.mark.parametrize("who", ["communicator", "other_manager"])
def test_allies_hidden_from_communicators_and_other_entities(
    client: Client, who: str, request: pytest.FixtureRequest, constructive: None
) -> None:
    login(client, request.getfixturevalue(who))
    response = client.get(ALLIES, {"entidad": "minsa"})
    if who == "communicator":
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert "No puede ver los aliados de esa entidad." in html(response)
    assert "Rosa Quispe" not in html(response)


def test_rector_sees_any_entity_allies(client: Client, rector: User, constructive: None) -> None:
    login(client, rector)
    assert "Rosa Quispe" in html(client.get(ALLIES, {"entidad": "minsa"}))
    assert "Rosa Quispe" not in html(client.get(ALLIES, {"entidad": "sunat"}))
