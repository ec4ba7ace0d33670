"""The outbox: work recorded with the data, run after the commit, never lost, never run twice
at the same time (agora/core/outbox.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from agora.core import outbox
from agora.core.errors import PermissionDeniedError
from agora.core.models import AuditEvent, OutboxTask, User

pytestmark = pytest.mark.django_db

RAN: list[Any] = []
REAL_DISPATCH = outbox.dispatch


def record(*args: Any) -> None:
    RAN.append(args)


def boom(*args: Any) -> None:
    raise RuntimeError("la plataforma no responde")


@outbox.atomic_task
def write_then_fail(username: str) -> None:
    User.objects.create(username=username)
    raise RuntimeError("a medio camino")


@outbox.batched_task
def gather(items: list[list[Any]]) -> None:
    RAN.append(("lote", sorted(i[0] for i in items)))


@pytest.fixture(autouse=True)
def _tests_may_queue(settings: Any) -> None:
    settings.AGORA_OUTBOX_PREFIXES = ("agora.", "tests.core.test_outbox.")
    RAN.clear()


HERE = "tests.core.test_outbox."


def test_a_rolled_back_transaction_leaves_no_task(dispatched: list[int]) -> None:
    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        outbox.enqueue_on_commit(HERE + "record", 1)
        raise Stop
    assert not OutboxTask.objects.exists()
    assert dispatched == []


def test_committed_work_is_handed_over_then_run_once_and_removed(
    dispatched: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        pk = outbox.enqueue_on_commit(HERE + "record", 1, "a")
        assert dispatched == []  # not before the commit
    assert dispatched == [pk]
    assert outbox.outbox_run(pk) == "hecha"
    assert RAN == [(1, "a")]
    # A second delivery of the same task (an at-least-once queue) finds nothing to do.
    assert outbox.outbox_run(pk) == "ya hecha"
    assert RAN == [(1, "a")]


def test_a_task_whose_hand_over_was_lost_is_run_by_the_sweeper(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(outbox, "dispatch", REAL_DISPATCH)

    def queue_down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("Redis no responde")

    monkeypatch.setattr("django_q.tasks.async_task", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue_on_commit(HERE + "record", 7)
    assert RAN == [] and OutboxTask.objects.count() == 1
    # Too young: its own hand-over may still be on its way.
    assert outbox.outbox_sweep() == 0
    later = timezone.now() + outbox.GRACE + timedelta(seconds=1)
    assert outbox.outbox_sweep(now=later) == 1
    assert RAN == [(7,)] and not OutboxTask.objects.exists()


def test_a_task_in_another_workers_hands_is_not_run_again_until_its_lease_ends(
    dispatched: list[int],
) -> None:
    pk = outbox.enqueue_on_commit(HERE + "record", 3)
    now = timezone.now()
    OutboxTask.objects.filter(pk=pk).update(leased_until=now + timedelta(minutes=5))
    assert outbox.outbox_run(pk, now=now) == "en curso o hecha"
    assert outbox.outbox_sweep(now=now + outbox.GRACE) == 0
    assert RAN == []
    # The worker died: once the lease is over, the sweeper runs it.
    assert outbox.outbox_sweep(now=now + timedelta(minutes=6)) == 1
    assert RAN == [(3,)]


def test_a_failing_task_is_retried_later_then_kept_as_failed_and_counted(
    dispatched: list[int], rector: User
) -> None:
    pk = outbox.enqueue_on_commit(HERE + "boom", 1)
    now = timezone.now()
    assert outbox.outbox_run(pk, now=now) == "error"
    row = OutboxTask.objects.get(pk=pk)
    assert row.attempts == 1 and not row.failed and "no responde" in row.last_error
    assert row.available_at > now and row.leased_until is None
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        OutboxTask.objects.filter(pk=pk).update(available_at=timezone.now())
        outbox.outbox_run(pk)
    row.refresh_from_db()
    assert row.failed and row.attempts == outbox.MAX_ATTEMPTS
    state = outbox.outbox_state()
    assert state["failed"] == 1 and state["pending"] == 0
    assert state["failed_funcs"] == [HERE + "boom"]
    # A failed task is not run by the sweeper; the operator can give it new attempts.
    assert outbox.outbox_sweep(now=timezone.now() + timedelta(days=1)) == 0
    assert outbox.outbox_retry_failed(actor=rector) == 1
    assert OutboxTask.objects.get(pk=pk).attempts == 0
    assert AuditEvent.objects.filter(verb="tareas.reintentadas").count() == 1


def test_only_the_rector_office_retries_failed_tasks(manager: User) -> None:
    with pytest.raises(PermissionDeniedError):
        outbox.outbox_retry_failed(actor=manager)


def test_an_atomic_task_that_fails_leaves_nothing_half_done(dispatched: list[int]) -> None:
    pk = outbox.enqueue_on_commit(HERE + "write_then_fail", "fantasma")
    assert outbox.outbox_run(pk) == "error"
    assert not User.objects.filter(username="fantasma").exists()
    assert OutboxTask.objects.filter(pk=pk).exists()


def test_a_batched_task_takes_every_due_row_of_its_function_at_once(
    dispatched: list[int],
) -> None:
    pks = [outbox.enqueue_on_commit(HERE + "gather", i) for i in range(4)]
    other = outbox.enqueue_on_commit(HERE + "record", 9)
    assert outbox.outbox_run(pks[2]) == "hecha"
    assert RAN == [("lote", [0, 1, 2, 3])]
    assert list(OutboxTask.objects.values_list("pk", flat=True)) == [other]
    assert outbox.outbox_run(pks[0]) == "ya hecha"


def test_only_the_projects_functions_are_queued(dispatched: list[int]) -> None:
    with pytest.raises(ValueError):
        outbox.enqueue_on_commit("os.system", "rm -rf /")
    with pytest.raises(ValueError):
        outbox.enqueue_on_commit("agora.no_existe.tarea", 1)
    assert not OutboxTask.objects.exists()


def test_a_delayed_task_waits_for_its_time(dispatched: list[int]) -> None:
    outbox.enqueue_on_commit(HERE + "record", 5, delay=timedelta(minutes=10))
    assert dispatched == []
    assert outbox.outbox_sweep(now=timezone.now() + timedelta(minutes=2)) == 0
    assert outbox.outbox_sweep(now=timezone.now() + timedelta(minutes=11)) == 1
    assert RAN == [(5,)]
