"""The header's "Bandeja, N sin leer": conversations of a person's queues (assigned to them,
or to nobody) waiting for an answer that they have not opened since the citizen last wrote.

Opening a conversation writes a per-person seen mark (``ConversationSeen``); the count is one
query over the waiting conversations only (the partial index ``inbox_conv_awaiting``), each
probed for a newer mark through the unique (user, conversation) index, and is cached like the
list's counts (agora/inbox/counts.py)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agora.core.models import User
from agora.core.permissions import user_is_entity_staff
from agora.inbox.counts import counts_changed, versioned_cached
from agora.inbox.models import Conversation, ConversationQuerySet, ConversationSeen, Status


def conversation_mark_seen(*, user: User, conversation: Conversation) -> bool:
    """Records that ``user`` opened ``conversation`` now. Returns whether it was unread for
    them (then the cached counts are refreshed). Not audited: reading changes nothing."""
    now = timezone.now()
    latest = conversation.last_inbound_at
    mark = ConversationSeen.objects.filter(user=user, conversation=conversation)
    was_unread = latest is not None and not mark.filter(seen_at__gte=latest).exists()
    if not was_unread:
        return False
    if not mark.update(seen_at=now):
        # ignore_conflicts: the same person opening it twice at once still leaves one mark.
        ConversationSeen.objects.bulk_create(
            [ConversationSeen(user=user, conversation=conversation, seen_at=now)],
            ignore_conflicts=True,
        )
    counts_changed()
    return True


def unread_conversations(*, user: User) -> ConversationQuerySet:
    """The person's unread conversations (see the module docstring)."""
    seen = ConversationSeen.objects.filter(
        user=user, conversation=OuterRef("pk"), seen_at__gte=OuterRef("last_inbound_at")
    )
    return (
        Conversation.objects.for_staff(user)
        .filter(awaiting_since__isnull=False, hidden__in=[False])
        .filter(Q(assignee=user) | Q(assignee__isnull=True))
        .exclude(status=Status.CERRADO)
        .filter(~Exists(seen))
    )


def unread_count(*, user: User) -> int:
    """How many unread conversations the person has; 0 for anyone who is not staff (and no
    query then beyond the membership check)."""
    if not user_is_entity_staff(user):
        return 0
    return versioned_cached(
        "unread", (user.pk,), lambda: unread_conversations(user=user).order_by().count()
    )
