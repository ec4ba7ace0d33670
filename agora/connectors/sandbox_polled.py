"""The sandbox platform's X and YouTube (demo only): the calls the X connector
(agora/connectors/x.py) and the YouTube connector (agora/connectors/youtube.py) make, answered
for demo accounts holding a sandbox token, under /sandbox/x/2/ and /sandbox/youtube/v3/.

X and YouTube send no webhooks: what the sandbox publishes (an answer, a citizen's post or
comment) is a ``SandboxPublication`` whose ``payload`` is the resource as the platform returns
it (an X post, a YouTube comment), and Ágora's real pollers read it from the timelines here.
``delivered_at`` notes when Ágora first read it.

Shapes follow the platforms' references: X API v2 "POST /2/tweets", "GET /2/users/:id/mentions"
and "GET /2/users/:id/tweets" (docs.x.com); YouTube Data API v3 "Comments: insert",
"Comments: list" and "CommentThreads: list" (developers.google.com/youtube/v3/docs).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.connectors.models import SandboxKind
from agora.connectors.models import SandboxPublication as Publication
from agora.directory.models import Platform, SocialAccount
from agora.inbox.models import Message

PAGE_MAX = 100
# Twitter's snowflake epoch (ms): X ids grow with time, and the X connector relies on it.
_X_EPOCH_MS = 1288834974657
READ_WINDOW = 500  # the newest publications of an account a timeline read looks at


class PlatformRefused(Exception):
    def __init__(self, status: int, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def x_id(when: datetime, sequence: int) -> str:
    """A post id shaped like X's: time in its high bits, so that newer is larger."""
    ms = int(when.timestamp() * 1000) - _X_EPOCH_MS
    return str((ms << 22) | (sequence & 0x3FFFFF))


def _x_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{when.microsecond // 1000:03d}Z"
    )


def _yt_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _author_of(account: SocialAccount, target: str) -> str:
    """Who wrote the post ``target``: from what the sandbox published or Ágora stored."""
    known = Publication.objects.filter(account=account, platform_id=target).first()
    if known is not None:
        return str((known.payload or {}).get("author_id") or "")
    message = (
        Message.objects.filter(platform=account.platform, platform_message_id=target)
        .only("author_id")
        .first()
    )
    return message.author_id if message is not None else ""


def _recent(account: SocialAccount, kinds: Sequence[str]) -> QuerySet[Publication]:
    return Publication.objects.filter(account=account, kind__in=kinds).order_by("-pk")


def _mark_read(rows: list[Publication]) -> None:
    unread = [row.pk for row in rows if row.delivered_at is None]
    if unread:
        Publication.objects.filter(pk__in=unread).update(delivered_at=timezone.now())


def _page(items: list[Any], token: str, size: int) -> tuple[list[Any], str]:
    """One page of ``items`` and the token of the next (an offset)."""
    start = int(token) if token.isdigit() else 0
    chunk = items[start : start + size]
    following = str(start + size) if start + size < len(items) else ""
    return chunk, following


def _size(value: str, default: int = PAGE_MAX) -> int:
    return max(1, min(PAGE_MAX, int(value))) if value.isdigit() else default


# --- X ------------------------------------------------------------------------------------------


def x_post(account: SocialAccount, *, text: str, author_id: str, in_reply_to: str = "") -> dict:
    """An X post (API v2 ``data`` item) written now by ``author_id``."""
    now = timezone.now()
    tweet: dict[str, Any] = {
        "id": "",
        "text": text,
        "author_id": author_id,
        "created_at": _x_time(now),
        "edit_history_tweet_ids": [],
    }
    if in_reply_to:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": in_reply_to}]
        replied = _author_of(account, in_reply_to)
        if replied:
            tweet["in_reply_to_user_id"] = replied
    return tweet


def _x_store(account: SocialAccount, kind: str, tweet: dict[str, Any], target: str) -> Publication:
    publication = Publication.objects.create(
        account=account,
        kind=kind,
        platform_id=f"pendiente-{uuid.uuid4().hex}",
        target_id=target,
        text=str(tweet["text"]),
    )
    tweet_id = x_id(publication.created_at, publication.pk)
    tweet["id"] = tweet_id
    tweet["conversation_id"] = target or tweet_id
    tweet["edit_history_tweet_ids"] = [tweet_id]
    publication.platform_id = tweet_id
    publication.payload = tweet
    publication.save(update_fields=["platform_id", "payload"])
    return publication


