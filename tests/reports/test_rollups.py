"""Rollups kept current by ingestion and by confirmed answers, equal to a full rebuild, and
the bucketed median the scoreboard reads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import pipeline, services
from agora.inbox.deadlines import deadlines_for, first_response_seconds
from agora.inbox.models import Conversation, Message, SendStatus
from agora.reports.models import ConversationFact, DailyRollup
from agora.reports.rollups import (
    bucket_bounds,
    bucket_of,
    histogram_median,
    rollups_rebuild,
    rollups_refresh_due,
)
from tests.reports.conftest import MONDAY, Talk, event

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def _rollup(account: SocialAccount, day: date = DAY) -> DailyRollup:
    return DailyRollup.objects.get(entity_id=account.entity_id, day=day)


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(
        DailyRollup.objects.values_list(
            "entity_id",
            "day",
            "received",
            "conversations",
            "answered",
            "decided",
            "within",
            "first_response_histogram",
            "cumulative_histogram",
        )
    )


def test_ingesting_a_citizen_message_counts_it_on_its_lima_day(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    talk(minsa_account)
    rollup = _rollup(minsa_account)
    assert (rollup.received, rollup.conversations, rollup.answered) == (1, 1, 0)
    assert rollup.first_response_histogram == {}


def test_an_evening_message_belongs_to_the_lima_day_not_the_utc_day(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    talk(minsa_account, at=MONDAY + timedelta(hours=13))  # 23:00 Lima = 04:00 UTC Tuesday
    assert _rollup(minsa_account).received == 1
    assert not DailyRollup.objects.filter(day=date(2026, 3, 3)).exists()


def test_an_answer_on_the_platform_counts_with_its_working_time_and_deadline(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    conv = talk(minsa_account, answer_after=timedelta(hours=2))
    rollup = _rollup(minsa_account)
    assert (rollup.received, rollup.answered, rollup.decided, rollup.within) == (1, 1, 1, 1)
    expected = first_response_seconds(
        conv.first_inbound_at,
        conv.first_response_at,
        deadlines_for(minsa_account.entity_id).calendar,
    )
    assert expected == 7200
    assert rollup.first_response_histogram == {str(bucket_of(7200)): 1}
    fact = ConversationFact.objects.get(conversation=conv)
    assert (fact.first_response_work, fact.first_response_calendar, fact.within) == (
        7200,
        7200,
        True,
    )


def test_an_answer_after_the_deadline_is_decided_but_not_within(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    talk(minsa_account, answer_after=timedelta(days=3))  # 8 working hours passed long before
    rollup = _rollup(minsa_account)
    assert (rollup.answered, rollup.decided, rollup.within) == (1, 1, 0)


def test_a_confirmed_answer_from_agora_updates_the_rollup(
    minsa_account: SocialAccount, talk: Talk, manager: User
) -> None:
    conv = talk(minsa_account, at=timezone.now() - timedelta(minutes=30))
    day = timezone.localtime(conv.first_inbound_at).date()
    assert _rollup(minsa_account, day).answered == 0
    answer = services.message_answer(conversation=conv, author=manager, body="Le respondemos.")
    assert _rollup(minsa_account, day).answered == 0  # pending: does not count yet
    services.message_send_result(message=answer, platform_id="fb-answer-1")
    assert Message.objects.get(pk=answer.pk).send_status == SendStatus.ENVIADO
    assert _rollup(minsa_account, day).answered == 1


def test_an_older_message_arriving_late_moves_the_conversation_to_its_day(
    minsa_account: SocialAccount,
) -> None:
    services.messages_ingest(batch=[event(minsa_account, thread="x", sent_at=MONDAY)])
    earlier = MONDAY - timedelta(days=3)  # Friday
    services.messages_ingest(batch=[event(minsa_account, thread="x", sent_at=earlier)])
    friday = date(2026, 2, 27)
    assert _rollup(minsa_account, friday).conversations == 1
    monday = _rollup(minsa_account, DAY)
    assert (monday.received, monday.conversations) == (1, 0)
    assert _rollup(minsa_account, friday).received == 1


def test_replaying_a_batch_changes_nothing(minsa_account: SocialAccount) -> None:
    batch = [event(minsa_account, thread="r", sent_at=MONDAY)]
    services.messages_ingest(batch=batch)
    before = _snapshot()
    services.messages_ingest(batch=batch)
    assert _snapshot() == before


def test_rebuild_gives_the_same_rollups_as_ingestion(
    minsa_account: SocialAccount, sunat_account: SocialAccount, talk: Talk
) -> None:
    for hours in (1, 3, 30, None):
        talk(minsa_account, answer_after=None if hours is None else timedelta(hours=hours))
    talk(sunat_account, at=MONDAY + timedelta(days=1), answer_after=timedelta(minutes=20))
    incremental = _snapshot()
    DailyRollup.objects.all().delete()
    ConversationFact.objects.all().delete()
    assert rollups_rebuild(now=MONDAY) == (5, 2)
    assert _snapshot() == incremental


def test_an_unanswered_conversation_becomes_decided_when_its_deadline_passes(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    conv = talk(minsa_account)
    rollup = _rollup(minsa_account)
    # Ingestion ran with now = MONDAY: not yet due.
    assert (rollup.decided, rollup.within) == (0, 0)
    due = ConversationFact.objects.get(conversation=conv).first_due_at
    assert due is not None
    assert rollups_refresh_due(now=due + timedelta(minutes=5)) == 1
    rollup.refresh_from_db()
    assert (rollup.decided, rollup.within) == (1, 0)


def test_deleting_the_only_conversation_and_rebuilding_removes_the_day(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    talk(minsa_account)
    Conversation.objects.all().delete()
    rollups_rebuild(entity_ids=[minsa_account.entity_id])
    assert not DailyRollup.objects.exists()


@pytest.mark.parametrize(
    ("values", "expected"),
    [([600], 450.0), ([60, 120, 240, 7000], 300.0), ([100 * 3600], 100 * 3600)],
)
def test_histogram_median_is_within_the_bucket_of_the_exact_median(
    values: list[int], expected: float
) -> None:
    histogram: dict[int, int] = {}
    for value in values:
        histogram[bucket_of(value)] = histogram.get(bucket_of(value), 0) + 1
    median = histogram_median(histogram)
    assert median is not None
    exact = sorted(values)[len(values) // 2 - (1 - len(values) % 2)]
    low, high = bucket_bounds(bucket_of(exact))
    assert low <= median <= (high or median)
    assert median == pytest.approx(expected, abs=(high or 0) - low)


def test_histogram_median_of_nothing_is_none() -> None:
    assert histogram_median({}) is None
    assert histogram_median({3: 0}) is None


def test_running_histograms_add_up_the_days_before(
    minsa_account: SocialAccount, talk: Talk
) -> None:
    talk(minsa_account, at=MONDAY + timedelta(days=1), answer_after=timedelta(minutes=10))
    talk(minsa_account, at=MONDAY, answer_after=timedelta(hours=3))  # an earlier day, later
    monday, tuesday = _rollup(minsa_account), _rollup(minsa_account, date(2026, 3, 3))
    assert monday.cumulative_histogram == {str(bucket_of(3 * 3600)): 1}
    assert tuesday.cumulative_histogram == {
        str(bucket_of(600)): 1,
        str(bucket_of(3 * 3600)): 1,
    }


def test_an_answer_after_the_deadline_passed_keeps_the_counts_equal_to_a_rebuild(
    minsa_account: SocialAccount,
) -> None:
    services.messages_ingest(
        batch=[event(minsa_account, thread="late", sent_at=MONDAY)], now=MONDAY
    )
    later = MONDAY + timedelta(days=3)
    rollups_refresh_due(now=later)
    answer = event(minsa_account, thread="late", sent_at=later, from_entity=True, text="Hola")
    services.messages_ingest(batch=[answer], now=later)
    rollup = _rollup(minsa_account)
    assert (rollup.conversations, rollup.answered, rollup.decided, rollup.within) == (1, 1, 1, 0)
    incremental = _snapshot()
    rollups_rebuild(now=later)
    assert _snapshot() == incremental


def _large_batch(account: SocialAccount) -> list[services.IncomingMessage]:
    batch = []
    for i in range(pipeline.NOW_LIMIT + 1):
        at = MONDAY + timedelta(days=i % 3, minutes=i)
        batch.append(event(account, thread=f"big-{i % 40}", sent_at=at))
        if i % 5 == 0:
            batch.append(
                event(
                    account,
                    thread=f"big-{i % 40}",
                    sent_at=at + timedelta(minutes=30 + i),
                    from_entity=True,
                    text="Hola",
                )
            )
    return batch


def test_a_large_batch_is_counted_by_an_outbox_task_equal_to_a_rebuild(
    minsa_account: SocialAccount,
    talk: Talk,
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from agora.core.models import OutboxTask
    from agora.core.outbox import outbox_run

    talk(minsa_account, answer_after=timedelta(hours=1))
    before = _snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        services.messages_ingest(batch=_large_batch(minsa_account), now=MONDAY)
        # Nothing counted inside the ingestion transaction: a row recorded in it, handed to
        # the queue only after the commit.
        assert _snapshot() == before
        assert dispatched == []
        row = OutboxTask.objects.get(func="agora.reports.tasks.rollups_pending")
    assert row.pk in dispatched
    ids, keys, _now = row.args
    assert len(ids) == 40
    assert len(keys) > pipeline.NOW_LIMIT
    assert outbox_run(row.pk) == "hecha"
    assert not OutboxTask.objects.filter(pk=row.pk).exists()
    incremental = _snapshot()
    assert sum(DailyRollup.objects.values_list("received", flat=True)) == 1 + pipeline.NOW_LIMIT + 1
    rollups_rebuild(now=MONDAY)
    assert _snapshot() == incremental


def test_the_rollup_task_run_twice_counts_once(
    minsa_account: SocialAccount, talk: Talk, dispatched: list[int]
) -> None:
    """At-least-once delivery: a second run of the same batch (a worker that died after the
    commit but before the queue's acknowledgement) leaves the same figures."""
    from agora.reports import tasks

    talk(minsa_account, answer_after=timedelta(hours=1))
    services.messages_ingest(batch=_large_batch(minsa_account), now=MONDAY)
    from agora.core.models import OutboxTask

    args = OutboxTask.objects.get(func="agora.reports.tasks.rollups_pending").args
    tasks.rollups_pending([args])
    once = _snapshot()
    tasks.rollups_pending([args])
    tasks.rollups_pending([args, args])
    assert _snapshot() == once
    rollups_rebuild(now=MONDAY)
    assert _snapshot() == once


def test_by_worker_many_webhooks_are_counted_together_after_their_commits(
    settings: Any,
    minsa_account: SocialAccount,
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """With ``AGORA_ROLLUPS_BY_WORKER`` (PostgreSQL's default) a webhook writes no rollup:
    it records a row; the first run takes every due row and counts them at once."""
    from agora.core.models import OutboxTask
    from agora.core.outbox import outbox_run

    settings.AGORA_ROLLUPS_BY_WORKER = True
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            services.messages_ingest(
                batch=[
                    event(minsa_account, thread=f"w-{i}", sent_at=MONDAY + timedelta(minutes=i))
                ],
                now=MONDAY + timedelta(minutes=i),
            )
    assert not DailyRollup.objects.exists()
    rows = list(OutboxTask.objects.filter(func="agora.reports.tasks.rollups_pending"))
    assert len(rows) == 5 and {r.pk for r in rows} <= set(dispatched)
    assert outbox_run(rows[0].pk) == "hecha"
    assert not OutboxTask.objects.filter(func=rows[0].func).exists()
    # The other deliveries find their rows done.
    assert outbox_run(rows[1].pk) == "ya hecha"
    assert _rollup(minsa_account).received == 5
    counted = _snapshot()
    rollups_rebuild(now=MONDAY + timedelta(minutes=4))
    assert _snapshot() == counted


@pytest.mark.django_db(transaction=True)
def test_the_queued_rollups_run_through_django_q(
    monkeypatch: pytest.MonkeyPatch, minsa_account: SocialAccount
) -> None:
    """The real queue (django-q2 in synchronous mode) brings the rollups up to date."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    services.messages_ingest(batch=_large_batch(minsa_account), now=MONDAY)
    incremental = _snapshot()
    assert sum(DailyRollup.objects.values_list("received", flat=True)) == 201
    rollups_rebuild(now=MONDAY)
    assert _snapshot() == incremental
