"""Full-text search of the inbox (agora/inbox/search.py): accents and case ignored, every word
required, the last one as a prefix, scoped per role, notes and hidden messages found (and
marked), the index kept up to date by every write path, hostile input answered in Spanish,
a fixed number of queries. Runs on SQLite (FTS5) and, in .ci/run, on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import moderation, search, search_index, services
from agora.inbox.models import Conversation, Message, Status
from agora.inbox.selectors import InboxFilters
from tests.helpers import html, login
from tests.inbox.test_views import (
    HTMX,
    LIST,
    XSS,
    ingest,
    listed_ids,
    minsa_account,
    sunat_account,
    sunat_communicator,
)

__all__ = ["minsa_account", "sunat_account", "sunat_communicator"]


def found(user: User, q: str, **filters: object) -> list[int]:
    results = search.conversations_search(user=user, q=q, filters=InboxFilters(**filters))  # type: ignore[arg-type]
    return [hit.conversation.pk for hit in results.hits]


# --- matching --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accents_and_case_are_ignored_both_ways(
    communicator: User, minsa_account: SocialAccount
) -> None:
    """ "vacunacion" finds "Vacunación", and "VACUNACIÓN" finds "vacunacion"."""
    accented = ingest(minsa_account, text="¿Dónde es la campaña de Vacunación en Arequipa?")
    plain = ingest(minsa_account, text="la vacunacion de mi hijo no aparece")
    other = ingest(minsa_account, text="Horario de atención del hospital")
    assert set(found(communicator, "vacunacion")) == {accented.pk, plain.pk}
    assert set(found(communicator, "VACUNACIÓN")) == {accented.pk, plain.pk}
    assert found(communicator, "campana") == [accented.pk]  # ñ folds to n, like the index
    assert other.pk not in found(communicator, "vacunación")


@pytest.mark.django_db
def test_every_word_must_appear(communicator: User, minsa_account: SocialAccount) -> None:
    both = ingest(minsa_account, text="Quiero saber del bono familiar en Puno")
    one = ingest(minsa_account, text="Quiero saber del horario")
    assert found(communicator, "bono puno") == [both.pk]
    assert set(found(communicator, "quiero saber")) == {both.pk, one.pk}
    assert found(communicator, "bono lima") == []


@pytest.mark.django_db
def test_last_word_matches_as_a_prefix_while_typing(
    communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account, text="La vacunación contra la influenza empezó")
    assert found(communicator, "vacu") == [conv.pk]
    assert found(communicator, "influenza empe") == [conv.pk]
    # Only the last word is a prefix: the earlier ones must be whole.
    assert found(communicator, "vacu influenza") == []
    assert found(communicator, "vacunacion influ") == [conv.pk]
    # From three letters: two are matched whole (they would match much of the vocabulary).
    assert found(communicator, "influenza emp") == [conv.pk]
    assert found(communicator, "influenza em") == []


@pytest.mark.django_db
def test_internal_notes_and_answers_are_searchable_and_marked(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account, text="Consulta sobre mi cita")
    services.note_add(conversation=conv, author=communicator, body="Derivar a Zoonosis mañana")
    assert found(communicator, "zoonosis") == [conv.pk]
    login(client, communicator)
    page = html(client.get(LIST, {"q": "zoonosis"}))
    assert "Nota interna:" in page
    assert "Derivar a <mark>Zoonosis</mark> mañana" in page


@pytest.mark.django_db
def test_hidden_messages_are_found_and_marked(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    """A conversation hidden by moderation leaves the default list but a search finds it."""
    conv = ingest(minsa_account, text="Son unos ineptos los del hospital Carrión")
    message = Message.objects.get(conversation=conv)
    moderation.message_hide(actor=communicator, message=message, reason="Insulto")
    assert Conversation.objects.get(pk=conv.pk).hidden
    login(client, communicator)
    assert conv.pk not in listed_ids(client.get(LIST))
    response = client.get(LIST, {"q": "carrion"})
    assert listed_ids(response) == [conv.pk]
    assert "Oculto por moderación</span> Son unos ineptos" in html(response)


# --- the index follows every write path ------------------------------------------------------


@pytest.mark.django_db
def test_edits_replace_the_indexed_text_and_replays_change_nothing(
    communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account, thread="t1", message_id="m1", text="Pregunta por el Sisfor")
    ingest(minsa_account, thread="t1", message_id="m1", text="Pregunta por el Sisfor")  # replay
    assert found(communicator, "sisfor") == [conv.pk]
    ingest(minsa_account, thread="t1", message_id="m1", text="Pregunta por el SIS", verb="edit")
    assert found(communicator, "sisfor") == []
    assert found(communicator, "sis") == [conv.pk]
    assert Message.objects.filter(conversation=conv).count() == 1


@pytest.mark.django_db
def test_deleted_messages_leave_the_index(communicator: User, minsa_account: SocialAccount) -> None:
    conv = ingest(minsa_account, text="Un texto con la palabra ornitorrinco")
    assert found(communicator, "ornitorrinco") == [conv.pk]
    conv.delete()
    assert found(communicator, "ornitorrinco") == []


@pytest.mark.django_db
def test_messages_stored_before_the_index_are_indexed_by_its_migration(
    communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account, text="Mensaje antiguo sobre dengue")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # no index is built with foreign keys pending
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    search_index.uninstall(connection)
    search_index.install(connection)
    assert found(communicator, "dengue") == [conv.pk]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's triggers only")
def test_triggers_lost_to_a_table_rebuild_are_restored_after_migrate(
    communicator: User, minsa_account: SocialAccount
) -> None:
    """Django remakes a SQLite table to alter it, and its triggers go with it."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER inbox_message_fts_ai")
    ingest(minsa_account, text="Llegó sin índice: leptospirosis")
    assert search_index.ensure(connection) is True
    assert len(found(communicator, "leptospirosis")) == 1
    assert search_index.ensure(connection) is False
    conv = ingest(minsa_account, text="Y después con índice: leishmaniasis")
    assert found(communicator, "leishmaniasis") == [conv.pk]


