"""What the inbox list's header reads of moderation, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet, Subquery, Value
from django.utils import timezone

from agora.core.models import User
from agora.core.permissions import MANAGER_ROLE, user_is_rector
from agora.directory.models import Membership
from agora.inbox.counts import versioned_cached
from agora.inbox.models import (
    AlertStatus,
    Direction,
    Message,
    ThreatAlert,
)
from agora.inbox.moderation.flags import INSULT, THREAT, _flag_match


@dataclass(frozen=True)
class HeaderSummary:
    """What the inbox list's header needs from moderation, read in one query: whether the
    person handles threat alerts, how many are open, and how many insults and threats reached
    their entities in the last hour (0: no crisis possible, the banner needs no more)."""

    manages: bool
    open_alerts: int
    recent_flagged: int


def _count_subquery(qs: QuerySet[Any]) -> Subquery:
    return Subquery(
        qs.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")[:1]
    )


def header_summary(*, user: User, now: datetime | None = None) -> HeaderSummary:
    """Kept for ``counts.TTL`` seconds per person, until the inbox changes (alerts and new
    messages change its version); ``now`` (tests) always computes afresh."""
    if not user.is_authenticated or not user.is_active:
        return HeaderSummary(False, 0, 0)
    if now is None:
        return versioned_cached("header", (user.pk,), lambda: _header_summary(user, None))
    return _header_summary(user, now)


def _header_summary(user: User, now: datetime | None) -> HeaderSummary:
    now = now or timezone.now()
    rector = user_is_rector(user)
    recent = Message.objects.filter(
        direction=Direction.ENTRANTE, sent_at__gte=now - timedelta(hours=1), sent_at__lte=now
    ).filter(_flag_match(INSULT) | _flag_match(THREAT))
    alerts = ThreatAlert.objects.filter(status=AlertStatus.ABIERTA)
    if rector:
        managed_count: Any = Value(1)
    else:
        memberships = Membership.objects.active().filter(user=user)
        managed = memberships.filter(role=MANAGER_ROLE)
        recent = recent.filter(entity_id__in=memberships.values("entity_id"))
        alerts = alerts.filter(entity_id__in=managed.values("entity_id"))
        managed_count = _count_subquery(managed)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            managed_n=managed_count,
            open_n=_count_subquery(alerts),
            recent_n=_count_subquery(recent),
        )
        .values_list("managed_n", "open_n", "recent_n")
        .first()
    )
    if row is None:
        return HeaderSummary(False, 0, 0)
    return HeaderSummary(bool(row[0]), int(row[1] or 0), int(row[2] or 0))
