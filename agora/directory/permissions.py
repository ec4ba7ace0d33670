"""Who may do what in the directory (docs/arquitectura.md, roles), as named predicates that
services, views and the apps above the directory ask instead of repeating the checks:

- **rector staff** (``agora.core.permissions.user_is_rector``) verify, reject, suspend and
  retire accounts, import them and decide the reports of fake accounts;
- an entity's **managers** (``gestor``, ``agora.directory.roles``) and rector staff register
  and withdraw its accounts. "Rector staff or a manager of this entity" is
  :func:`may_manage_entity`, the one predicate every app asks for it (the inbox's response
  policy and approved answers, the connectors' credentials and access registry, training
  attendance, moderation settings);
- :func:`may_work_for`: rector staff, or a person with an active membership of the entity
  (any role), as ``Entity.objects.for_staff``.

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, views into a 403 or a 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from agora.core.permissions import user_is_rector
from agora.directory import roles
from agora.directory.models import Entity


def _entity_id(entity: Entity | int) -> int:
    return entity if isinstance(entity, int) else entity.pk


def is_rector_staff(user: Any) -> bool:
    """Staff of the rector body (or a superuser), signed in and active."""
    return user is not None and user_is_rector(user)


def may_manage_entity(user: Any, entity: Entity | int) -> bool:
    """Rector staff, or an active manager (``gestor``) of ``entity`` (an entity or its id)."""
    return is_rector_staff(user) or roles.is_manager(user, entity)


def manageable_entities(user: Any) -> QuerySet[Entity]:
    """The entities :func:`may_manage_entity` allows: every one for rector staff, those the
    person manages now for a manager, none for anybody else."""
    if is_rector_staff(user):
        return Entity.objects.all()
    return roles.managed_by(user)


def may_work_for(user: Any, entity: Entity | int) -> bool:
    """Rector staff, or an active member (manager or communicator) of ``entity``."""
    if user is None:
        return False
    return Entity.objects.for_staff(user).filter(pk=_entity_id(entity)).exists()


def may_register_accounts(user: Any, entity: Entity) -> bool:
    """Propose an account of ``entity`` or withdraw one: its managers and rector staff."""
    return may_manage_entity(user, entity)


def may_verify_accounts(user: Any) -> bool:
    """Verify, reject, suspend or retire accounts, and import them: rector staff."""
    return is_rector_staff(user)


def may_decide_fake_reports(user: Any) -> bool:
    """See the queue of reports of fake accounts and decide them: rector staff."""
    return is_rector_staff(user)
