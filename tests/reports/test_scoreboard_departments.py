"""The scoreboard's department filter lists departments in Spanish alphabetical order: Áncash
between Amazonas and Apurímac, not after Ucayali (issue 17, point 4)."""

from __future__ import annotations

import pytest

from agora.core.models import User
from agora.directory import public_data, services
from agora.reports.scoreboard import departments

pytestmark = pytest.mark.django_db


def test_departments_are_in_spanish_alphabetical_order(rector: User) -> None:
    services.entities_load(
        rows=[
            row
            for row in public_data.all_rows()
            if row["code"] in {"gr-01", "gr-02", "gr-03", "gr-25"}
        ]
    )
    names = [name for _code, name in departments()]
    assert names == ["Amazonas", "Áncash", "Apurímac", "Ucayali"]
