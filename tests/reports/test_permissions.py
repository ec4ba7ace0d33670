"""The reports predicates (agora/reports/permissions.py) as a role grid for MINSA."""

from __future__ import annotations

from typing import Any

import pytest

from agora.directory.models import Entity
from agora.reports import permissions
from tests.role_grid import grid, only, people

__all__ = ["people"]  # the role grid's fixture
pytestmark = pytest.mark.django_db


def test_the_entitys_staff_and_rector_staff_ask_for_its_reports(
    entities: dict[str, Entity], people: dict[str, Any]
) -> None:
    minsa = entities["minsa"]
    assert grid(lambda u: permissions.may_request_report(u, minsa), people) == only(
        "rector", "comunicador", "gestor"
    )
    assert permissions.may_request_report(None, minsa) is False


def test_only_rector_staff_see_the_dashboard(people: dict[str, Any]) -> None:
    assert grid(permissions.may_see_rector_dashboard, people) == only("rector")
