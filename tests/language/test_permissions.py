"""The language predicates (agora/language/permissions.py) as a role grid for MINSA."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Conversation, Direction, Message, ThreadKind
from agora.language import allies, permissions, watchlists
from tests.role_grid import grid, only, people

__all__ = ["people"]  # the role grid's fixture
pytestmark = pytest.mark.django_db


@pytest.fixture
def message(verified_account: SocialAccount) -> Message:
    conversation = Conversation.objects.create(
        entity_id=verified_account.entity_id,
        account=verified_account,
        platform=verified_account.platform,
        thread_kind=ThreadKind.COMMENTS,
        thread_id="post1",
        subject="Campaña de vacunación",
    )
    return Message.objects.create(
        conversation=conversation,
        entity_id=verified_account.entity_id,
        platform=verified_account.platform,
        direction=Direction.ENTRANTE,
        platform_message_id="m1",
        author_id="9001",
        author_name="Vecina",
        text="¿Cuándo empieza la campaña?",
        sent_at=timezone.now(),
    )


def test_the_entitys_staff_and_rector_staff_classify_and_label(
    entities: dict[str, Entity], people: dict[str, Any], message: Message
) -> None:
    team = only("rector", "comunicador", "gestor")
    assert grid(lambda u: permissions.may_classify(u, message), people) == team
    assert grid(lambda u: permissions.may_label(u, entities["minsa"]), people) == team
    assert grid(lambda u: permissions.may_label(u, entities["minsa"].pk), people) == team


def test_managers_edit_their_lists_and_rector_staff_the_global_ones(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    assert grid(lambda u: permissions.may_edit_watchlist(u, minsa), people) == only("gestor")
    assert grid(lambda u: permissions.may_edit_watchlist(u, None), people) == only("rector")
    assert grid(lambda u: watchlists.watchlist_can_edit(user=u, entity=minsa), people) == only(
        "gestor"
    )


def test_managers_and_rector_staff_see_the_allies(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    expected = only("rector", "gestor")
    assert grid(lambda u: permissions.may_see_allies(u, minsa), people) == expected
    assert grid(lambda u: minsa in allies.allies_entities(user=u), people) == expected
    names = [e.name for e in allies.allies_entities(user=people["rector"])]
    assert names == sorted(names) and len(names) == len(entities)
