"""A policy change reaches the due times already stored: the entity's open conversations
are recomputed in the background (issue #3: due times are stored, an entity may be stricter)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agora.core.models import OutboxTask, User
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.deadlines import deadlines_for
from agora.inbox.models import Conversation, ResponsePolicy, Status
from agora.inbox.policies import response_policy_reset, response_policy_set
from tests.helpers import login
from tests.inbox.test_views import ingest, minsa_account, sunat_account

__all__ = ["minsa_account", "sunat_account"]
pytestmark = pytest.mark.django_db


def _queued() -> list[str]:
    """The tasks recorded with the change (the outbox; ``dispatched`` keeps them unrun)."""
    return [str(func) for func in OutboxTask.objects.order_by("pk").values_list("func", flat=True)]


def test_a_stricter_policy_moves_stored_due_times_earlier(
    manager: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    django_capture_on_commit_callbacks: Any,
    dispatched: list[int],
) -> None:
    moment = timezone.now() - timedelta(minutes=30)
    open_conv = ingest(minsa_account, sent_at=moment)
    closed = ingest(minsa_account, sent_at=moment)
    Conversation.objects.filter(pk=closed.pk).update(status=Status.CERRADO)
    other = ingest(sunat_account, sent_at=moment)
    before = Conversation.objects.get(pk=open_conv.pk).due_at
    closed_due = Conversation.objects.get(pk=closed.pk).due_at
    other_due = Conversation.objects.get(pk=other.pk).due_at
    assert before is not None

    with django_capture_on_commit_callbacks(execute=True):
        response_policy_set(actor=manager, entity=minsa_account.entity, first_response_hours=2)
    assert _queued() == ["agora.inbox.timeline.deadlines_refresh_entity"]

    assert services.deadlines_refresh_entity(minsa_account.entity_id) == 1
    conv = Conversation.objects.get(pk=open_conv.pk)
    assert conv.due_at is not None and conv.due_at < before
    assert conv.awaiting_since is not None
    assert conv.due_at == deadlines_for(minsa_account.entity).first_due(conv.awaiting_since)
    assert Conversation.objects.get(pk=closed.pk).due_at == closed_due  # closed: untouched
    assert Conversation.objects.get(pk=other.pk).due_at == other_due  # another entity
    assert services.deadlines_refresh_entity(minsa_account.entity_id) == 0  # idempotent

    with django_capture_on_commit_callbacks(execute=True):
        response_policy_reset(actor=manager, entity=minsa_account.entity)
    services.deadlines_refresh_entity(minsa_account.entity_id)
    assert Conversation.objects.get(pk=open_conv.pk).due_at == before


def test_admin_policy_changes_queue_the_recompute(
    client: Client,
    rector: User,
    minsa_account: SocialAccount,
    django_capture_on_commit_callbacks: Any,
    dispatched: list[int],
) -> None:
    """The entity's policy from the admin recomputes that entity; the default, every one."""
    rector.is_staff = rector.is_superuser = True
    rector.save()
    login(client, rector)
    policy = {
        "first_response_hours": "4",
        "next_response_hours": "8",
        "resolution_hours": "45",
        "workday_start": "08:30",
        "workday_end": "17:30",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/inbox/responsepolicy/add/",
            {"entity": str(minsa_account.entity_id), **policy},
        )
    assert response.status_code == 302
    assert _queued() == ["agora.inbox.timeline.deadlines_refresh_entity"]
    assert not ResponsePolicy.objects.filter(entity__isnull=True).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/inbox/responsepolicy/add/", {"entity": "", **policy})
    assert response.status_code == 302
    assert ResponsePolicy.objects.filter(entity__isnull=True).exists()
    assert _queued()[-1] == "agora.inbox.timeline.deadlines_refresh_all"
