"""Who may do what in the connectors (docs/arquitectura.md, roles), as named predicates that
services, the entity settings pages and the reply box's send warning ask:

- guideline 1: only an entity's **communications manager** (an active ``gestor``
  membership) and **rector staff** register its credentials, keep its registry of who
  holds admin access to each account, confirm its password changes and open its settings
  area. That is the directory's "rector staff or a manager of this entity"
  (``agora.directory.permissions.may_manage_entity``).

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, the settings pages into a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agora.directory import permissions as directory_permissions
from agora.directory.models import Entity


def may_manage_access(user: Any, entity: Entity) -> bool:
    """Credentials, access registry, password-change flags and settings of ``entity``."""
    return directory_permissions.may_manage_entity(user, entity)


def settings_entities(user: Any) -> QuerySet[Entity]:
    """The entities whose settings area this person opens: every one for rector staff,
    those they manage for a manager, none for anybody else."""
    return directory_permissions.manageable_entities(user)
