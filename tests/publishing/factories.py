"""Planned posts for the tests of publishing and the crisis mode, built directly on the models
(the plan's own services are tested with the plan)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.publishing.models import ContentPlan, PlannedPost, PostStatus, PostVariant


def plan_for(entity: Entity) -> ContentPlan:
    today = timezone.localdate()
    plan, _created = ContentPlan.objects.get_or_create(
        entity=entity,
        title="Plan del mes",
        defaults={"period_start": today.replace(day=1), "period_end": today + timedelta(days=40)},
    )
    return plan


def planned_post(
    *,
    account: SocialAccount,
    author: User | None = None,
    status: str = PostStatus.APROBADO,
    text: str = "Hoy empezamos la campaña de vacunación en todas nuestras sedes.",
    scheduled_at: datetime | None = None,
    title: str = "Campaña de vacunación",
) -> PlannedPost:
    post = PlannedPost.objects.create(
        plan=plan_for(account.entity),
        entity=account.entity,
        title=title,
        scheduled_at=scheduled_at or timezone.now() - timedelta(minutes=1),
        status=status,
        author=author,
    )
    PostVariant.objects.create(post=post, account=account, text=text)
    return post
