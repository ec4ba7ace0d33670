"""Reads of publishing with a plan, scoped to who asks: a member reads their entities' plans and
posts, rector staff read every entity's; approvers see what waits for them."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from agora.commitments.models import Commitment, Evidence, Milestone, UpdateStatus
from agora.core.models import AuditEvent, User
from agora.directory import roles
from agora.directory.models import Entity, SocialAccount
from agora.publishing.models import (
    ContentPlan,
    PlannedPost,
    PostStatus,
    PostVariant,
    PublishingSettings,
    VariantStatus,
)
from agora.publishing.services import LIMA, UNUSABLE_ACCOUNTS


def plans_for_staff(user: User) -> QuerySet[ContentPlan]:
    return ContentPlan.objects.filter(entity__in=Entity.objects.for_staff(user)).select_related(
        "entity"
    )


def plan_get_for_staff(user: User, pk: int) -> ContentPlan:
    return get_object_or_404(plans_for_staff(user), pk=pk)


def posts_for_staff(user: User) -> QuerySet[PlannedPost]:
    return PlannedPost.objects.filter(entity__in=Entity.objects.for_staff(user))


def post_get_for_staff(user: User, pk: int) -> PlannedPost:
    return get_object_or_404(
        posts_for_staff(user).select_related(
            "plan", "entity", "theme", "author", "decided_by", "commitment", "milestone"
        ),
        pk=pk,
    )


def writable_entities(user: User) -> QuerySet[Entity]:
    """The entities where the person writes plans (any active membership)."""
    if not user.is_authenticated:
        return Entity.objects.none()
    return Entity.objects.filter(
        memberships__user=user, memberships__ended_at__isnull=True
    ).distinct()


def managed_entities(user: User) -> QuerySet[Entity]:
    return roles.managed_by(user)


def approver_entities(user: User) -> QuerySet[Entity]:
    """Entities whose posts the person approves: managed, or named approver."""
    if not user.is_authenticated:
        return Entity.objects.none()
    named = PublishingSettings.objects.filter(
        approvers=user, entity__in=writable_entities(user)
    ).values("entity")
    return Entity.objects.filter(Q(pk__in=managed_entities(user).values("pk")) | Q(pk__in=named))


def posts_to_approve(user: User) -> QuerySet[PlannedPost]:
    """Posts under review that the person may decide (never their own)."""
    return (
        PlannedPost.objects.filter(
            status=PostStatus.EN_REVISION, entity__in=approver_entities(user)
        )
        .exclude(author=user)
        .select_related("entity", "plan", "author")
        .prefetch_related("variants__account", "findings")
        .order_by("submitted_at", "pk")
    )


def replies_to_approve(user: User, limit: int = 200) -> list[Any]:
    """Answers to citizens held for approval (the entity's reply approval) that the person
    may approve: in the entities where they approve, never their own, oldest first."""
    from agora.inbox.models import Message, SendStatus

    return list(
        Message.objects.filter(send_status=SendStatus.APROBAR, entity__in=approver_entities(user))
        .exclude(author_user=user)
        .select_related("conversation", "entity", "author_user")
        .order_by("sent_at", "pk")[:limit]
    )


def plan_accounts(plan: ContentPlan) -> list[SocialAccount]:
    """Where the plan's posts may go: its accounts, or every usable account of the entity."""
    chosen = list(plan.accounts.exclude(status__in=UNUSABLE_ACCOUNTS))
    if chosen:
        return chosen
    return list(plan.entity.accounts.exclude(status__in=UNUSABLE_ACCOUNTS))


def entity_accounts(entity: Entity) -> QuerySet[SocialAccount]:
    return entity.accounts.exclude(status__in=UNUSABLE_ACCOUNTS)


def commitments_for_entity(entity: Entity) -> QuerySet[Commitment]:
    """Commitments a post of the entity may cite: led or supported by it."""
    return (
        Commitment.objects.filter(Q(lead_entity=entity) | Q(supporting_entities=entity))
        .distinct()
        .order_by("code")
    )


def milestones_for_entity(entity: Entity) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(commitment__in=commitments_for_entity(entity))
        .select_related("commitment")
        .order_by("commitment__code", "order")
    )


