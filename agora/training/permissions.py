"""Who may do what in the training registry (docs/arquitectura.md, roles), as named
predicates that services, selectors and views ask:

- **rector staff** (the secretariat) register and edit workshops and their materials, and
  the attendance of any entity;
- an entity's **communications manager** registers the attendance of their own entity's
  people (the directory's ``may_manage_entity``) and sees the registry for those entities;
- anybody else (communicators, citizens) does not open the staff registry.

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, views into a 403.
"""

from __future__ import annotations

from typing import Any

from agora.directory import permissions as directory_permissions
from agora.directory.models import Entity
from agora.directory.roles import managed_by


def may_register_workshops(user: Any) -> bool:
    """Create and edit workshops, add and remove their materials: rector staff."""
    return directory_permissions.is_rector_staff(user)


def may_register_attendance(user: Any, entity: Entity) -> bool:
    """Rector staff for any entity; a manager for their own entities."""
    return directory_permissions.may_manage_entity(user, entity)


def entities_managed_by(user: Any) -> set[int]:
    """Ids of the entities ``user`` manages now (``directory.roles``): with
    :func:`may_register_workshops`, who opens the staff registry (``selectors.staff_scope``)."""
    return set(managed_by(user).values_list("pk", flat=True))
