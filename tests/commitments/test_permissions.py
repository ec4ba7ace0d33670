"""The commitments predicates (agora/commitments/permissions.py) as a role grid: the
secretariat (rector staff), the managers of the lead entity (MINSA), a communicator, a
manager of another entity, a plan's evaluator and a citizen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from agora.commitments import permissions
from agora.commitments.models import ActionPlan, Commitment
from agora.core.models import User
from agora.directory.models import Entity

pytestmark = pytest.mark.django_db

ROLES = ["nadie", "anonimo", "ciudadano", "comunicador", "gestor_ajeno", "gestor", "evaluador"]
ROLES += ["secretaria"]


@pytest.fixture
def people(
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
    plan: ActionPlan,
    make_user: Callable[..., User],
) -> dict[str, Any]:
    evaluator = make_user("evaluadora")
    plan.evaluators.add(evaluator)
    return {
        "nadie": None,
        "anonimo": AnonymousUser(),
        "ciudadano": make_user("vecino"),
        "comunicador": communicator,
        "gestor_ajeno": other_manager,
        "gestor": manager,
        "evaluador": evaluator,
        "secretaria": rector,
    }


def _grid(predicate: Callable[[Any], bool], people: dict[str, Any]) -> dict[str, bool]:
    return {role: predicate(people[role]) for role in ROLES}


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


def test_the_secretariat_runs_the_plans(people: dict[str, Any]) -> None:
    assert _grid(permissions.may_run_plans, people) == _only("secretaria")
    assert _grid(permissions.may_set_milestone_status, people) == _only("secretaria")


def test_milestones_are_planned_by_the_secretariat_and_the_lead_entitys_managers(
    commitment: Commitment, people: dict[str, Any]
) -> None:
    assert _grid(lambda u: permissions.may_edit_milestones(u, commitment), people) == _only(
        "gestor", "secretaria"
    )


def test_a_manager_proposes_only_for_their_own_entity(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    assert _grid(lambda u: permissions.may_propose_for(u, entities["minsa"]), people) == _only(
        "gestor", "secretaria"
    )


def test_evaluators_and_the_secretariat_score(plan: ActionPlan, people: dict[str, Any]) -> None:
    assert _grid(lambda u: permissions.may_score(u, plan), people) == _only(
        "evaluador", "secretaria"
    )


def test_entities_managed_by_lists_only_active_manager_memberships(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    assert permissions.entities_managed_by(people["gestor"]) == {entities["minsa"].pk}
    assert permissions.entities_managed_by(people["comunicador"]) == set()
    assert permissions.entities_managed_by(people["anonimo"]) == set()
