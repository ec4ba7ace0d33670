"""The publishing predicates (agora/publishing/permissions.py) as a role grid for MINSA: its
manager, its communicator, a communicator named approver, another entity's manager, rector
staff and a citizen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from agora.core.models import User
from agora.directory.models import Entity, Membership, MembershipRole
from agora.publishing import permissions, services
from agora.publishing.models import PlannedPost

pytestmark = pytest.mark.django_db

ROLES = ["anonimo", "ciudadano", "rector", "gestor_ajeno", "comunicador", "aprobador", "gestor"]


@pytest.fixture
def people(
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
    entities: dict[str, Entity],
    make_user: Callable[..., User],
) -> dict[str, Any]:
    approver = make_user("aprobadora-minsa")
    Membership.objects.create(
        user=approver, entity=entities["minsa"], role=MembershipRole.COMUNICADOR
    )
    services.settings_update(
        actor=manager,
        entity=entities["minsa"],
        approvers=[approver],
        authority_names="",
        self_promotion_max_percent=20,
        reply_approval=False,
    )
    return {
        "anonimo": AnonymousUser(),
        "ciudadano": make_user("vecina"),
        "rector": rector,
        "gestor_ajeno": other_manager,
        "comunicador": communicator,
        "aprobador": approver,
        "gestor": manager,
    }


def _grid(predicate: Callable[[Any], bool], people: dict[str, Any]) -> dict[str, bool]:
    return {role: predicate(people[role]) for role in ROLES}


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


def test_the_entitys_team_writes_and_marks_crisis_steps(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    team = _only("comunicador", "aprobador", "gestor")
    minsa = entities["minsa"]
    assert _grid(lambda u: permissions.may_write(u, minsa), people) == team
    assert _grid(lambda u: permissions.may_mark_crisis_step(u, minsa), people) == team


def test_only_the_manager_manages(entities: dict[str, Entity], people: dict[str, Any]) -> None:
    assert _grid(lambda u: permissions.may_manage(u, entities["minsa"]), people) == _only("gestor")


def test_managers_and_named_approvers_approve_but_never_their_own_post(
    entities: dict[str, Entity],
    people: dict[str, Any],
    make_post: Callable[..., PlannedPost],
) -> None:
    assert _grid(lambda u: permissions.may_approve(u, entities["minsa"]), people) == _only(
        "aprobador", "gestor"
    )
    post = services.post_submit(
        actor=people["aprobador"], post=make_post(author=people["aprobador"])
    )
    assert _grid(lambda u: permissions.may_decide(u, post), people) == _only("gestor")
