"""Recomputing every open deadline after the default policy changed is split (issue 16,
point 5): the national job only queues one task per entity (per range of conversations for
the largest), all recorded in one transaction; each task is idempotent, and every entity's
deadlines are recomputed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from agora.core import outbox
from agora.core.models import OutboxTask
from agora.directory.models import SocialAccount
from agora.inbox import timeline as services
from agora.inbox.deadlines import deadlines_for
from agora.inbox.models import Conversation, ResponsePolicy, Status
from tests.inbox.test_views import ingest, minsa_account, sunat_account

__all__ = ["minsa_account", "sunat_account"]
pytestmark = pytest.mark.django_db


def _stricter_default() -> None:
    ResponsePolicy.objects.update_or_create(
        entity=None,
        defaults={
            "first_response_hours": Decimal("2"),
            "next_response_hours": Decimal("2"),
            "resolution_hours": Decimal("20"),
        },
    )


def _all_follow_the_policy() -> bool:
    for conv in Conversation.objects.exclude(status=Status.CERRADO).select_related("entity"):
        assert conv.awaiting_since is not None
        if conv.due_at != deadlines_for(conv.entity).first_due(conv.awaiting_since):
            return False
    return True


def test_the_national_recompute_queues_one_task_per_entity_and_recomputes_them_all(
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    moment = timezone.now() - timedelta(minutes=30)
    for account in (minsa_account, minsa_account, sunat_account):
        ingest(account, sent_at=moment)
    _stricter_default()
    assert not _all_follow_the_policy()

    with django_capture_on_commit_callbacks(execute=True):
        services.deadlines_refresh_all_later()  # recorded with the policy change
    (job,) = dispatched
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox.outbox_run(job) == "hecha"
    tasks = list(OutboxTask.objects.order_by("pk"))
    assert [(t.func, t.args) for t in tasks] == [
        (services.DEADLINES_TASK, [minsa_account.entity_id]),
        (services.DEADLINES_TASK, [sunat_account.entity_id]),
    ]
    for task in tasks:
        assert outbox.outbox_run(task.pk) == "hecha"
    assert _all_follow_the_policy()
    assert not OutboxTask.objects.exists()
    # A task delivered again changes nothing.
    assert services.deadlines_refresh_entity(minsa_account.entity_id) == 0


def test_a_large_entity_is_split_in_ranges_that_cover_every_open_conversation(
    minsa_account: SocialAccount,
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services, "DEADLINES_TASK_SIZE", 2)
    moment = timezone.now() - timedelta(minutes=30)
    convs = [ingest(minsa_account, sent_at=moment) for _ in range(6)]
    Conversation.objects.filter(pk=convs[2].pk).update(status=Status.CERRADO)
    _stricter_default()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.deadlines_refresh_all() == 3  # 5 open conversations, 2 per task
    ranges = [t.args[1:] for t in OutboxTask.objects.order_by("pk")]
    pks = [c.pk for c in convs]
    # Ranges that touch (a closed conversation reopened meanwhile is in one of them).
    assert ranges == [[None, pks[3] - 1], [pks[3], pks[5] - 1], [pks[5], None]]
    # One range done twice (a retry), the others once: every deadline recomputed.
    first = OutboxTask.objects.order_by("pk").first()
    assert first is not None
    services.deadlines_refresh_entity(minsa_account.entity_id, *first.args[1:])
    for task in OutboxTask.objects.order_by("pk"):
        assert outbox.outbox_run(task.pk) == "hecha"
    assert _all_follow_the_policy()
    # The closed one, reopened after the job: the first range (open-ended below) has it.
    Conversation.objects.filter(pk=convs[2].pk).update(status=Status.ABIERTO)
    assert services.deadlines_refresh_entity(minsa_account.entity_id, *ranges[0]) == 1
    assert _all_follow_the_policy()
