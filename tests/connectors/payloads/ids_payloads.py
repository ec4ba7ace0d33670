"""Payloads of part "ids" of issue 14 (long platform ids, X edit chains and reposts, YouTube
edits and deletions, imports), written here with the fields of the platforms' documented
shapes. Each builder names the page it follows (``_fuente``); nothing is copied from a
recording.
"""

from __future__ import annotations

import base64
from typing import Any

# --- Instagram direct messages ---------------------------------------------------------------
# _fuente: Meta for Developers, "Instagram Messaging › Webhooks" (messages, message_edit,
# is_deleted) and the Messenger Platform "messages" webhook reference: an entry per Instagram
# account with ``messaging`` events {sender, recipient, timestamp (ms), message{mid, text}}.
# Real Instagram message ids are base64 of "ig_message_item:1:IGMessageID:<account>:<a>:<b>"
# (about 164 characters); these are built the same way with made-up numbers.

IG_ACCOUNT_ID = "17841400000000777"
IG_CITIZEN_ID = "6543210987654321"


def ig_message_id(seed: int) -> str:
    """An Instagram-style message id (~164 characters), different for each ``seed``."""
    raw = (
        f"ig_message_item:1:IGMessageID:{IG_ACCOUNT_ID}:"
        f"{340282366841710300949128140000000000000 + seed}:"
        f"{31857368813832850850446376469163584 + seed}"
    )
    return base64.b64encode(raw.encode()).decode().rstrip("=") + "ZDZD"


def ig_dm(mid: str, text: str, *, ms: int, echo: bool = False) -> dict[str, Any]:
    sender, recipient = (IG_ACCOUNT_ID, IG_CITIZEN_ID) if echo else (IG_CITIZEN_ID, IG_ACCOUNT_ID)
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": ms,
        "message": message,
    }


def ig_dm_edit(mid: str, text: str, *, ms: int) -> dict[str, Any]:
    # _fuente: Instagram Messaging webhooks, "message_edit" {mid, text, num_edit}.
    return {
        "sender": {"id": IG_CITIZEN_ID},
        "recipient": {"id": IG_ACCOUNT_ID},
        "timestamp": ms,
        "message_edit": {"mid": mid, "text": text, "num_edit": 1},
    }


def ig_dm_unsend(mid: str, *, ms: int) -> dict[str, Any]:
    # _fuente: Instagram Messaging webhooks: an unsent message arrives with is_deleted: true.
    return {
        "sender": {"id": IG_CITIZEN_ID},
        "recipient": {"id": IG_ACCOUNT_ID},
        "timestamp": ms,
        "message": {"mid": mid, "is_deleted": True},
    }


def ig_webhook(*events: dict[str, Any], time_s: int) -> dict[str, Any]:
    return {
        "object": "instagram",
        "entry": [{"id": IG_ACCOUNT_ID, "time": time_s, "messaging": list(events)}],
    }


# --- X API v2 -------------------------------------------------------------------------------
# _fuente: developer.x.com, "Tweet object" (API v2 data dictionary: id, text, author_id,
# created_at, conversation_id, in_reply_to_user_id, referenced_tweets[{type: replied_to |
# quoted | retweeted, id}], edit_history_tweet_ids: "all versions of an edited post, oldest
# first, most recent last") and "GET /2/users/:id/mentions" (data, includes.users, meta).

X_ENTITY_ID = "1240392157542305793"
X_ENTITY_HANDLE = "Minsa_Peru"
X_CITIZEN = {"id": "2244994945", "name": "Rosa Quispe", "username": "rosaq"}
X_OTHER = {"id": "783214", "name": "Juan Pérez", "username": "juanp"}


