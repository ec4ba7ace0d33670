"""The training predicates (agora/training/permissions.py) as a role grid for MINSA."""

from __future__ import annotations

from typing import Any

import pytest

from agora.directory.models import Entity
from agora.training import permissions, services
from tests.role_grid import grid, only, people

__all__ = ["people"]  # the role grid's fixture
pytestmark = pytest.mark.django_db


def test_only_rector_staff_register_workshops(people: dict[str, Any]) -> None:
    assert grid(permissions.may_register_workshops, people) == only("rector")


def test_rector_staff_or_the_entitys_manager_register_its_attendance(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    expected = only("rector", "gestor")
    assert grid(lambda u: permissions.may_register_attendance(u, minsa), people) == expected
    assert grid(lambda u: services.attendance_allowed(u, minsa), people) == expected
    assert permissions.may_register_attendance(None, minsa) is False


def test_managers_see_their_own_entities(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    assert permissions.entities_managed_by(people["gestor"]) == {entities["minsa"].pk}
    assert permissions.entities_managed_by(people["comunicador"]) == set()
    assert permissions.entities_managed_by(people["anonimo"]) == set()
