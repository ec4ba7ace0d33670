"""Inbox API (/api/v1/conversations/): read-only, staff only, scoped like the pages; messages
of a conversation with their history; citizen text returned as data, never as markup."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import include, path
from rest_framework.routers import SimpleRouter

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.api import ConversationViewSet
from agora.inbox.models import Conversation
from tests.helpers import login
from tests.inbox.test_views import XSS, ingest, minsa_account, sunat_account

__all__ = ["minsa_account", "sunat_account"]

# Mounted here as in agora/api/urls.py (see the router line in the inbox report).
_router = SimpleRouter()
_router.register("conversations", ConversationViewSet, basename="conversation")
urlpatterns = [
    path("api/v1/", include(_router.urls)),
    path("", include("agora.urls")),
]
pytestmark = pytest.mark.urls("tests.inbox.test_api")

CONVERSATIONS = "/api/v1/conversations/"


def test_list_is_paginated_newest_first_with_the_inbox_fields(
    client: Client, communicator: User, manager: User, minsa_account: SocialAccount
) -> None:
    first = ingest(minsa_account, text=XSS)
    second = ingest(minsa_account)
    services.conversation_set_labels(conversation=first, actor=manager, names=["vacunas"])
    services.conversation_assign(conversation=first, actor=manager, assignee=communicator)
    login(client, communicator)
    response = client.get(CONVERSATIONS)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    rows = body["results"]
    assert [r["id"] for r in rows] == [second.pk, first.pk]
    row = rows[1]
    assert row["entity"] == "minsa"
    assert row["subject"] == XSS  # JSON carries the text as data
    assert row["labels"] == ["vacunas"]
    assert row["assignee"] == "comunicadora-minsa"
    assert row["status"] == "abierto"
    assert response["Content-Type"] == "application/json"


def test_the_list_masks_personal_data_in_subjects_and_the_messages_keep_the_text(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    text = "Mi DNI es 45678912 y mi correo ana.perez@example.com, nadie me atiende"
    conversation = ingest(minsa_account, text=text)
    login(client, communicator)
    subject = client.get(CONVERSATIONS).json()["results"][0]["subject"]
    assert "45678912" not in subject
    assert "ana.perez@example.com" not in subject
    assert "nadie me atiende" in subject
    messages = client.get(f"{CONVERSATIONS}{conversation.pk}/messages/").json()
    assert text in str(messages)


def test_filters_and_bad_filter_values(
    client: Client, rector: User, minsa_account: SocialAccount, sunat_account: SocialAccount
) -> None:
    minsa = ingest(minsa_account)
    sunat = ingest(sunat_account)
    services.conversation_set_status(conversation=sunat, actor=rector, status="cerrado")
    login(client, rector)
    ids = lambda **q: [r["id"] for r in client.get(CONVERSATIONS, q).json()["results"]]  # noqa: E731
    assert ids(entity="minsa") == [minsa.pk]
    assert ids(status="cerrado") == [sunat.pk]
    assert ids(account=str(minsa_account.pk)) == [minsa.pk]
    bad = client.get(CONVERSATIONS, {"status": "galactico"})
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_messages_of_a_conversation_with_history_and_send_status(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account, thread="h", message_id="h1", text="antes")
    ingest(minsa_account, thread="h", message_id="h1", text="después", verb="edit")
    services.message_answer(conversation=conv, author=communicator, body="Respuesta")
    services.note_add(conversation=conv, author=communicator, body="Nota")
    login(client, communicator)
    response = client.get(f"{CONVERSATIONS}{conv.pk}/messages/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["direction"] for r in rows] == ["entrante", "saliente", "nota"]
    assert rows[0]["text"] == "después"
    assert rows[0]["revisions"][0]["text"] == "antes"
    assert rows[1]["send_status"] == "pendiente"
    assert rows[1]["author"] == "comunicadora-minsa"


def test_read_only_and_unknown_ids(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    before = Conversation.objects.values_list("status", "priority").get(pk=conv.pk)
    assert client.post(CONVERSATIONS, {}).status_code in (403, 405)
    response = client.patch(
        f"{CONVERSATIONS}{conv.pk}/", {"status": "cerrado"}, content_type="application/json"
    )
    assert response.status_code in (403, 405)
    assert client.delete(f"{CONVERSATIONS}{conv.pk}/").status_code in (403, 405)
    assert Conversation.objects.values_list("status", "priority").get(pk=conv.pk) == before
    assert client.get(f"{CONVERSATIONS}abc/").status_code == 404
    assert client.get(f"{CONVERSATIONS}999999/messages/").status_code == 404


def test_scope_in_the_api(
    client: Client,
    communicator: User,
    other_manager: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
) -> None:
    minsa = ingest(minsa_account)
    sunat = ingest(sunat_account)
    login(client, other_manager)
    rows = client.get(CONVERSATIONS).json()["results"]
    assert [r["id"] for r in rows] == [sunat.pk]
    assert client.get(f"{CONVERSATIONS}{minsa.pk}/").status_code == 404
    assert client.get(f"{CONVERSATIONS}{minsa.pk}/messages/").status_code == 404
    client.logout()
    assert client.get(CONVERSATIONS).status_code == 403
    login(client, communicator)
    assert client.get(f"{CONVERSATIONS}{sunat.pk}/").status_code == 404


def test_list_queries_do_not_grow_with_the_page(
    client: Client,
    communicator: User,
    manager: User,
    minsa_account: SocialAccount,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(30):
        conv = ingest(minsa_account)
        services.conversation_set_labels(conversation=conv, actor=manager, names=[f"t{i % 3}"])
    login(client, communicator)
    with django_assert_max_num_queries(8):
        response = client.get(CONVERSATIONS)
    assert response.json()["count"] == 30
