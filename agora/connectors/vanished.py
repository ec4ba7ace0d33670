"""What the deletion checks of platforms that never report a deletion share (YouTube top-level
comments: youtube.threads_check; Instagram comments: meta_deletions.comments_check): the open
conversations' top-level comments worth asking about, and marking the missing ones deleted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from agora.directory.models import SocialAccount
from agora.inbox.models import Message, Status, ThreadKind
from agora.inbox.services import IncomingMessage, messages_ingest

# (comment id, thread id, time sent)
Comment = tuple[str, str, datetime]


def open_top_comments(
    account: SocialAccount, *, now: datetime, margin: timedelta, days: int, limit: int
) -> list[Comment]:
    """The top-level comments of the account's conversations not closed, sent in the last
    ``days`` days but not in the last ``margin`` (the platform may not list them yet), not
    marked deleted already, newest first, at most ``limit``."""
    rows = (
        Message.objects.filter(
            platform=account.platform,
            conversation__account=account,
            conversation__thread_kind=ThreadKind.COMMENTS,
            parent_platform_id="",
            deleted_at__isnull=True,
            sent_at__lt=now - margin,
            sent_at__gte=now - timedelta(days=days),
        )
        .exclude(conversation__status=Status.CERRADO)
        .exclude(platform_message_id__startswith="agora:")
        .order_by("-sent_at")
        .values_list("platform_message_id", "conversation__thread_id", "sent_at")[:limit]
    )
    return [(mid, thread, sent) for mid, thread, sent in rows if mid == thread]


def mark_deleted(account: SocialAccount, comments: Sequence[Comment], now: datetime) -> int:
    """Records these comments as deleted on the platform (text kept); returns how many."""
    if comments:
        messages_ingest(
            batch=[
                IncomingMessage(
                    platform=account.platform,
                    account_id=account.pk,
                    thread_kind=ThreadKind.COMMENTS,
                    thread_id=thread_id,
                    message_id=comment_id,
                    sent_at=sent_at,
                    verb="remove",
                )
                for comment_id, thread_id, sent_at in comments
            ],
            now=now,
            is_demo=account.is_demo,
        )
    return len(comments)
