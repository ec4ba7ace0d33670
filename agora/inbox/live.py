"""Live updates of the inbox without reloading: a fingerprint of a list page (the browser
polls it and fetches the rows only when it changed), a conversation's fingerprint, who else
is writing an answer in it and who answered a moment ago.

Presence lives in the database (``ConversationPresence``), never in the per-process cache:
gunicorn runs several processes and the default cache is LocMem. It is written at most every
``WRITE_EVERY`` seconds per person and conversation, and old rows are removed as new ones come.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.models import User
from agora.inbox import permissions
from agora.inbox.models import (
    Conversation,
    ConversationPresence,
    Direction,
    Message,
    SendStatus,
)

TYPING_SECONDS = 8
WRITE_EVERY = 3
ANSWERED_RECENTLY = timedelta(minutes=2)
STALE = timedelta(hours=1)
# A citizen message counted as new must belong to a conversation active this recently.
NEW_WINDOW = timedelta(hours=1)


def user_is_inbox_staff(user: User) -> bool:
    """Rector staff or a member of some entity: the people the live endpoints answer."""
    return permissions.works_an_inbox(user)


def _digest(parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def _stamp(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1_000_000)


def list_fingerprint(page: Iterable[Conversation], counts: Mapping[str, int]) -> str:
    """What a list page shows that other people's work can change: its rows (with labels
    prefetched, as the selector does) and the counts per status."""
    rows = [
        (
            c.pk,
            c.status,
            c.assignee_id,
            c.priority,
            c.message_count,
            _stamp(c.due_at),
            _stamp(c.last_inbound_at),
            tuple(c.flags or []),
            tuple(label.pk for label in c.labels.all()),
        )
        for c in page
    ]
    return _digest((rows, sorted(counts.items())))


def new_inbound_count(*, conversations: Iterable[int] | Subquery, since: datetime) -> int:
    """Citizen messages received after ``since`` in these conversations."""
    return Message.objects.filter(
        conversation_id__in=conversations, direction=Direction.ENTRANTE, received_at__gt=since
    ).count()


def recent_conversation_ids(qs: QuerySet[Conversation], since: datetime) -> Subquery:
    """Ids of the filtered list's conversations active since shortly before ``since``."""
    return Subquery(
        qs.filter(last_inbound_at__gte=since - NEW_WINDOW).order_by().values("id")[:500]
    )


def conversation_fingerprint(*, user: User, pk: int) -> str | None:
    """What the open conversation shows that can change under it (None: not the person's):
    its messages, their send status and moderation, status, assignee, priority. Two queries."""
    row = (
        Conversation.objects.for_staff(user)
        .filter(pk=pk)
        .values_list("status", "assignee_id", "priority", "due_at", "flags")
        .first()
    )
    if row is None:
        return None
    messages = Message.objects.filter(conversation_id=pk).aggregate(
        last=Max("id"),
        n=Count("id"),
        pending=Count("id", filter=Q(send_status=SendStatus.PENDIENTE)),
        publishing=Count("id", filter=Q(send_status=SendStatus.ENVIANDO)),
        to_check=Count("id", filter=Q(send_status=SendStatus.VERIFICAR)),
        failed=Count("id", filter=Q(send_status=SendStatus.FALLIDO)),
        sending=Count("id", filter=Q(send_status=SendStatus.ENVIANDO)),
        check=Count("id", filter=Q(send_status=SendStatus.VERIFICAR)),
        hidden=Count("id", filter=Q(hidden_at__isnull=False)),
        # A citizen's edit or deletion, and the classifier's or a colleague's correction.
        edited=Max("edited_at"),
        deleted=Count("id", filter=Q(deleted_at__isnull=False)),
        classified=Count("id", filter=~Q(kind="")),
        corrected=Count("id", filter=Q(model_version="manual")),
    )
    status, assignee, priority, due_at, flags = row
    return _digest(
        (status, assignee, priority, _stamp(due_at), tuple(flags or []), sorted(messages.items()))
    )


def _touch(
    *,
    user: User,
    conversation_id: int,
    typing: bool,
    mine: ConversationPresence | None,
    now: datetime,
) -> bool:
    """Writes the person's row when their state changes, at most once per ``WRITE_EVERY``
    seconds while they keep typing. ``mine``: their stored row, if any."""
    current = mine.typing_until if mine is not None else None
    active = current is not None and current > now
    if typing:
        if (
            active
            and current is not None
            and (current - now).total_seconds() > (TYPING_SECONDS - WRITE_EVERY)
        ):
            return False
        until: datetime | None = now + timedelta(seconds=TYPING_SECONDS)
    else:
        if not active:
            return False
        until = None
    ConversationPresence.objects.bulk_create(
        [
            ConversationPresence(
                conversation_id=conversation_id, user=user, typing_until=until, updated_at=now
            )
        ],
        update_conflicts=True,
        unique_fields=["conversation", "user"],
        update_fields=["typing_until", "updated_at"],
    )
    if mine is None:
        # A new row: clear out the ones nobody has touched for a while (cheap, indexed).
        ConversationPresence.objects.filter(updated_at__lt=now - STALE).delete()
    return True


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Presence:
    typing: list[str]
    answered: str  # who else answered a moment ago ("" nobody)

    def text(self) -> str:
        parts = []
        if len(self.typing) == 1:
            parts.append(_("%(name)s está respondiendo…") % {"name": self.typing[0]})
        elif self.typing:
            parts.append(_("%(names)s están respondiendo…") % {"names": ", ".join(self.typing)})
        if self.answered and self.answered not in self.typing:
            parts.append(_("%(name)s respondió hace un momento.") % {"name": self.answered})
        return " ".join(parts)


def presence_update(
    *, user: User, conversation_id: int, typing: bool, now: datetime | None = None
) -> Presence:
    """Records whether ``user`` is writing an answer in the conversation (the caller checked
    their access) and returns the other people writing one now and the last other person who
    answered in the last two minutes. Two reads, and a write only when the state changes or
    every ``WRITE_EVERY`` seconds while typing."""
    now = now or timezone.now()
    rows = list(
        ConversationPresence.objects.filter(conversation_id=conversation_id)
        .filter(Q(user=user) | Q(typing_until__gt=now))
        .select_related("user")
        .order_by("updated_at")[:20]
    )
    mine = next((p for p in rows if p.user_id == user.pk), None)
    _touch(
        user=user,
        conversation_id=conversation_id,
        typing=typing,
        mine=mine,
        now=now,
    )
    typing_names = [
        _name(p.user)
        for p in rows
        if p.user_id != user.pk and p.typing_until is not None and p.typing_until > now
    ][:5]
    recent = (
        Message.objects.filter(
            conversation_id=conversation_id,
            direction=Direction.SALIENTE,
            author_user__isnull=False,
            sent_at__gte=now - ANSWERED_RECENTLY,
        )
        .exclude(author_user=user)
        .select_related("author_user")
        .order_by("-sent_at", "-id")
        .first()
    )
    answered = _name(recent.author_user) if recent and recent.author_user else ""
    return Presence(typing=typing_names, answered=answered)