# --- scoping per role ------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_is_scoped_to_the_entities_of_the_person(
    client: Client,
    communicator: User,
    sunat_communicator: User,
    rector: User,
    manager: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
) -> None:
    minsa = ingest(minsa_account, text="Consulta sobre la constancia de vacunación")
    sunat = ingest(sunat_account, text="Consulta sobre la constancia de RUC")
    assert found(communicator, "constancia") == [minsa.pk]
    assert found(manager, "constancia") == [minsa.pk]
    assert found(sunat_communicator, "vacunacion") == []
    assert found(sunat_communicator, "constancia") == [sunat.pk]
    assert set(found(rector, "constancia")) == {minsa.pk, sunat.pk}
    assert found(rector, "constancia", entity="sunat") == [sunat.pk]
    # A communicator naming another entity still sees only their own.
    assert found(communicator, "constancia", entity="sunat") == []
    login(client, sunat_communicator)
    assert listed_ids(client.get(LIST, {"q": "vacunación"})) == []


@pytest.mark.django_db
def test_a_citizen_gets_403(
    client: Client, make_user: Callable[..., User], minsa_account: SocialAccount
) -> None:
    ingest(minsa_account, text="Consulta sobre vacunación")
    citizen = make_user("ciudadana")
    with pytest.raises(PermissionDenied):
        found(citizen, "vacunacion")
    login(client, citizen)
    response = client.get(LIST, {"q": "vacunacion"})
    assert response.status_code == 403
    assert "vacunación" not in html(response).lower()
    assert client.get("/api/v1/conversations/", {"q": "vacunacion"}).status_code == 403


# --- hostile and odd input -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    [
        '"vacuna',
        "vacuna*",
        "-vacuna",
        "vacuna NEAR(influenza)",
        "(vacuna OR influenza) AND NOT",
        "vacuna:* & | !",
        "'; DROP TABLE inbox_message; --",
        "NEAR",
        "vacuna^ {x} [y] +z ~w",
    ],
)
def test_query_syntax_characters_are_plain_words(
    client: Client, communicator: User, minsa_account: SocialAccount, q: str
) -> None:
    conv = ingest(minsa_account, text="Vacuna contra la influenza; x y z w near drop table")
    login(client, communicator)
    response = client.get(LIST, {"q": q})
    assert response.status_code == 200
    page_ids = listed_ids(response)
    assert page_ids in ([], [conv.pk])
    assert client.get(LIST, {"q": q}, headers=HTMX).status_code == 200
    assert Message.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("a", "Escriba al menos 2 letras o números para buscar."),
        ("* - ( )", "Escriba al menos 2 letras o números para buscar."),
        ("x" * 201, "La búsqueda es demasiado larga: escriba como máximo 200 caracteres."),
        (
            "uno dos tres cuatro cinco seis siete ocho nueve",
            "La búsqueda tiene demasiadas palabras: use como máximo 8.",
        ),
    ],
)
def test_unsearchable_queries_get_a_spanish_message(
    client: Client, communicator: User, minsa_account: SocialAccount, q: str, message: str
) -> None:
    ingest(minsa_account)
    login(client, communicator)
    page = client.get(LIST, {"q": q})
    assert page.status_code == 400
    assert message in html(page)
    fragment = client.get(LIST, {"q": q}, headers=HTMX)
    assert fragment.status_code == 200  # htmx swaps only successful answers
    assert message in html(fragment)


