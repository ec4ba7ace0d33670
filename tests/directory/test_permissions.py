"""The directory predicates (agora/directory/permissions.py) as a role grid for MINSA."""

from __future__ import annotations

from typing import Any

import pytest

from agora.directory import permissions
from agora.directory.models import Entity
from tests.role_grid import grid, only, people

__all__ = ["people"]  # the role grid's fixture
pytestmark = pytest.mark.django_db


def test_rector_staff_or_the_entitys_manager_manage_it(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    expected = only("rector", "gestor")
    assert grid(lambda u: permissions.may_manage_entity(u, minsa), people) == expected
    assert grid(lambda u: permissions.may_manage_entity(u, minsa.pk), people) == expected
    assert grid(lambda u: permissions.may_register_accounts(u, minsa), people) == expected
    assert permissions.may_manage_entity(None, minsa) is False


def test_manageable_entities(entities: dict[str, Entity], people: dict[str, Any]) -> None:
    minsa = entities["minsa"]
    assert grid(
        lambda u: permissions.manageable_entities(u).filter(pk=minsa.pk).exists(), people
    ) == only("rector", "gestor")
    assert permissions.manageable_entities(people["rector"]).count() == len(entities)
    assert list(permissions.manageable_entities(people["gestor_ajeno"])) == [entities["sunat"]]


def test_the_entitys_team_and_rector_staff_work_for_it(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    assert grid(lambda u: permissions.may_work_for(u, minsa), people) == only(
        "rector", "comunicador", "gestor"
    )
    assert permissions.may_work_for(None, minsa) is False


def test_only_rector_staff_verify_accounts_and_decide_fake_reports(
    people: dict[str, Any],
) -> None:
    assert grid(permissions.may_verify_accounts, people) == only("rector")
    assert grid(permissions.may_decide_fake_reports, people) == only("rector")
    assert grid(permissions.is_rector_staff, people) == only("rector")


def test_an_inactive_manager_manages_nothing(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    manager = people["gestor"]
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert not permissions.may_manage_entity(manager, entities["minsa"])
    assert not permissions.manageable_entities(manager).exists()
