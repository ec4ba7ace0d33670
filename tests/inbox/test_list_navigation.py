"""Working through a list: the previous and next conversations follow the list's filters and
order (agora/inbox/navigation.py), "Responder y pasar a la siguiente" leads to the next one
still awaiting an answer, the list's address is kept across pages (session or a ``volver``
parameter that can only point at the inbox list of this site), and the conversation page shows
the citizen's earlier conversations with the entity."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import forms as inbox_forms
from agora.inbox import navigation, selectors, services
from agora.inbox.models import Conversation, Direction, Message, Status
from agora.inbox.views_nav import list_url_clean
from tests.helpers import html, login
from tests.inbox.test_views import HTMX, LIST, ingest, minsa_account, sunat_account

__all__ = ["minsa_account", "sunat_account"]

BASE = timezone.now().replace(microsecond=0) - timedelta(days=1)


def at(minutes: int) -> datetime:
    return BASE + timedelta(minutes=minutes)


@pytest.fixture
def four(minsa_account: SocialAccount) -> list[Conversation]:
    """Four MINSA conversations, the oldest first (the list shows them newest first)."""
    return [
        ingest(minsa_account, author_id=f"c{i}", author_name=f"Persona {i}", sent_at=at(i))
        for i in range(4)
    ]


@pytest.fixture(autouse=True)
def _newest_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """These cases are written in the newest-first order ("Más recientes"); the list's default
    is by due time, whose neighbours tests/inbox/test_triage.py checks."""
    monkeypatch.setattr(inbox_forms, "ORDER_DUE", selectors.ORDER_RECENT)


def around(user: User, conversation: Conversation, **filters: Any) -> tuple[Any, Any]:
    filters.setdefault("order", selectors.ORDER_RECENT)
    result = navigation.conversation_neighbours(
        user=user, conversation=conversation, filters=selectors.InboxFilters(**filters)
    )
    return result.previous, result.next


def detail(pk: int) -> str:
    return f"/bandeja/{pk}/"


# --- next and previous in the list's order and filters ----------------------------------------


def test_neighbours_follow_the_list_order_newest_first(
    communicator: User, four: list[Conversation]
) -> None:
    c0, c1, c2, c3 = four
    assert around(communicator, c3) == (None, c2.pk)
    assert around(communicator, c2) == (c3.pk, c1.pk)
    assert around(communicator, c0) == (c1.pk, None)


def test_a_tie_on_the_last_message_is_broken_by_id(
    communicator: User, minsa_account: SocialAccount
) -> None:
    same = [ingest(minsa_account, author_id=f"t{i}", sent_at=at(30)) for i in range(3)]
    low, middle, high = sorted(same, key=lambda c: c.pk)
    assert around(communicator, middle) == (high.pk, low.pk)


def test_neighbours_skip_what_the_filters_leave_out(
    communicator: User, manager: User, four: list[Conversation]
) -> None:
    c0, c1, c2, c3 = four
    services.conversation_set_status(conversation=c2, actor=manager, status=Status.CERRADO)
    assert around(communicator, c3, status=Status.NUEVO) == (None, c1.pk)
    assert around(communicator, c1, status=Status.NUEVO) == (c3.pk, c0.pk)
    # Without the filter the closed one is in its place again.
    assert around(communicator, c3) == (None, c2.pk)


def test_a_conversation_that_left_the_list_keeps_its_place(
    communicator: User, manager: User, four: list[Conversation]
) -> None:
    """Answered in a list of new conversations, it is no longer listed: its neighbours are
    still the ones around where it was."""
    _c0, c1, c2, c3 = four
    services.conversation_set_status(conversation=c2, actor=manager, status=Status.CERRADO)
    c2.refresh_from_db()
    assert around(communicator, c2, status=Status.NUEVO) == (c3.pk, c1.pk)


def test_neighbours_follow_whatever_order_the_list_takes(
    communicator: User, four: list[Conversation], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ordered by due time (soonest first, none last), the neighbours follow that order."""
    c0, c1, c2, c3 = four
    Conversation.objects.filter(pk=c0.pk).update(due_at=at(100))
    Conversation.objects.filter(pk=c1.pk).update(due_at=None)
    Conversation.objects.filter(pk=c2.pk).update(due_at=at(50))
    Conversation.objects.filter(pk=c3.pk).update(due_at=None)
    monkeypatch.setattr(
        selectors,
        "list_order",
        lambda filters: (F("due_at").asc(nulls_last=True), F("id").asc()),
    )
    order = [c2, c0, c1, c3]  # 50, 100, then no due time by id
    for index, conv in enumerate(order):
        conv.refresh_from_db()
        previous = order[index - 1].pk if index else None
        following = order[index + 1].pk if index + 1 < len(order) else None
        assert around(communicator, conv) == (previous, following), index