@pytest.mark.django_db
def test_empty_query_is_the_plain_list(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    response = client.get(LIST, {"q": "   "})
    assert response.status_code == 200
    assert listed_ids(response) == [conv.pk]


@pytest.mark.django_db
def test_snippet_is_escaped_and_highlights_the_match(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    ingest(minsa_account, text=f"{XSS} pregunta sobre el Seguro Integral")
    login(client, communicator)
    page = html(client.get(LIST, {"q": "seguro"}))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<mark>Seguro</mark> Integral" in page


def test_highlight_cuts_long_texts_around_the_first_match() -> None:
    query = search.SearchQuery.parse("hospital")
    text = "palabra " * 40 + "el Hospital Honorio Delgado " + "relleno " * 60
    snippet = str(search.highlight(text, query))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>Hospital</mark> Honorio" in snippet
    assert len(snippet) < 260


# --- the page: filters, order, pages, queries ------------------------------------------------


@pytest.mark.django_db
def test_search_combines_with_the_list_filters_and_counts_statuses(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    open_one = ingest(minsa_account, text="reclamo por la ambulancia")
    closed = ingest(minsa_account, text="otro reclamo por la ambulancia")
    ingest(minsa_account, text="felicitaciones al personal")
    services.conversation_set_status(conversation=closed, actor=communicator, status="cerrado")
    login(client, communicator)
    response = client.get(LIST, {"q": "ambulancia"})
    assert set(listed_ids(response)) == {open_one.pk, closed.pk}
    assert re.search(r"Todas <span class=\"count\">\(2\)</span>", html(response))
    assert re.search(r"Cerrado <span class=\"count\">\(1\)</span>", html(response))
    only_closed = client.get(LIST, {"q": "ambulancia", "estado": Status.CERRADO})
    assert listed_ids(only_closed) == [closed.pk]
    mine = client.get(LIST, {"q": "ambulancia", "asignada": "yo"})
    assert listed_ids(mine) == []
    assert "Ningún mensaje contiene «ambulancia» con estos filtros." in html(mine)


@pytest.mark.django_db
def test_results_by_relevance_or_by_due_time(
    communicator: User, minsa_account: SocialAccount
) -> None:
    now = timezone.now()
    once = ingest(minsa_account, text="hablo del dengue", sent_at=now - timedelta(hours=2))
    many = ingest(
        minsa_account, text="dengue dengue: casos de dengue", sent_at=now - timedelta(hours=1)
    )
    assert found(communicator, "dengue")[0] == many.pk
    Conversation.objects.filter(pk=once.pk).update(due_at=now + timedelta(hours=1))
    Conversation.objects.filter(pk=many.pk).update(due_at=now + timedelta(hours=5))
    by_due = search.conversations_search(
        user=communicator, q="dengue", filters=InboxFilters(), order=search.ORDER_DUE
    )
    assert [hit.conversation.pk for hit in by_due.hits] == [once.pk, many.pk]


@pytest.mark.django_db
def test_search_pages_and_a_fixed_number_of_queries(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    for number in range(30):
        ingest(minsa_account, text=f"consulta número {number} sobre la tuberculosis")
    user = communicator
    with CaptureQueriesContext(connection) as queries:
        first = search.conversations_search(user=user, q="tuberculosis", filters=InboxFilters())
    assert len(queries) <= 6
    assert len(first.hits) == 25 and first.has_next
    second = search.conversations_search(
        user=user, q="tuberculosis", filters=InboxFilters(), page=2
    )
    assert len(second.hits) == 5 and not second.has_next
    assert not {h.conversation.pk for h in first.hits} & {h.conversation.pk for h in second.hits}
    login(client, communicator)
    client.get(LIST, {"q": "tuberculosis"})  # warms the session and the per-request caches
    with django_assert_max_num_queries(16):
        response = client.get(LIST, {"q": "tuberculosis", "pagina": "2"})
    assert len(listed_ids(response)) == 5
    assert "Primera página" in html(response)


@pytest.mark.django_db
def test_many_matches_are_capped_and_said(
    communicator: User, minsa_account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(4):
        ingest(minsa_account, text="malaria")
    monkeypatch.setattr(search, "MAX_MATCHES", 3)
    results = search.conversations_search(user=communicator, q="malaria", filters=InboxFilters())
    assert results.capped and len(results.hits) == 3


@pytest.mark.django_db
def test_the_search_box_keeps_the_words_and_the_filters(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    ingest(minsa_account, text="pregunta sobre el SIS")
    login(client, communicator)
    page = html(client.get(LIST, {"q": "<b>sis</b>", "por": "vence"}))
    assert 'name="q" id="id_q" value="&lt;b&gt;sis&lt;/b&gt;"' in page
    assert '<option value="vence" selected>' in page
    assert 'hx-trigger="input changed delay:400ms, search"' in page


# --- API -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_conversations_accept_q(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    entities: dict[str, Entity],
) -> None:
    wanted = ingest(minsa_account, text="Solicito información del Qali Warma")
    ingest(minsa_account, text="Otra consulta")
    login(client, communicator)
    url = "/api/v1/conversations/"
    body = client.get(url, {"q": "qali warma"}).json()
    assert [row["id"] for row in body["results"]] == [wanted.pk]
    bad = client.get(url, {"q": "*"})
    assert bad.status_code == 400
    assert "Escriba al menos 2 letras" in bad.content.decode()
