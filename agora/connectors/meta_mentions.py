"""Instagram @mentions of an entity's account. The webhook (``mentions`` field) names only the
media and, for a mention in a comment, the comment; the mention itself is read with the
documented follow-up Graph call (``GET /{ig-user-id}?fields=mentioned_media.media_id(…){…}``
or ``mentioned_comment.comment_id(…){…}``) by a worker, after the webhook's commit, and stored
as its own conversation (thread kind «mención»).

Each announced mention is a ``MentionFetch`` row written in the webhook's transaction: the
task queued after the commit only makes it fast, the periodic job reads what a lost task or a
dead worker left, and reading a mention twice stores it once (ingestion is idempotent)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.connectors import meta
from agora.connectors.models import MentionFetch, MentionFetchStatus
from agora.directory.models import AccountStatus, Platform, SocialAccount
from agora.inbox.models import Conversation, ThreadKind
from agora.inbox.senders import SendError
from agora.inbox.services import IncomingMessage, messages_ingest

log = logging.getLogger(__name__)

SCHEDULE_NAME = "conectores-menciones-instagram"
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 60
# A claimed read not finished after this long (the worker died) is due again.
LEASE = timedelta(minutes=5)
BATCH = 100
# Fields of the IG Media and IG Comment references (mentioned_media, mentioned_comment).
MEDIA_FIELDS = "id,caption,media_type,timestamp,username,permalink"
COMMENT_FIELDS = "id,text,timestamp,media{id,username,permalink}"


def mention_ids_valid(media_id: str, comment_id: str) -> bool:
    """Instagram ids are numeric strings; anything else never reaches a Graph query. An id
    longer than the column is refused, never cut."""
    limit = MentionFetch._meta.get_field("media_id").max_length or 0
    return (
        media_id.isdigit()
        and (not comment_id or comment_id.isdigit())
        and len(media_id) <= limit
        and len(comment_id) <= limit
    )


def mentions_record(items: Sequence[tuple[int, str, str]], now: datetime | None = None) -> int:
    """Writes the mentions to read, in the caller's transaction (the webhook's), and queues
    their read for after the commit. A mention announced again is recorded once. Returns how
    many were new."""
    if not items:
        return 0
    now = now or timezone.now()
    wanted = dict.fromkeys(items)
    known = set(
        MentionFetch.objects.filter(
            account_id__in={account_id for account_id, _m, _c in wanted},
            media_id__in={media_id for _a, media_id, _c in wanted},
        ).values_list("account_id", "media_id", "comment_id")
    )
    new = [
        MentionFetch(account_id=account_id, media_id=media_id, comment_id=comment_id, due_at=now)
        for account_id, media_id, comment_id in wanted
        if (account_id, media_id, comment_id) not in known
    ]
    MentionFetch.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        transaction.on_commit(enqueue_fetch)
    return len(new)


def enqueue_fetch() -> None:
    from django_q.tasks import async_task

    try:
        async_task("agora.connectors.meta_mentions.mentions_fetch_due", group="conectores")
    except Exception:  # the rows stay pending: the periodic job reads them
        log.exception("No se pudo encolar la lectura de menciones de Instagram")


def mentions_fetch_due(now: datetime | None = None) -> dict[str, int]:
    """Reads the pending mentions that are due (the queued task and the periodic job)."""
    now = now or timezone.now()
    ids = list(
        MentionFetch.objects.filter(status=MentionFetchStatus.PENDIENTE, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    counts = {"leidas": 0, "reintento": 0, "fallidas": 0}
    for pk in ids:
        outcome = mention_fetch_run(pk, now=now)
        if outcome in counts:
            counts[outcome] += 1
    if counts["reintento"] or counts["fallidas"]:
        log.warning("menciones de Instagram: %s", counts)
    return counts


def _claim(pk: int, now: datetime) -> MentionFetch | None:
    """Takes the read for this worker, in its own transaction: another worker finds it no
    longer due; if this one dies, the row is due again after LEASE."""
    with transaction.atomic():
        claimed = MentionFetch.objects.filter(
            pk=pk, status=MentionFetchStatus.PENDIENTE, due_at__lte=now
        ).update(due_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return MentionFetch.objects.select_related("account", "account__credential").get(pk=pk)


def mention_fetch_run(pk: int, *, now: datetime | None = None) -> str:
    """Reads one announced mention and stores it as a conversation; a failure is retried
    with backoff (1, 2, 4, 8, 16 min) up to six attempts, then recorded as failed."""
    now = now or timezone.now()
    fetch = _claim(pk, now)
    if fetch is None:
        return "nada que hacer"
    account = fetch.account
    try:
        if account.status != AccountStatus.VERIFICADA or account.platform != Platform.INSTAGRAM:
            raise SendError(
                _("La cuenta ya no es una cuenta de Instagram verificada."), permanent=True
            )
        event = mention_read(fetch, account)
    except SendError as exc:
        final = exc.permanent or fetch.attempts >= MAX_ATTEMPTS
        MentionFetch.objects.filter(pk=fetch.pk).update(
            status=MentionFetchStatus.FALLIDA if final else MentionFetchStatus.PENDIENTE,
            due_at=now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (fetch.attempts - 1)),
            error=str(exc)[:2000],
        )
        return "fallidas" if final else "reintento"
    with transaction.atomic():
        if event is not None:
            messages_ingest(batch=[event], is_demo=account.is_demo)
        MentionFetch.objects.filter(pk=fetch.pk).update(
            status=MentionFetchStatus.HECHA, done_at=now, error=""
        )
    return "leidas"


def _handle(value: str) -> str:
    return value.strip().lstrip("@").lower()


def mention_read(fetch: MentionFetch, account: SocialAccount) -> IncomingMessage | None:
    """The documented follow-up call for one mention, read into an inbox event; None when the
    mention is a comment on the account's own publication (the ``comments`` field delivers
    it, with its author, into that publication's threads). Raises SendError."""
    token = meta._token(account)
    if not account.platform_id:
        raise SendError(
            _("La cuenta de Instagram no tiene su id en el directorio."), permanent=True
        )
    if fetch.comment_id:
        node_name = "mentioned_comment"
        fields = f"mentioned_comment.comment_id({fetch.comment_id}){{{COMMENT_FIELDS}}}"
    else:
        node_name = "mentioned_media"
        fields = f"mentioned_media.media_id({fetch.media_id}){{{MEDIA_FIELDS}}}"
    data = meta._graph_get(token, account.platform_id, {"fields": fields}, account=account)
    node = meta._dict(data.get(node_name))
    if not node:
        raise SendError(
            _("Meta no devolvió la mención: fue borrada o la cuenta que la hizo es privada."),
            permanent=True,
        )
    mention_id = fetch.comment_id or fetch.media_id
    if fetch.comment_id:
        media = meta._dict(node.get("media"))
        owner = meta._str(media.get("username"))
        if owner and _handle(owner) == _handle(account.handle):
            return None
        text = meta._str(node.get("text"))
        author_name = ""
    else:
        text = meta._str(node.get("caption"))
        author_name = meta._str(node.get("username"))
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.MENTION,
        thread_id=mention_id,
        message_id=mention_id,
        sent_at=meta.parse_time(node.get("timestamp")) or fetch.created_at,
        text=text,
        author_name=author_name,
        from_entity=False,
    )


def instagram_mention_reply(conversation: Conversation, text: str) -> tuple[str, dict[str, Any]]:
    """Where and what to POST to answer an Instagram mention conversation: the documented
    ``POST /{ig-user-id}/mentions`` with the media and, for a comment, the comment. Raises
    SendError (permanent) when the mention's ids are unknown."""
    account = conversation.account
    fetch = (
        MentionFetch.objects.filter(account=account)
        .filter(
            Q(comment_id=conversation.thread_id) | Q(comment_id="", media_id=conversation.thread_id)
        )
        .first()
    )
    if fetch is None or not account.platform_id:
        raise SendError(
            _("No se encontró la publicación de esta mención; respóndala en Instagram."),
            permanent=True,
        )
    body: dict[str, Any] = {"media_id": fetch.media_id, "message": text}
    if fetch.comment_id:
        body["comment_id"] = fetch.comment_id
    return f"{account.platform_id}/mentions", body


def schedules_ensure() -> None:
    """The periodic job that reads what a lost task left (idempotent; called after migrate)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "agora.connectors.meta_mentions.mentions_fetch_due",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
        },
    )
