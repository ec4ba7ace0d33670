"""Inbox reads: scoping to the person's entities, every list filter, counts in one grouped
query, keyset pages (ties on time broken by id), the list never reading messages, the
author's history, the library of approved answers and notifications."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agora.core.models import Notification, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import selectors, services
from agora.inbox.models import CannedAnswer, Conversation, Message
from agora.inbox.selectors import CursorError, InboxFilters
from tests.inbox.test_views import ingest, minsa_account, sunat_account

__all__ = ["minsa_account", "sunat_account"]


def _page(user: User, **filters: Any) -> list[int]:
    page, _cursor, _counts = selectors.conversations_for_staff(
        user=user, filters=InboxFilters(**filters)
    )
    return [c.pk for c in page]


def test_scope_follows_memberships(
    communicator: User,
    rector: User,
    other_manager: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
) -> None:
    minsa = ingest(minsa_account)
    sunat = ingest(sunat_account)
    assert _page(communicator) == [minsa.pk]
    assert _page(other_manager) == [sunat.pk]
    assert set(_page(rector)) == {minsa.pk, sunat.pk}
    assert _page(rector, entity="minsa") == [minsa.pk]
    # Asking for another entity by code never widens the scope.
    assert _page(communicator, entity="sunat") == []
    assert selectors.conversation_get_for_staff(user=communicator, pk=minsa.pk) == minsa
    with pytest.raises(Http404):
        selectors.conversation_get_for_staff(user=communicator, pk=sunat.pk)
    assert list(selectors.api_conversations(user=communicator)) == [minsa]
    with pytest.raises(Http404):
        selectors.api_conversation_messages(user=communicator, pk=sunat.pk)


def test_entity_only_posts_are_not_in_the_inbox(
    communicator: User, minsa_account: SocialAccount
) -> None:
    """A thread with only the entity's own messages has nothing waiting for an answer."""
    ingest(minsa_account, author_id="1001", author_name="Minsa", text="Nuestro comunicado")
    assert _page(communicator) == []


def test_every_filter(
    communicator: User, manager: User, minsa_account: SocialAccount, rector: User
) -> None:
    now = timezone.now()
    a = ingest(minsa_account)
    b = ingest(minsa_account)
    c = ingest(minsa_account)
    services.conversation_assign(conversation=a, actor=manager, assignee=communicator)
    services.conversation_set_status(conversation=b, actor=manager, status="cerrado")
    Conversation.objects.filter(pk=c.pk).update(
        kind="queja", flags=["insulto", "datos_personales"], due_at=now - timedelta(minutes=1)
    )
    Conversation.objects.filter(pk=a.pk).update(flags=["spam"], due_at=now + timedelta(hours=2))
    assert _page(communicator, status="cerrado") == [b.pk]
    assert _page(communicator, assignee="yo") == [a.pk]
    assert _page(communicator, assignee=str(communicator.pk)) == [a.pk]
    assert _page(manager, assignee="yo") == []
    assert set(_page(communicator, assignee="nadie")) == {b.pk, c.pk}
    assert _page(communicator, kind="queja") == [c.pk]
    assert _page(communicator, flag="datos_personales") == [c.pk]
    assert _page(communicator, flag="spam") == [a.pk]
    assert _page(communicator, flag="amenaza") == []
    assert _page(communicator, overdue=True) == [c.pk]
    assert len(_page(communicator, account=minsa_account.pk)) == 3
    assert _page(communicator, platform="youtube") == []


def test_counts_are_per_status_under_the_other_filters(
    communicator: User, manager: User, minsa_account: SocialAccount
) -> None:
    a = ingest(minsa_account)
    ingest(minsa_account)
    closed = ingest(minsa_account)
    services.conversation_set_status(conversation=closed, actor=manager, status="cerrado")
    services.conversation_assign(conversation=a, actor=manager, assignee=communicator)
    _page_rows, _cursor, counts = selectors.conversations_for_staff(
        user=communicator, filters=InboxFilters(status="cerrado")
    )
    assert counts == {
        "nuevo": 1,
        "abierto": 1,
        "en_espera": 0,
        "respondido": 0,
        "cerrado": 1,
        "todas": 3,
    }
    _rows, _cursor, mine = selectors.conversations_for_staff(
        user=communicator, filters=InboxFilters(assignee="yo")
    )
    assert mine["todas"] == 1 and mine["abierto"] == 1


