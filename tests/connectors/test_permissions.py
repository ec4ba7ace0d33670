"""The connectors predicates (agora/connectors/permissions.py) as a role grid for MINSA."""

from __future__ import annotations

from typing import Any

import pytest

from agora.connectors import permissions, services
from agora.directory.models import Entity
from tests.role_grid import grid, only, people

__all__ = ["people"]  # the role grid's fixture
pytestmark = pytest.mark.django_db


def test_the_manager_and_rector_staff_manage_credentials_and_access(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    expected = only("rector", "gestor")
    assert grid(lambda u: permissions.may_manage_access(u, minsa), people) == expected
    assert grid(lambda u: services.user_can_manage_access(u, minsa), people) == expected
    assert permissions.may_manage_access(None, minsa) is False


def test_the_settings_area_lists_what_the_person_manages(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    assert grid(
        lambda u: permissions.settings_entities(u).filter(pk=minsa.pk).exists(), people
    ) == only("rector", "gestor")
    assert grid(lambda u: permissions.settings_entities(u).exists(), people) == only(
        "rector", "gestor_ajeno", "gestor"
    )