def test_another_entitys_conversation_is_never_a_neighbour(
    communicator: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
) -> None:
    first = ingest(minsa_account, author_id="a", sent_at=at(10))
    ingest(sunat_account, author_id="b", sent_at=at(11))
    last = ingest(minsa_account, author_id="c", sent_at=at(12))
    assert around(communicator, last) == (None, first.pk)
    assert around(communicator, first) == (last.pk, None)
    assert (
        navigation.conversation_next_awaiting(
            user=communicator,
            conversation=last,
            filters=selectors.InboxFilters(order=selectors.ORDER_RECENT),
        )
        == first.pk
    )


def test_next_awaiting_skips_answered_and_closed_ones(
    communicator: User, manager: User, four: list[Conversation]
) -> None:
    c0, c1, c2, c3 = four
    services.conversation_set_status(conversation=c2, actor=manager, status=Status.RESPONDIDO)
    services.conversation_set_status(conversation=c1, actor=manager, status=Status.CERRADO)

    def following(conv: Conversation) -> int | None:
        return navigation.conversation_next_awaiting(
            user=communicator,
            conversation=conv,
            filters=selectors.InboxFilters(order=selectors.ORDER_RECENT),
        )

    assert following(c3) == c0.pk
    assert following(c0) is None


@pytest.mark.parametrize("state", ["pendiente", "enviando", "verificar"])
def test_next_awaiting_skips_one_whose_answer_is_on_its_way(
    communicator: User, manager: User, four: list[Conversation], state: str
) -> None:
    """A colleague answered it a moment ago (waiting, being published, or published but to be
    checked on the platform): nobody answers it twice."""
    _c0, c1, c2, c3 = four
    services.message_answer(conversation=c2, author=manager, body="Ya le respondemos.")
    Message.objects.filter(conversation=c2, direction=Direction.SALIENTE).update(send_status=state)
    assert (
        navigation.conversation_next_awaiting(
            user=communicator,
            conversation=c3,
            filters=selectors.InboxFilters(order=selectors.ORDER_RECENT),
        )
        == c1.pk
    )


# --- the list's address ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://malo.example/bandeja/",
        "//malo.example/bandeja/",
        "/\\malo.example/bandeja/",
        "http:/bandeja/",
        "javascript:alert(1)",
        "/bandeja/5/",
        "/bandeja/exportar.csv",
        "/admin/",
        "bandeja/",
        "/bandeja/\n",
        "/bandeja/?" + "a" * 3000,
        "",
    ],
)
def test_only_the_inbox_list_of_this_site_is_a_way_back(value: str) -> None:
    assert list_url_clean(value) == ""


def test_a_list_address_keeps_its_filters_and_drops_a_fragment() -> None:
    assert list_url_clean("/bandeja/?estado=nuevo&q=vacuna#x") == "/bandeja/?estado=nuevo&q=vacuna"
    assert list_url_clean("/bandeja/") == "/bandeja/"