@transaction.atomic
def x_publish(*, account: SocialAccount, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """``POST /2/tweets`` (a reply): records it and answers like X (201 ``{"data": …}``)."""
    if path.strip("/") != "tweets":
        raise PlatformRefused(404, "operación no disponible en la plataforma de prueba")
    text = str(body.get("text") or "")
    in_reply_to = str((body.get("reply") or {}).get("in_reply_to_tweet_id") or "")
    if not text:
        raise PlatformRefused(400, "text es obligatorio")
    tweet = x_post(account, text=text, author_id=account.platform_id, in_reply_to=in_reply_to)
    _x_store(account, SandboxKind.COMENTARIO, tweet, in_reply_to)
    return {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}}


def x_read(*, account: SocialAccount, path: str, params: dict[str, str]) -> dict[str, Any]:
    """``GET /2/users/:id/mentions`` (citizens' posts) and ``GET /2/users/:id/tweets`` (the
    account's own posts), newest first, with ``since_id``, ``start_time`` and pages."""
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) != 3 or parts[0] != "users" or parts[2] not in {"mentions", "tweets"}:
        raise PlatformRefused(404, "operación no disponible en la plataforma de prueba")
    if parts[1] != account.platform_id:
        raise PlatformRefused(403, "el token no es de esta cuenta")
    kinds = [SandboxKind.CIUDADANO] if parts[2] == "mentions" else [SandboxKind.COMENTARIO]
    since = params.get("since_id", "")
    start = params.get("start_time", "")
    rows = []
    for row in _recent(account, kinds)[:READ_WINDOW]:
        if not row.platform_id.isdigit():
            continue
        if since.isdigit() and int(row.platform_id) <= int(since):
            continue
        if start and str(row.payload.get("created_at") or "") < start:
            continue
        rows.append(row)
    rows.sort(key=lambda r: int(r.platform_id), reverse=True)
    chunk, following = _page(
        rows, params.get("pagination_token", ""), _size(params.get("max_results", ""))
    )
    _mark_read(chunk)
    data = [dict(row.payload) for row in chunk]
    meta: dict[str, Any] = {"result_count": len(data)}
    if data:
        meta["newest_id"] = data[0]["id"]
        meta["oldest_id"] = data[-1]["id"]
    if following:
        meta["next_token"] = following
    answer: dict[str, Any] = {"meta": meta}
    if data:
        answer["data"] = data
        users = {
            str(row.payload.get("author_id")): row.payload.get("_usuario")
            for row in chunk
            if row.payload.get("_usuario")
        }
        if users:
            answer["includes"] = {"users": list(users.values())}
        for item in data:
            item.pop("_usuario", None)
    return answer


# --- YouTube -----------------------------------------------------------------------------------


def yt_comment(
    account: SocialAccount,
    *,
    comment_id: str,
    text: str,
    author_id: str,
    author_name: str,
    parent_id: str = "",
    video_id: str = "",
) -> dict[str, Any]:
    """A ``youtube#comment`` resource written now."""
    now = _yt_time(timezone.now())
    snippet: dict[str, Any] = {
        "channelId": account.platform_id,
        "textDisplay": text,
        "textOriginal": text,
        "authorDisplayName": author_name,
        "authorChannelId": {"value": author_id},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 0,
        "publishedAt": now,
        "updatedAt": now,
    }
    if parent_id:
        snippet["parentId"] = parent_id
    if video_id:
        snippet["videoId"] = video_id
    return {
        "kind": "youtube#comment",
        "etag": uuid.uuid4().hex,
        "id": comment_id,
        "snippet": snippet,
    }


