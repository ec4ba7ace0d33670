"""Live updates (agora/inbox/live.py, agora/inbox/views_live.py): the list's change check
answers 204 until something in the person's list changes, then says how many citizen messages
arrived; the open conversation returns who else is answering and its new messages. Staff only,
scoped to the person's entities, in a few queries; presence lives in the database."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox import live, services
from agora.inbox.models import Conversation, ConversationPresence
from tests.helpers import html, login
from tests.inbox.test_views import LIST, ingest, minsa_account, sunat_account, sunat_communicator

__all__ = ["minsa_account", "sunat_account", "sunat_communicator"]

LIVE_LIST = "/bandeja/en-vivo/"


def _live(pk: int) -> str:
    return f"/bandeja/{pk}/en-vivo/"


@pytest.fixture
def colleague(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("ana-minsa", first_name="Ana", last_name="Quispe")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.COMUNICADOR)
    return user


def _fingerprint(page: str) -> str:
    match = re.search(r'<section id="resultados"[^>]*data-huella="([0-9a-f]+)"', page)
    assert match, "the results carry their fingerprint"
    return match.group(1)


def _visto(page: str) -> str:
    match = re.search(r'data-visto="(\d+)"', page)
    assert match
    return match.group(1)


# --- the list ---------------------------------------------------------------------------------


def test_list_check_is_204_until_a_new_citizen_message_arrives(
    client: Client, minsa_account: SocialAccount, communicator: User
) -> None:
    ingest(minsa_account, author_id="a")
    login(client, communicator)
    page = html(client.get(LIST, {"estado": "nuevo"}))
    query = {"estado": "nuevo", "huella": _fingerprint(page), "visto": _visto(page)}
    assert client.get(LIVE_LIST, query).status_code == 204
    ingest(minsa_account, author_id="b", sent_at=timezone.now())
    ingest(minsa_account, author_id="c", sent_at=timezone.now())
    response = client.get(LIVE_LIST, query)
    assert response.status_code == 200
    data = response.json()
    assert data["aviso"] == "2 mensajes nuevos."
    assert data["huella"] != query["huella"]
    # The rows fetched next carry the same fingerprint: the next check is quiet again.
    cache.clear()
    fresh = html(client.get(LIST, {"estado": "nuevo"}, headers={"HX-Request": "true"}))
    assert _fingerprint(fresh) == data["huella"]
    query.update(huella=data["huella"], visto=str(data["visto"]))
    assert client.get(LIVE_LIST, query).status_code == 204


def test_list_check_sees_a_colleagues_change_without_new_messages(
    client: Client, minsa_account: SocialAccount, communicator: User, colleague: User
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    page = html(client.get(LIST))
    query = {"huella": _fingerprint(page), "visto": _visto(page)}
    services.conversation_assign(conversation=conv, actor=colleague, assignee=colleague)
    response = client.get(LIVE_LIST, query)
    assert response.status_code == 200
    assert response.json()["aviso"] == "La lista de conversaciones se actualizó."


def test_list_check_ignores_other_entities(
    client: Client,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    communicator: User,
) -> None:
    ingest(minsa_account)
    login(client, communicator)
    page = html(client.get(LIST))
    query = {"huella": _fingerprint(page), "visto": _visto(page)}
    ingest(sunat_account, sent_at=timezone.now())
    assert client.get(LIVE_LIST, query).status_code == 204


def test_list_check_runs_a_few_queries(
    client: Client,
    minsa_account: SocialAccount,
    communicator: User,
    manager: User,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(30):
        conv = ingest(minsa_account, author_id=f"c{i}")
        services.conversation_set_labels(conversation=conv, actor=manager, names=[f"t{i % 3}"])
    login(client, communicator)
    page = html(client.get(LIST))
    query = {"huella": _fingerprint(page), "visto": _visto(page)}
    # Worst case, nothing cached: session, person, second factor, entities, filter choices
    # (2), counts, the page's ids, rows and labels; one more to count the new messages.
    cache.clear()
    with django_assert_max_num_queries(10):
        assert client.get(LIVE_LIST, query).status_code == 204
    ingest(minsa_account, sent_at=timezone.now())
    cache.clear()
    with django_assert_max_num_queries(11):
        assert client.get(LIVE_LIST, query).status_code == 200


def test_list_check_refuses_citizens_and_bad_filters(
    client: Client, minsa_account: SocialAccount, make_user: Callable[..., User], communicator: User
) -> None:
    assert client.get(LIVE_LIST).status_code == 302
    login(client, make_user("ciudadana"))
    assert client.get(LIVE_LIST).status_code == 403
    login(client, communicator)
    response = client.get(LIVE_LIST, {"estado": "inventado"})
    assert response.status_code == 400
    assert "no son válidos" in response.json()["error"]


# --- the open conversation --------------------------------------------------------------------


def _ping(client: Client, pk: int, huella: str = "", typing: bool = False) -> Any:
    return client.post(_live(pk), {"huella": huella, "escribiendo": "1" if typing else "0"})


def test_typing_shows_to_the_other_person_and_clears_when_it_stops(
    minsa_account: SocialAccount, communicator: User, colleague: User
) -> None:
    conv = ingest(minsa_account)
    ana, me = login(Client(), colleague), login(Client(), communicator)
    assert _ping(me, conv.pk).json()["presencia"] == ""
    assert _ping(ana, conv.pk, typing=True).json()["presencia"] == ""  # never oneself
    cache.clear()  # another process: presence is in the database, not in its cache
    assert _ping(me, conv.pk).json()["presencia"] == "Ana Quispe está respondiendo…"
    _ping(ana, conv.pk, typing=False)
    assert _ping(me, conv.pk).json()["presencia"] == ""


def test_someone_elses_answer_shows_as_answered_a_moment_ago(
    minsa_account: SocialAccount, communicator: User, colleague: User
) -> None:
    conv = ingest(minsa_account)
    services.message_answer(conversation=conv, author=colleague, body="Le respondemos.")
    me = login(Client(), communicator)
    assert _ping(me, conv.pk).json()["presencia"] == "Ana Quispe respondió hace un momento."
    ana = login(Client(), colleague)
    assert _ping(ana, conv.pk).json()["presencia"] == ""


def test_new_message_returns_the_fragment_only_when_the_conversation_changed(
    minsa_account: SocialAccount, communicator: User
) -> None:
    conv = ingest(minsa_account, thread="hilo-vivo")
    me = login(Client(), communicator)
    page = html(me.get(f"/bandeja/{conv.pk}/"))
    huella = re.search(r'data-live-conversation[^>]*data-huella="([0-9a-f]+)"', page)
    assert huella
    data = _ping(me, conv.pk, huella.group(1)).json()
    assert "html" not in data and data["huella"] == huella.group(1)
    ingest(minsa_account, thread="hilo-vivo", text="Sigo esperando la respuesta")
    data = _ping(me, conv.pk, huella.group(1)).json()
    assert data["huella"] != huella.group(1)
    assert "Sigo esperando la respuesta" in data["html"]
    assert 'id="conversacion"' in data["html"]


def test_conversation_ping_is_scoped_staff_only_and_cheap(
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    communicator: User,
    make_user: Callable[..., User],
    django_assert_max_num_queries: Any,
) -> None:
    conv = ingest(minsa_account)
    other = ingest(sunat_account)
    me = login(Client(), communicator)
    assert _ping(me, other.pk).status_code == 404
    assert me.get(_live(conv.pk)).status_code == 405
    huella = _ping(me, conv.pk).json()["huella"]
    # Session, person, the second-factor rule, staff, the conversation and its messages,
    # presence, who answered; the first typing ping writes the row and clears stale ones.
    with django_assert_max_num_queries(10):
        assert _ping(me, conv.pk, huella, typing=True).status_code == 200
    with django_assert_max_num_queries(8):
        assert _ping(me, conv.pk, huella, typing=True).status_code == 200
    citizen = login(Client(), make_user("ciudadana"))
    assert _ping(citizen, conv.pk).status_code == 403
    assert Client().post(_live(conv.pk)).status_code == 302


def test_presence_writes_at_most_every_few_seconds_and_old_rows_go(
    minsa_account: SocialAccount, communicator: User, colleague: User
) -> None:
    conv = ingest(minsa_account)
    now = timezone.now()

    def touch(user: User, pk: int, moment: Any) -> Any:
        live.presence_update(user=user, conversation_id=pk, typing=True, now=moment)
        return ConversationPresence.objects.get(user=user, conversation_id=pk).updated_at

    assert touch(colleague, conv.pk, now) == now
    assert touch(colleague, conv.pk, now + timedelta(seconds=1)) == now  # not written again
    later = now + timedelta(seconds=live.WRITE_EVERY + 1)
    assert touch(colleague, conv.pk, later) == later
    assert ConversationPresence.objects.count() == 1
    # An hour and more later, a new row clears out the stale one.
    other = ingest(minsa_account)
    touch(communicator, other.pk, now + live.STALE + timedelta(minutes=5))
    assert list(ConversationPresence.objects.values_list("conversation_id", flat=True)) == [
        other.pk
    ]
    assert Conversation.objects.count() == 2


def test_detail_page_has_the_presence_region_and_the_live_script(
    client: Client, minsa_account: SocialAccount, communicator: User
) -> None:
    conv = ingest(minsa_account)
    page = html(login(client, communicator).get(f"/bandeja/{conv.pk}/"))
    assert re.search(r'<p id="presencia"[^>]*role="status"[^>]*aria-live="polite"', page)
    assert "agora/inbox-live" in page
    assert json.dumps(_live(conv.pk))[1:-1] in page


def test_the_open_conversation_changes_when_a_message_is_edited_deleted_or_reclassified(
    communicator: User, minsa_account: SocialAccount
) -> None:
    """A citizen's edit or deletion and a classification change redraw the open conversation."""
    from agora.inbox.models import Message

    conversation = ingest(minsa_account, message_id="vivo-1", thread="hilo-vivo")
    seen = live.conversation_fingerprint(user=communicator, pk=conversation.pk)
    ingest(minsa_account, message_id="vivo-1", thread="hilo-vivo", text="Corregido", verb="edit")
    edited = live.conversation_fingerprint(user=communicator, pk=conversation.pk)
    assert edited != seen
    Message.objects.filter(conversation=conversation).update(kind="queja")
    classified = live.conversation_fingerprint(user=communicator, pk=conversation.pk)
    assert classified != edited
    Message.objects.filter(conversation=conversation).update(model_version="manual")
    corrected = live.conversation_fingerprint(user=communicator, pk=conversation.pk)
    assert corrected != classified
    ingest(minsa_account, message_id="vivo-1", thread="hilo-vivo", verb="remove")
    assert live.conversation_fingerprint(user=communicator, pk=conversation.pk) != corrected
