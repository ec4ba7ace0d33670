"""One vocabulary for "who does what in which entity" (docs/arquitectura.md, roles): a
person's active memberships make them a manager (``gestor``, the communications manager) or a
communicator of an entity. Every app asks here instead of writing the query again.

- ``is_manager(user, entity)``: does ``user`` manage this entity now?
- ``managed_by(user)``: the entities ``user`` manages now;
- ``managers_of(entity)``: the active people who manage it, by name;
- ``entity_by_code(code)``: the one way to find an entity by its code (``None`` if unknown),
  optionally limited to what a person may see as staff.

"Rector staff or a manager of this entity" is ``agora.directory.permissions.may_manage_entity``;
each app names its own checks in its ``permissions.py`` on top of these.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agora.core.models import User
from agora.directory.models import Entity, Membership, MembershipRole


def _active_managers() -> QuerySet[Membership]:
    return Membership.objects.active().filter(role=MembershipRole.GESTOR)


def is_manager(user: Any, entity: Entity | int) -> bool:
    """True when ``user`` (signed in, active) manages ``entity`` (an entity or its id) now."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    entity_id = entity if isinstance(entity, int) else entity.pk
    return _active_managers().filter(user=user, entity_id=entity_id).exists()


def managed_by(user: Any) -> QuerySet[Entity]:
    """The entities ``user`` manages now, by name (none for anonymous or inactive people)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Entity.objects.none()
    return Entity.objects.filter(
        pk__in=_active_managers().filter(user=user).values("entity_id")
    ).order_by("name")


def managers_of(entity: Entity | int) -> QuerySet[User]:
    """The active people who manage ``entity`` (an entity or its id) now, by name."""
    entity_id = entity if isinstance(entity, int) else entity.pk
    return User.objects.filter(
        is_active=True,
        pk__in=_active_managers().filter(entity_id=entity_id).values("user_id"),
    ).order_by("first_name", "last_name", "username")


def entity_by_code(code: str, *, staff: Any = None) -> Entity | None:
    """The entity with ``code`` (codes are lower case; surrounding spaces ignored), or None.
    With ``staff``, only an entity that person may see as staff (``Entity.objects.for_staff``)."""
    code = (code or "").strip().lower()
    if not code:
        return None
    entities = Entity.objects.for_staff(staff) if staff is not None else Entity.objects.all()
    return entities.filter(code=code).first()
