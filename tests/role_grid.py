"""The role grid the per-app permission tests share: for MINSA, anonymous, a citizen (signed
in, no membership), rector staff, another entity's manager (SUNAT), MINSA's communicator and
MINSA's manager; ``grid`` asks a predicate for each, ``only`` names who should be let in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from agora.core.models import User

ROLES = ["anonimo", "ciudadano", "rector", "gestor_ajeno", "comunicador", "gestor"]


def role_people(
    *,
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
    make_user: Callable[..., User],
) -> dict[str, Any]:
    return {
        "anonimo": AnonymousUser(),
        "ciudadano": make_user("vecina"),
        "rector": rector,
        "gestor_ajeno": other_manager,
        "comunicador": communicator,
        "gestor": manager,
    }


def grid(predicate: Callable[[Any], bool], people: dict[str, Any]) -> dict[str, bool]:
    return {role: bool(predicate(people[role])) for role in ROLES}


def only(*roles: str) -> dict[str, bool]:
    assert set(roles) <= set(ROLES), roles
    return {role: role in roles for role in ROLES}


@pytest.fixture
def people(
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
    make_user: Callable[..., User],
) -> dict[str, Any]:
    """The grid's people (a fixture: a test module imports it with ``grid`` and ``only``)."""
    return role_people(
        rector=rector,
        manager=manager,
        communicator=communicator,
        other_manager=other_manager,
        make_user=make_user,
    )