def test_the_conversation_page_leads_back_to_the_list_with_its_filters(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    _c0, c1, c2, c3 = four
    login(client, communicator)
    query = "/bandeja/?estado=nuevo&plataforma=facebook"
    assert client.get(query).status_code == 200
    page = html(client.get(detail(c2.pk)))
    back = "/bandeja/?estado=nuevo&amp;plataforma=facebook"
    assert f'<a href="{back}">Bandeja de mensajes</a>' in page  # the breadcrumb
    assert f'href="{back}" id="volver-lista"' in page
    carried = "?volver=%2Fbandeja%2F%3Festado%3Dnuevo%26plataforma%3Dfacebook"
    assert f'href="/bandeja/{c3.pk}/{carried}" rel="prev"' in page
    assert f'href="/bandeja/{c1.pk}/{carried}" rel="next"' in page
    # Clearing the filters on the list is remembered too.
    client.get(LIST)
    assert 'href="/bandeja/" id="volver-lista"' in html(client.get(detail(c2.pk)))


def test_a_volver_parameter_wins_over_the_session_and_a_bad_one_is_ignored(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    client.get("/bandeja/?estado=nuevo")
    page = html(client.get(detail(four[1].pk), {"volver": "/bandeja/?tipo=queja"}))
    assert 'href="/bandeja/?tipo=queja" id="volver-lista"' in page
    page = html(client.get(detail(four[1].pk), {"volver": "https://malo.example/bandeja/"}))
    assert "malo.example" not in page
    assert 'href="/bandeja/?estado=nuevo" id="volver-lista"' in page


def test_the_list_offers_a_skip_link_to_its_first_conversation(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    page = html(client.get(LIST))
    assert f'href="/bandeja/{four[3].pk}/" id="ir-primera"' in page
    assert page.index('id="ir-primera"') < page.index('class="site-header"')


def test_a_filtered_fragment_moves_the_skip_link_to_its_own_first_conversation(
    client: Client, communicator: User, manager: User, four: list[Conversation]
) -> None:
    services.conversation_set_status(conversation=four[3], actor=manager, status=Status.CERRADO)
    login(client, communicator)
    page = html(client.get(LIST, {"estado": "nuevo"}, headers=HTMX))
    assert f'href="/bandeja/{four[2].pk}/" id="ir-primera" hx-swap-oob="true"' in page
    page = html(client.get(LIST, {"estado": "en_espera"}, headers=HTMX))
    assert 'href="#resultados" id="ir-primera" hx-swap-oob="true"' in page


# --- answer and go to next ------------------------------------------------------------------


def answer(client: Client, conv: Conversation, **extra: str) -> Any:
    """Posts an answer with "Responder y pasar a la siguiente"."""
    data = {"texto": "Gracias por escribirnos.", "siguiente": "1", **extra}
    return client.post(f"/bandeja/{conv.pk}/responder/", data)


def test_answer_and_next_goes_to_the_next_awaiting_one_of_the_same_list(
    client: Client, communicator: User, manager: User, four: list[Conversation]
) -> None:
    _c0, c1, c2, c3 = four
    services.conversation_set_status(conversation=c2, actor=manager, status=Status.CERRADO)
    login(client, communicator)
    response = answer(client, c3, volver="/bandeja/?plataforma=facebook")
    assert response.status_code == 302
    assert response.url == f"/bandeja/{c1.pk}/?volver=%2Fbandeja%2F%3Fplataforma%3Dfacebook"
    assert Message.objects.filter(conversation=c3, direction=Direction.SALIENTE).count() == 1
    page = html(client.get(response.url))
    assert "Respuesta enviada. Siguiente conversación." in page
    assert 'href="/bandeja/?plataforma=facebook" id="volver-lista"' in page


def test_answer_and_next_in_a_list_of_new_ones_skips_the_one_just_answered(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    """The answered conversation is no longer new: the next one is the one after it."""
    _c0, c1, c2, _c3 = four
    login(client, communicator)
    response = answer(client, c2, volver="/bandeja/?estado=nuevo")
    assert response.url.startswith(f"/bandeja/{c1.pk}/")
    assert Conversation.objects.get(pk=c2.pk).status == Status.ABIERTO


def test_answer_and_next_with_none_left_goes_back_to_the_list(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    response = answer(client, four[0], volver="/bandeja/?tipo=&estado=nuevo")
    assert response.status_code == 302
    assert response.url == "/bandeja/?tipo=&estado=nuevo"
    page = html(client.get(response.url))
    assert "No quedan conversaciones pendientes en esta vista." in page


def test_answer_and_next_never_leads_to_another_entity_or_another_site(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
) -> None:
    mine = ingest(minsa_account, author_id="a", sent_at=at(10))
    ingest(sunat_account, author_id="b", sent_at=at(5))
    login(client, communicator)
    response = answer(client, mine, volver="https://malo.example/bandeja/")
    assert response.status_code == 302
    assert response.url == LIST


def test_answer_and_next_with_htmx_redirects_the_whole_page(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    response = client.post(
        f"/bandeja/{four[2].pk}/responder/",
        {"texto": "Gracias.", "siguiente": "1"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/bandeja/{four[1].pk}/"


def test_answer_and_next_with_an_empty_answer_stays_and_writes_nothing(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    response = client.post(f"/bandeja/{four[2].pk}/responder/", {"texto": "  ", "siguiente": "1"})
    assert response.status_code == 400
    assert "Escriba la respuesta." in html(response)
    assert not Message.objects.filter(direction=Direction.SALIENTE).exists()


def test_a_plain_answer_keeps_the_list_it_came_from(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    response = client.post(
        f"/bandeja/{four[2].pk}/responder/", {"texto": "Gracias.", "volver": "/bandeja/?tipo=queja"}
    )
    carried = "?volver=%2Fbandeja%2F%3Ftipo%3Dqueja"
    assert response["Location"] == f"/bandeja/{four[2].pk}/{carried}#hilo"


def test_the_answer_form_has_both_buttons_and_carries_the_list(
    client: Client, communicator: User, four: list[Conversation]
) -> None:
    login(client, communicator)
    page = html(client.get(detail(four[1].pk), {"volver": "/bandeja/?tipo=queja"}))
    assert 'name="volver" value="/bandeja/?tipo=queja"' in page
    assert 'name="siguiente" value="1" id="boton-responder-siguiente"' in page
    assert "Responder y pasar a la siguiente" in page
    assert 'id="atajos"' in page and "Atajos de teclado (?)" in page


# --- the citizen's earlier conversations --------------------------------------------------------


def test_the_page_lists_the_citizens_earlier_conversations_with_the_entity(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    entities: dict[str, Entity],
) -> None:
    earlier = ingest(minsa_account, author_id="vecina", text="Primera consulta", sent_at=at(1))
    Conversation.objects.filter(pk=earlier.pk).update(kind="queja", status=Status.CERRADO)
    elsewhere = ingest(sunat_account, author_id="vecina", text="Consulta a la SUNAT")
    someone_else = ingest(minsa_account, author_id="otra", text="De otra persona")
    now = ingest(minsa_account, author_id="vecina", text="Segunda consulta", sent_at=at(9))
    login(client, communicator)
    page = html(client.get(detail(now.pk)))
    history = page[page.index('id="historial"') :]
    assert f'href="/bandeja/{earlier.pk}/"' in history
    assert "Cerrado" in history and "Queja" in history
    assert earlier.last_inbound_at is not None
    local = timezone.localtime(earlier.last_inbound_at)
    assert local.strftime("%d/%m/%Y").lstrip("0") in history
    for other in (elsewhere, someone_else):
        assert f'href="/bandeja/{other.pk}/"' not in history
    assert "Consulta a la SUNAT" not in page


# --- opened from search results ----------------------------------------------------------------


def test_from_search_results_next_and_answer_and_next_follow_the_results(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    """Opened from "/bandeja/?q=…", the neighbours are the search's own results in its order
    (not the whole list's), and "answer and go to next" stays among them."""
    texts = ["La tubería del parque está rota", "Consulta", "Otra tubería rota", "Consulta"]
    c0, c1, c2, c3 = [
        ingest(minsa_account, author_id=f"b{i}", text=text, sent_at=at(i))
        for i, text in enumerate(texts)
    ]
    login(client, communicator)
    back = "/bandeja/?q=tuberia"
    page = html(client.get(detail(c2.pk), {"volver": back}))
    carried = "?volver=%2Fbandeja%2F%3Fq%3Dtuberia"
    assert f'href="/bandeja/{c0.pk}/{carried}" rel="next"' in page  # not c1: not found
    assert 'rel="prev"' not in page  # c2 is the first result (newest match)
    assert f'href="/bandeja/{c2.pk}/{carried}" rel="prev"' in html(
        client.get(detail(c0.pk), {"volver": back})
    )
    response = answer(client, c2, volver=back)
    assert response.url == f"/bandeja/{c0.pk}/{carried}"
    # The last result answered: back to the results, none left among them.
    response = answer(client, c0, volver=back)
    assert response.url == back
    assert {c1.status, c3.status} == {Status.NUEVO}
