"""Who may do what in the language tools (docs/arquitectura.md, roles), as named predicates
that services, selectors and views ask:

- the **staff** of a message's entity (and rector staff) correct its classification,
  dismiss its alerts and label it in the queue (the inbox's ``may_read_conversation``, the
  directory's ``may_work_for``);
- an entity's **managers** edit its watch lists; **rector staff** the global ones (and only
  those: an entity's lists are its managers');
- an entity's managers and rector staff see its allies (the directory's
  ``may_manage_entity``).

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, views into a 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agora.directory import permissions as directory_permissions
from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox import permissions as inbox_permissions
from agora.inbox.models import Message


def may_classify(user: Any, message: Message) -> bool:
    """Correct a citizen message's kind and flags, or dismiss one of its flags: the staff of
    its conversation's entity and rector staff."""
    return inbox_permissions.may_read_conversation(user, message.conversation_id)


def may_label(user: Any, entity: Entity | int) -> bool:
    """Label the messages of ``entity`` in the queue: its staff and rector staff."""
    return directory_permissions.may_work_for(user, entity)


def may_edit_watchlist(user: Any, entity: Entity | None) -> bool:
    """A global list (``entity`` None): rector staff; an entity's list: its managers."""
    if entity is None:
        return directory_permissions.is_rector_staff(user)
    return roles.is_manager(user, entity.pk)


def may_see_allies(user: Any, entity: Entity) -> bool:
    """The allies of ``entity``: its managers and rector staff."""
    return directory_permissions.may_manage_entity(user, entity)


def allies_entities(user: Any) -> QuerySet[Entity]:
    """The entities whose allies this person sees, by name: all for rector staff, those they
    manage for a manager, none for anybody else."""
    return directory_permissions.manageable_entities(user).order_by("name")
