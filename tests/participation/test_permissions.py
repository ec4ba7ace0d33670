"""The participation predicates (agora/participation/permissions.py) as a role grid: who is
the forum's secretariat, a member, rector staff, a verified citizen, and what each may do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from agora.core.models import User
from agora.participation import permissions
from agora.participation.models import Consultation, Forum

pytestmark = pytest.mark.django_db

ROLES = ["nadie", "anonimo", "ciudadano", "sin_verificar", "miembro", "rector_ajeno", "secretaria"]


@pytest.fixture
def people(
    rector: User,
    citizen: User,
    unverified: User,
    member_user: User,
    make_user: Callable[..., User],
) -> dict[str, Any]:
    return {
        "nadie": None,
        "anonimo": AnonymousUser(),
        "ciudadano": citizen,
        "sin_verificar": unverified,
        "miembro": member_user,
        "rector_ajeno": make_user("rector-ajeno", is_rector=True, totp=True),
        "secretaria": rector,
    }


def _grid(predicate: Callable[[Any], bool], people: dict[str, Any]) -> dict[str, bool]:
    return {role: predicate(people[role]) for role in ROLES}


def _only(*roles: str) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


def test_only_the_secretariat_manages_the_forum(forum: Forum, people: dict[str, Any]) -> None:
    assert _grid(lambda u: permissions.may_manage_forum(u, forum), people) == _only("secretaria")


def test_members_are_the_active_representatives(forum: Forum, people: dict[str, Any]) -> None:
    assert _grid(lambda u: permissions.is_forum_member(u, forum), people) == _only("miembro")


def test_rector_staff_see_what_is_not_published(people: dict[str, Any]) -> None:
    expected = _only("rector_ajeno", "secretaria")
    assert _grid(permissions.may_see_unpublished, people) == expected
    assert _grid(permissions.is_rector_staff, people) == expected


def test_verified_citizens_and_rector_staff_may_request_admission(
    people: dict[str, Any],
) -> None:
    assert _grid(permissions.is_verified_citizen, people) == _only("ciudadano")
    assert _grid(permissions.may_request_admission, people) == _only(
        "ciudadano", "rector_ajeno", "secretaria"
    )


def test_a_forum_consultation_is_managed_by_its_secretariat_a_national_one_by_rector_staff(
    consultation: Consultation, people: dict[str, Any]
) -> None:
    assert _grid(lambda u: permissions.may_manage_consultation(u, consultation), people) == (
        _only("secretaria")
    )
    assert _grid(lambda u: permissions.may_create_consultation(u, None), people) == _only(
        "rector_ajeno", "secretaria"
    )


def test_an_inactive_secretary_manages_nothing(forum: Forum, rector: User) -> None:
    rector.is_active = False
    rector.save(update_fields=["is_active"])
    assert not permissions.may_manage_forum(rector, forum)
    assert not permissions.is_rector_staff(rector)
