"""The inbox predicates (agora/inbox/permissions.py) as a role grid for MINSA: who reads and
works a conversation, who sets the response-time policy, the approved answers and the
moderation, who sees the alerts, and what only rector staff do."""

from __future__ import annotations

from typing import Any

import pytest

from agora.directory.models import Entity, SocialAccount
from agora.inbox import canned, permissions
from agora.inbox.models import Conversation, ThreadKind
from agora.publishing.models import PublishingSettings
from tests.role_grid import grid, only, people

__all__ = ["people"]  # the role grid's fixture
pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(verified_account: SocialAccount) -> Conversation:
    return Conversation.objects.create(
        entity_id=verified_account.entity_id,
        account=verified_account,
        platform=verified_account.platform,
        thread_kind=ThreadKind.COMMENTS,
        thread_id="post1",
        subject="Campaña de vacunación",
    )


def test_the_entitys_staff_and_rector_staff_read_and_are_assigned_its_conversations(
    entities: dict[str, Entity], people: dict[str, Any], conversation: Conversation
) -> None:
    team = only("rector", "comunicador", "gestor")
    assert grid(lambda u: permissions.may_read_conversation(u, conversation), people) == team
    assert grid(lambda u: permissions.may_read_conversation(u, conversation.pk), people) == team
    assert grid(lambda u: permissions.may_be_assigned(u, entities["minsa"]), people) == team
    assert permissions.may_read_conversation(None, conversation) is False


def test_whoever_works_an_inbox_reads_the_approved_answers(people: dict[str, Any]) -> None:
    staff = only("rector", "gestor_ajeno", "comunicador", "gestor")
    assert grid(permissions.works_an_inbox, people) == staff
    assert grid(permissions.may_read_canned, people) == staff
    assert grid(canned.canned_may_read, people) == staff


def test_the_manager_and_rector_staff_manage_the_entitys_settings(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    managers = only("rector", "gestor")
    assert grid(lambda u: permissions.may_set_response_policy(u, minsa), people) == managers
    assert grid(lambda u: permissions.may_manage_canned(u, minsa), people) == managers
    assert grid(lambda u: permissions.may_manage_canned(u, minsa.pk), people) == managers
    assert grid(lambda u: canned.canned_can_manage(u, minsa.pk), people) == managers
    assert grid(lambda u: permissions.may_manage_moderation(u, minsa), people) == managers
    assert (
        grid(lambda u: permissions.alert_entities(u).filter(pk=minsa.pk).exists(), people)
        == managers
    )
    assert grid(permissions.may_see_alerts, people) == only("rector", "gestor_ajeno", "gestor")


def test_only_rector_staff_act_for_every_entity(people: dict[str, Any]) -> None:
    assert grid(permissions.may_set_default_policy, people) == only("rector")
    assert grid(lambda u: permissions.may_manage_canned(u, None), people) == only("rector")
    assert grid(permissions.may_resolve_quarantine, people) == only("rector")


def test_reply_approvers_follow_the_registered_policy(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    """Publishing's rule, registered at start-up: the entity's managers approve (rector staff
    do not, unless named)."""
    PublishingSettings.objects.create(entity=entities["minsa"], reply_approval=True)
    assert grid(lambda u: permissions.may_approve_reply(u, entities["minsa"].pk), people) == only(
        "gestor"
    )
