"""Issue 16: one event notifies each person once, also when its deliveries run at the same
time on several workers (the check and the insert were separate: three notices and three
e-mails for one watch-list hour on PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.db import connection, transaction

from agora.core.models import Notification, NotificationKey, User
from agora.core.notifications import notify

KEY = "vigilancia:7:2026-12-06T03"


@pytest.fixture
def person(django_user_model: type[User]) -> User:
    return django_user_model.objects.create_user(
        username="ana", email="ana@minsa.gob.pe", password="x"
    )


@pytest.mark.django_db
def test_an_event_already_claimed_is_not_told_again_even_before_its_notice_exists(
    person: User,
) -> None:
    """Another worker claimed the event and has not stored its notice yet: the claim, not the
    notice, decides."""
    NotificationKey.objects.create(user=person, key=KEY)
    assert notify(users=[person], kind="vigilancia", text="Aviso", dedupe_key=KEY) == []
    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_a_replayed_event_is_told_once(person: User) -> None:
    for _attempt in range(3):
        notify(users=[person], kind="vigilancia", text="Aviso", dedupe_key=KEY, email=False)
    assert Notification.objects.get().count == 1
    assert NotificationKey.objects.filter(user=person, key=KEY).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_notify_and_mail_once(person: User) -> None:
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            start.wait(timeout=30)
            with transaction.atomic():
                notify(users=[person], kind="vigilancia", text="Aviso", dedupe_key=KEY)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Notification.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["ana@minsa.gob.pe"]]