def evidence_for_entity(entity: Entity) -> QuerySet[Evidence]:
    """Evidence of approved progress reports of the entity's commitments."""
    return (
        Evidence.objects.filter(
            update__commitment__in=commitments_for_entity(entity),
            update__status=UpdateStatus.APROBADA,
        )
        .select_related("update__commitment")
        .order_by("-pk")
    )


def post_history(post: PlannedPost) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=PlannedPost._meta.label_lower, object_id=str(post.pk)
    ).order_by("created_at", "pk")


# --- calendar ---------------------------------------------------------------------------------


@dataclass
class Day:
    date: dt.date
    in_month: bool = True
    in_plan: bool = True
    posts: list[PlannedPost] = field(default_factory=list)


@dataclass
class Calendar:
    view: str  # "semana" or "mes"
    start: dt.date
    end: dt.date  # inclusive
    weeks: list[list[Day]]
    previous: dt.date
    following: dt.date


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def plan_calendar(plan: ContentPlan, *, view: str, day: dt.date) -> Calendar:
    """The plan's posts laid out by week or by month (Monday first), times in Lima."""
    if view == "semana":
        start = _monday(day)
        end = start + dt.timedelta(days=6)
        previous, following = start - dt.timedelta(days=7), start + dt.timedelta(days=7)
        month = None
    else:
        view = "mes"
        first = day.replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        start, end = _monday(first), _monday(last) + dt.timedelta(days=6)
        previous = (first - dt.timedelta(days=1)).replace(day=1)
        following = last + dt.timedelta(days=1)
        month = first.month
    days: dict[dt.date, Day] = {}
    current = start
    while current <= end:
        days[current] = Day(
            date=current,
            in_month=month is None or current.month == month,
            in_plan=plan.period_start <= current <= plan.period_end,
        )
        current += dt.timedelta(days=1)
    lower = dt.datetime.combine(start, dt.time(), tzinfo=LIMA)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=LIMA)
    posts = (
        plan.posts.filter(scheduled_at__gte=lower, scheduled_at__lt=upper)
        .select_related("theme")
        .prefetch_related("variants__account")
    )
    for post in posts:
        local = post.scheduled_at.astimezone(LIMA)
        days[local.date()].posts.append(post)
    ordered = list(days.values())
    weeks = [ordered[i : i + 7] for i in range(0, len(ordered), 7)]
    return Calendar(view, start, end, weeks, previous, following)


# --- accountability ---------------------------------------------------------------------------


def commitment_posts_public(commitment: Commitment) -> QuerySet[PostVariant]:
    """Published texts of posts citing the commitment, directly, through one of its milestones
    or through evidence of one of its progress reports: what its public page lists."""
    return (
        PostVariant.objects.filter(
            publish_status=VariantStatus.PUBLICADA,
            post__status=PostStatus.PUBLICADO,
        )
        .filter(
            Q(post__commitment=commitment)
            | Q(post__milestone__commitment=commitment)
            | Q(post__evidence__update__commitment=commitment)
        )
        .select_related("account", "post__entity")
        .order_by("-published_at", "-pk")
    )


def post_conversations(user: User, post: PlannedPost, limit: int = 10) -> list[Any]:
    """The inbox conversations of citizens' comments on the published post (newest first),
    among those the person may open."""
    from agora.inbox.models import Conversation

    posts = [pk for pk in post.variants.values_list("inbox_post_id", flat=True) if pk]
    if not posts:
        return []
    return list(
        Conversation.objects.for_staff(user)
        .filter(post_id__in=posts)
        .select_related("account")
        .order_by("-last_inbound_at", "-pk")[:limit]
    )
