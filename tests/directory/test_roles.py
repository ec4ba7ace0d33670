"""One vocabulary of roles (agora/directory/roles.py): who manages which entity, who the
managers of an entity are, and the one entity-by-code lookup."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from agora.core.models import User
from agora.directory import roles
from agora.directory.models import Entity, Membership, MembershipRole


def test_is_manager_only_of_the_entity_managed_now(
    manager: User, communicator: User, rector: User, entities: dict[str, Entity]
) -> None:
    assert roles.is_manager(manager, entities["minsa"])
    assert roles.is_manager(manager, entities["minsa"].pk)
    assert not roles.is_manager(manager, entities["sunat"])
    assert not roles.is_manager(communicator, entities["minsa"])
    assert not roles.is_manager(rector, entities["minsa"])  # rector staff are not managers
    assert not roles.is_manager(AnonymousUser(), entities["minsa"])
    Membership.objects.filter(user=manager).update(ended_at=timezone.now())
    assert not roles.is_manager(manager, entities["minsa"])


def test_managed_by_and_managers_of(
    manager: User,
    other_manager: User,
    communicator: User,
    make_user: Callable[..., User],
    entities: dict[str, Entity],
) -> None:
    assert list(roles.managed_by(manager)) == [entities["minsa"]]
    assert list(roles.managed_by(communicator)) == []
    assert list(roles.managed_by(AnonymousUser())) == []
    gone = make_user("gestora-inactiva", is_active=False)
    Membership.objects.create(user=gone, entity=entities["minsa"], role=MembershipRole.GESTOR)
    assert list(roles.managers_of(entities["minsa"])) == [manager]
    assert list(roles.managers_of(entities["sunat"].pk)) == [other_manager]


def test_entity_by_code(manager: User, entities: dict[str, Entity]) -> None:
    assert roles.entity_by_code(" MINSA ") == entities["minsa"]
    assert roles.entity_by_code("no-existe") is None
    assert roles.entity_by_code("") is None
    assert roles.entity_by_code("minsa", staff=manager) == entities["minsa"]
    assert roles.entity_by_code("sunat", staff=manager) is None