def test_keyset_pagination_breaks_ties_by_id_and_ends(
    communicator: User, minsa_account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    moment = timezone.now() - timedelta(hours=1)
    ids = [ingest(minsa_account, sent_at=moment).pk for _ in range(4)]
    ids += [ingest(minsa_account, sent_at=moment - timedelta(minutes=1)).pk for _ in range(3)]
    seen: list[int] = []
    cursor = ""
    for _ in range(5):
        page, cursor, _counts = selectors.conversations_for_staff(
            user=communicator, filters=InboxFilters(cursor=cursor, order=selectors.ORDER_RECENT)
        )
        seen += [c.pk for c in page]
        if not cursor:
            break
    expected = sorted(ids[:4], reverse=True) + sorted(ids[4:], reverse=True)
    assert seen == expected


def test_cursor_round_trip_and_bad_cursors(minsa_account: SocialAccount) -> None:
    conv = ingest(minsa_account)
    cursor = selectors.cursor_encode(conv)
    moment, pk = selectors.cursor_decode(cursor)
    assert (moment, pk) == (conv.last_inbound_at, conv.pk)
    for bad in ["", "x", "1-", "-1", "12-0", "a-b", "9" * 40 + "-1"]:
        with pytest.raises(CursorError):
            selectors.cursor_decode(bad)


def test_the_list_reads_no_message_and_a_fixed_number_of_queries(
    communicator: User, manager: User, minsa_account: SocialAccount
) -> None:
    for i in range(12):
        conv = ingest(minsa_account)
        services.conversation_set_labels(conversation=conv, actor=manager, names=[f"t{i}"])
        services.conversation_assign(conversation=conv, actor=manager, assignee=communicator)
    with CaptureQueriesContext(connection) as queries:
        page, _cursor, _counts = selectors.conversations_for_staff(
            user=communicator, filters=InboxFilters(status="abierto", assignee="yo")
        )
        for conv in page:
            _ = (conv.entity.name, conv.account.handle, conv.assignee, list(conv.labels.all()))
    assert len(page) == 12
    # counts, page ids (the dated ones, then the undated ones: the page was not full), page
    # rows, labels
    assert len(queries) == 5
    table = Message._meta.db_table
    assert not any(table in q["sql"] for q in queries.captured_queries)


def test_author_history_is_the_same_citizen_with_the_same_entity(
    minsa_account: SocialAccount, sunat_account: SocialAccount
) -> None:
    first = ingest(minsa_account, author_id="ana")
    ingest(sunat_account, author_id="ana")  # another entity: not shown
    ingest(minsa_account, author_id="beto")
    current = ingest(minsa_account, author_id="ana")
    assert selectors.author_history(conversation=current) == [first]
    anonymous = ingest(minsa_account, author_id="")
    assert selectors.author_history(conversation=anonymous) == []


def test_thread_is_in_order_and_keeps_the_latest_when_long(
    minsa_account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "THREAD_LIMIT", 2)
    start = timezone.now() - timedelta(hours=1)
    for i in range(3):
        conv = ingest(minsa_account, thread="largo", text=f"m{i}",
                      sent_at=start + timedelta(minutes=i))  # fmt: skip
    thread, truncated = selectors.conversation_thread(conversation=conv)
    assert [m.text for m in thread] == ["m1", "m2"]
    assert truncated


def test_canned_answers_are_the_entitys_and_the_general_approved_ones(
    entities: dict[str, Entity], rector: User
) -> None:
    now = timezone.now()
    own = CannedAnswer.objects.create(entity=entities["minsa"], title="B", body="b",
                                      approved_by=rector, approved_at=now)  # fmt: skip
    general = CannedAnswer.objects.create(entity=None, title="A", body="a",
                                          approved_by=rector, approved_at=now)  # fmt: skip
    CannedAnswer.objects.create(entity=entities["sunat"], title="C", body="c",
                                approved_by=rector, approved_at=now)  # fmt: skip
    CannedAnswer.objects.create(entity=entities["minsa"], title="D", body="d", approved_at=None)
    assert list(selectors.canned_answers_for(entities["minsa"])) == [general, own]
    with pytest.raises(Http404):
        selectors.canned_answer_get(entity=entities["sunat"], pk=own.pk)


def test_notifications_are_the_persons_own_newest_first(communicator: User, manager: User) -> None:
    older = Notification.objects.create(user=communicator, kind="x", text="uno")
    newer = Notification.objects.create(user=communicator, kind="x", text="dos")
    Notification.objects.create(user=manager, kind="x", text="ajena")
    assert list(selectors.notifications_for(communicator)) == [newer, older]
    assert selectors.notifications_unread_count(communicator) == 2


def test_filter_choices_are_the_scope_accounts_and_members(
    communicator: User, manager: User, minsa_account: SocialAccount, entities: dict[str, Entity]
) -> None:
    ids = [entities["minsa"].pk]
    assert selectors.filter_accounts(user=communicator, entity_ids=ids) == [minsa_account]
    assert selectors.filter_accounts(user=communicator, entity_ids=[entities["sunat"].pk]) == []
    assert set(selectors.filter_assignees(entity_ids=ids)) == {communicator, manager}
    assert set(selectors.entity_staff(entity_id=entities["minsa"].pk)) == {communicator, manager}


def test_methodology_context_reads_the_policy_in_force(db: None) -> None:
    context = selectors.methodology_context()
    assert str(context["hours"]["first_response_hours"]) == "8"
    assert str(context["hours"]["resolution_hours"]) == "45"
    assert any(name == "Año Nuevo" for _day, name in context["holidays"])
