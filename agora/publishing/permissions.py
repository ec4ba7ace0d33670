"""Who may do what in publishing (docs/arquitectura.md, roles), as named predicates that
services, views, the crisis pages and the reply-approval policy ask:

- the entity's **communicators and managers** write its plans and posts and mark the steps
  of its crisis manual;
- its **managers** (``gestor``) manage its settings and its crisis manual;
- its managers and the **approvers** named in its settings approve posts (never their own:
  four eyes) and answers to citizens.

Who manages an entity comes from ``agora.directory.roles``.
"""

from __future__ import annotations

from agora.core.models import User
from agora.directory import roles
from agora.directory.models import Entity, Membership, MembershipRole
from agora.publishing.models import PlannedPost, PostStatus, PublishingSettings


def _entity_id(entity: Entity | int) -> int:
    return entity if isinstance(entity, int) else entity.pk


def _roles(user: User, entity: Entity | int) -> set[str]:
    if not (user.is_authenticated and user.is_active):
        return set()
    return set(
        Membership.objects.active()
        .filter(user=user, entity_id=_entity_id(entity))
        .values_list("role", flat=True)
    )


def may_write(user: User, entity: Entity) -> bool:
    """Communicators and managers of the entity write plans and posts."""
    return bool(_roles(user, entity))


def may_manage(user: User, entity: Entity) -> bool:
    return roles.is_manager(user, entity)


def may_approve(user: User, entity: Entity | int) -> bool:
    """The entity's managers and the approvers named in its settings (whoever wrote the post,
    see :func:`may_decide`); the same people approve answers to citizens (reply_policy.py)."""
    if not (user.is_authenticated and user.is_active):
        return False
    roles_here = _roles(user, entity)
    if MembershipRole.GESTOR in roles_here:
        return True
    # A named approver approves only while they still work for the entity.
    return (
        bool(roles_here)
        and PublishingSettings.objects.filter(entity_id=_entity_id(entity), approvers=user).exists()
    )


def may_decide(user: User, post: PlannedPost) -> bool:
    """Four eyes: an approver of the entity who is not the post's author."""
    return (
        post.status == PostStatus.EN_REVISION
        and post.author_id != user.pk
        and may_approve(user, post.entity)
    )


def may_mark_crisis_step(user: User, entity: Entity) -> bool:
    """Steps of the crisis manual are marked by the people who work for the entity."""
    return bool(
        user.is_authenticated
        and Membership.objects.active().filter(entity_id=entity.pk, user_id=user.pk).exists()
    )
