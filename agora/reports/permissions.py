"""Who may do what in the reports (docs/arquitectura.md, roles), as named predicates that
services, selectors and views ask:

- an entity's **staff** (communicators and managers) ask for and read its reports; **rector
  staff** those of every entity (the directory's ``may_work_for``);
- **rector staff** alone see the rector office's dashboard (its tables and figures).

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, views into a 403.
"""

from __future__ import annotations

from typing import Any

from agora.directory import permissions as directory_permissions
from agora.directory.models import Entity


def may_request_report(user: Any, entity: Entity) -> bool:
    """Ask for (and read) the reports of ``entity``: its staff and rector staff."""
    return directory_permissions.may_work_for(user, entity)


def may_see_rector_dashboard(user: Any) -> bool:
    """The rector office's dashboard: rector staff."""
    return directory_permissions.is_rector_staff(user)