def x_post(
    post_id: str | int,
    text: str,
    *,
    author_id: str = X_CITIZEN["id"],
    created_at: str | int | None = "2024-05-02T14:00:00.000Z",
    history: list[str | int] | None = None,
    replied_to: str | None = None,
    in_reply_to_user_id: str | None = None,
    quoted: str | None = None,
    retweeted: str | None = None,
) -> dict[str, Any]:
    post: dict[str, Any] = {
        "id": post_id,
        "text": text,
        "author_id": author_id,
        "conversation_id": str(replied_to or post_id),
        "edit_history_tweet_ids": history if history is not None else [str(post_id)],
    }
    if created_at is not None:
        post["created_at"] = created_at
    refs = []
    if replied_to:
        refs.append({"type": "replied_to", "id": replied_to})
    if quoted:
        refs.append({"type": "quoted", "id": quoted})
    if retweeted:
        refs.append({"type": "retweeted", "id": retweeted})
    if refs:
        post["referenced_tweets"] = refs
    if in_reply_to_user_id:
        post["in_reply_to_user_id"] = in_reply_to_user_id
    return post


def x_page(posts: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    if not posts:
        return {"meta": {"result_count": 0}}
    meta: dict[str, Any] = {
        "newest_id": str(posts[0].get("id", "")),
        "oldest_id": str(posts[-1].get("id", "")),
        "result_count": len(posts),
    }
    if next_token:
        meta["next_token"] = next_token
    return {
        "data": posts,
        "includes": {
            "users": [
                u
                for u in (X_CITIZEN, X_OTHER)
                if u["id"] in {str(p.get("author_id")) for p in posts}
            ]
        },
        "meta": meta,
    }


# --- YouTube Data API v3 ----------------------------------------------------------------------
# _fuente: developers.google.com/youtube/v3/docs/commentThreads (resource: id, snippet{
# channelId, videoId, topLevelComment, totalReplyCount, canReply, isPublic}, replies{comments})
# and docs/comments (snippet{authorDisplayName, authorChannelId{value}, textDisplay,
# textOriginal, parentId, publishedAt, updatedAt}); commentThreads.list response {kind, etag,
# nextPageToken, pageInfo, items}. Reply ids are "<thread id>.<reply part>", long.

YT_CHANNEL = "UCminsaOficialCanal00001"
YT_VIDEO = "dQw4w9WgXcQ"


def yt_comment(
    comment_id: str,
    text: str,
    *,
    published: str,
    updated: str | None = None,
    parent_id: str | None = None,
    author: tuple[str, str] = ("UCciudadana000000000001", "Vecina Arequipa"),
) -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "channelId": YT_CHANNEL,
        "videoId": YT_VIDEO,
        "textDisplay": text,
        "textOriginal": text,
        "authorDisplayName": author[1],
        "authorChannelId": {"value": author[0]},
        "canRate": True,
        "viewerRating": "none",
        "likeCount": 0,
        "publishedAt": published,
        "updatedAt": updated or published,
    }
    if parent_id:
        snippet["parentId"] = parent_id
    return {"kind": "youtube#comment", "etag": "e", "id": comment_id, "snippet": snippet}


def yt_thread(
    top: dict[str, Any],
    replies: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    total: int | None = None,
    channel: str | None = YT_CHANNEL,
) -> dict[str, Any]:
    snippet: dict[str, Any] = {
        "videoId": YT_VIDEO,
        "topLevelComment": top,
        "canReply": True,
        "totalReplyCount": len(replies) if total is None else total,
        "isPublic": True,
    }
    if channel is not None:
        snippet["channelId"] = channel
    thread: dict[str, Any] = {
        "kind": "youtube#commentThread",
        "etag": "t",
        "id": top["id"],
        "snippet": snippet,
    }
    if replies:
        thread["replies"] = {"comments": list(replies)}
    return thread


def yt_page(threads: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "youtube#commentThreadListResponse",
        "etag": "p",
        "pageInfo": {"totalResults": len(threads), "resultsPerPage": 100},
        "items": threads,
    }
    if next_token:
        body["nextPageToken"] = next_token
    return body