@transaction.atomic
def yt_publish(
    *, account: SocialAccount, path: str, params: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """``comments.insert`` (a reply under a top-level comment): records it and answers with
    the new ``youtube#comment``."""
    if path.strip("/") != "comments":
        raise PlatformRefused(404, "operación no disponible en la plataforma de prueba")
    snippet = body.get("snippet") or {}
    parent = str(snippet.get("parentId") or "")
    text = str(snippet.get("textOriginal") or "")
    if not (parent and text):
        raise PlatformRefused(400, "snippet.parentId y snippet.textOriginal son obligatorios")
    comment_id = f"{parent}.{uuid.uuid4().hex[:22]}"
    resource = yt_comment(
        account,
        comment_id=comment_id,
        text=text,
        author_id=account.platform_id,
        author_name=account.display_handle,
        parent_id=parent,
    )
    Publication.objects.create(
        account=account,
        kind=SandboxKind.COMENTARIO,
        platform_id=comment_id,
        target_id=parent,
        text=text,
        payload=resource,
    )
    return resource


def _replies(account: SocialAccount, parent: str) -> list[Publication]:
    return list(
        Publication.objects.filter(
            account=account, kind=SandboxKind.COMENTARIO, target_id=parent
        ).order_by("pk")
    )


def yt_read(*, account: SocialAccount, path: str, params: dict[str, str]) -> dict[str, Any]:
    """``commentThreads.list?allThreadsRelatedToChannelId=`` (the citizens' threads with their
    replies, newest first), ``commentThreads.list?id=`` (those threads by id) and
    ``comments.list?parentId=`` (the replies of one thread)."""
    size = _size(params.get("maxResults", ""), 20)
    token = params.get("pageToken", "")
    resource = path.strip("/")
    if resource == "comments":
        parent = params.get("parentId", "")
        if not parent:
            raise PlatformRefused(400, "parentId es obligatorio", "missingRequiredParameter")
        rows, following = _page(_replies(account, parent), token, size)
        _mark_read(rows)
        answer: dict[str, Any] = {
            "kind": "youtube#commentListResponse",
            "items": [row.payload for row in rows],
        }
    elif resource == "commentThreads" and params.get("id"):
        # By id (youtube.threads_check): the threads that still exist, without their replies.
        wanted = set(params["id"].split(","))
        found = _recent(account, [SandboxKind.CIUDADANO]).filter(platform_id__in=wanted)
        answer = {
            "kind": "youtube#commentThreadListResponse",
            "items": [
                {"kind": "youtube#commentThread", "etag": uuid.uuid4().hex, "id": pid}
                for pid in found.values_list("platform_id", flat=True)
            ],
        }
        following = ""
    elif resource == "commentThreads":
        if params.get("allThreadsRelatedToChannelId", "") != account.platform_id:
            raise PlatformRefused(403, "el token no es de este canal", "forbidden")
        threads = list(_recent(account, [SandboxKind.CIUDADANO])[:READ_WINDOW])
        chunk, following = _page(threads, token, size)
        items = []
        read = list(chunk)
        for thread in chunk:
            replies = _replies(account, thread.platform_id)
            read.extend(replies)
            top = thread.payload
            items.append(
                {
                    "kind": "youtube#commentThread",
                    "etag": uuid.uuid4().hex,
                    "id": thread.platform_id,
                    "snippet": {
                        "channelId": account.platform_id,
                        "videoId": top["snippet"].get("videoId", ""),
                        "topLevelComment": top,
                        "canReply": True,
                        "totalReplyCount": len(replies),
                        "isPublic": True,
                    },
                    "replies": {"comments": [r.payload for r in replies[:5]]},
                }
            )
        _mark_read(read)
        answer = {"kind": "youtube#commentThreadListResponse", "items": items}
    else:
        raise PlatformRefused(404, "operación no disponible en la plataforma de prueba")
    answer["pageInfo"] = {"totalResults": len(answer["items"]), "resultsPerPage": size}
    if following:
        answer["nextPageToken"] = following
    return answer


# --- citizens ----------------------------------------------------------------------------------


def citizen_publish(
    account: SocialAccount, *, text: str, number: int, rng: random.Random
) -> Publication:
    """A new citizen post mentioning the X account, or a new top-level comment on the
    YouTube channel's video; read by Ágora's poller."""
    name = _("Ciudadana de prueba %(n)s") % {"n": number}
    if account.platform == Platform.X:
        author_id = str(9 * 10**17 + number)
        tweet = x_post(account, text=f"@{account.handle.lstrip('@')} {text}", author_id=author_id)
        tweet["_usuario"] = {"id": author_id, "name": name, "username": f"ciudadana{number}"}
        return _x_store(account, SandboxKind.CIUDADANO, tweet, "")
    comment_id = "Ugx" + uuid.UUID(int=rng.getrandbits(128)).hex[:21] + "AaABAg"
    resource = yt_comment(
        account,
        comment_id=comment_id,
        text=text,
        author_id=f"UCsandbox{number:06d}",
        author_name=name,
        video_id=f"sandbox{timezone.now():%Y%m%d}",
    )
    return Publication.objects.create(
        account=account,
        kind=SandboxKind.CIUDADANO,
        platform_id=comment_id,
        post_id=resource["snippet"]["videoId"],
        text=text,
        payload=resource,
    )
