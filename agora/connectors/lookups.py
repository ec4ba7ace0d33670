"""Did an answer get published? After a send whose outcome is unknown (a read timeout, a
connection reset after the request went out, a worker that died mid-send), Ágora looks on the
platform, with its own read API, for the answer it may have published before it ever sends it
again (agora/inbox/tasks.py):

- Facebook comment: ``GET /{comment-id}/comments`` (the comment the answer replies under);
- Instagram comment: ``GET /{comment-id}/replies`` (or ``/{media-id}/comments``);
- Messenger and Instagram direct: ``GET /{page-id}/conversations?user_id=…`` with the
  conversation's messages;
- X: the account's own recent posts (``GET /2/users/:id/tweets``) replying to the same post;
- YouTube: ``comments.list?parentId=…`` (the thread's replies).

A match is the account's own item, published since the answer was written, replying to the
same target, with the same text (compared after undoing what platforms do to text: HTML
entities, shortened links, spacing), whose id no other answer of Ágora already holds.
``find_reply`` returns its id, None when the read shows for certain there is none, and raises
``LookupUnavailable`` when the platform cannot be read completely.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import requests
import urllib3
from django.conf import settings
from django.utils.translation import gettext as _

from agora.connectors import meta, x, youtube
from agora.directory.models import Platform, SocialAccount
from agora.inbox.models import Conversation, Message, SendStatus, ThreadKind
from agora.inbox.senders import LookupUnavailable, SendError

# Platforms' clocks and ours differ a little: items this much older than the answer still count.
CLOCK_MARGIN = timedelta(minutes=5)
MAX_PAGES = 5
_URL = re.compile(r"https?://\S+")
_NEVER_SENT = (
    requests.exceptions.ConnectTimeout,
    requests.exceptions.ProxyError,
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidHeader,
)


def may_have_arrived(exc: requests.RequestException) -> bool:
    """False only when the request certainly never reached the platform (no connection was
    made: name resolution, refused, connect timeout, proxy, a malformed request), so that
    sending again is safe. A read timeout or a connection reset after sending may have
    published it."""
    if isinstance(exc, _NEVER_SENT):
        return False
    if isinstance(exc, requests.ConnectionError) and not isinstance(
        exc, requests.exceptions.SSLError
    ):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)  # urllib3's MaxRetryError wraps the cause
        if isinstance(reason, urllib3.exceptions.ConnectTimeoutError | ConnectionRefusedError):
            return False  # NewConnectionError and NameResolutionError are ConnectTimeoutErrors
    return True


def _normal(text: str) -> str:
    return " ".join(_URL.sub("<enlace>", html.unescape(text or "")).split())


def same_text(ours: str, theirs: str) -> bool:
    """The answer's text as the platform shows it: entities undone, links shortened (X wraps
    them in t.co), spacing collapsed."""
    return _normal(ours) == _normal(theirs)


def _since(message: Message) -> datetime:
    return message.received_at - CLOCK_MARGIN


def _taken(message: Message, ids: Iterable[str]) -> set[str]:
    """Ids of items already recorded as another answer Ágora published (an echo ingested
    from the platform is not: it is this answer's, merged when the send is recorded)."""
    wanted = {i for i in ids if i}
    if not wanted:
        return set()
    return set(
        Message.objects.filter(
            platform=message.platform,
            platform_message_id__in=wanted,
            send_status=SendStatus.ENVIADO,
        )
        .exclude(pk=message.pk)
        .values_list("platform_message_id", flat=True)
    )


def _pick(message: Message, candidates: list[str]) -> str | None:
    taken = _taken(message, candidates)
    return next((c for c in candidates if c not in taken), None)


def _unavailable(platform: str, detail: object) -> LookupUnavailable:
    return LookupUnavailable(
        _("No se pudo consultar %(platform)s para saber si la respuesta se publicó: %(detail)s")
        % {"platform": platform, "detail": str(detail)[:300]}
    )


# --- Meta ----------------------------------------------------------------------------------------


def _graph_get(account: SocialAccount, path: str, params: dict[str, str]) -> dict[str, Any]:
    token = meta._token(account)
    try:
        response = requests.get(
            f"{meta.graph_base_url(account)}/{path.lstrip('/')}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
        )
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise _unavailable("Meta", type(exc).__name__) from exc
    if response.status_code >= 400 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        detail = (error or {}).get("message") if isinstance(error, dict) else ""
        raise _unavailable("Meta", f"HTTP {response.status_code} {detail or ''}".strip())
    return body


def _graph_scan(
    account: SocialAccount, path: str, params: dict[str, str], items_of: str = ""
) -> tuple[list[dict[str, Any]], bool]:
    """Items of a Graph list, following ``paging.next`` (``after`` cursor) up to MAX_PAGES;
    and whether every item was read."""
    items: list[dict[str, Any]] = []
    query = dict(params)
    for _page in range(MAX_PAGES):
        body = _graph_get(account, path, query)
        if items_of:  # the messages of the first conversation
            threads = body.get("data") or []
            if not threads:
                return items, True
            body = (threads[0] or {}).get(items_of) or {}
        items.extend(i for i in body.get("data") or [] if isinstance(i, dict))
        paging = body.get("paging") or {}
        after = str((paging.get("cursors") or {}).get("after") or "")
        if not paging.get("next") or not after or items_of:
            return items, not paging.get("next")
        query["after"] = after
    return items, False


def _meta_find(message: Message) -> str | None:
    conversation = message.conversation
    account = conversation.account
    instagram = account.platform == Platform.INSTAGRAM
    since = _since(message)
    if conversation.thread_kind == ThreadKind.DIRECT:
        owner = account.platform_id if instagram else "me"
        fields = "messages.limit(50){id,message,from,created_time}"
        params = {
            "platform": "instagram" if instagram else "messenger",
            "user_id": conversation.thread_id,
            "fields": fields,
        }
        items, complete = _graph_scan(account, f"{owner}/conversations", params, "messages")
        text_key, time_key = "message", "created_time"
    else:
        target = meta._comment_target(message)
        if instagram:
            on_media = (
                conversation.post is not None and target == conversation.post.platform_post_id
            )
            path = f"{target}/comments" if on_media else f"{target}/replies"
            params = {"fields": "id,text,username,from,timestamp", "limit": "100"}
            text_key, time_key = "text", "timestamp"
        else:
            path = f"{target}/comments"
            params = {
                "fields": "id,message,from,created_time",
                "order": "reverse_chronological",
                "filter": "stream",
                "limit": "100",
            }
            text_key, time_key = "message", "created_time"
        items, complete = _graph_scan(account, path, params)
    handle = account.handle.lstrip("@").lower()
    found: list[str] = []
    older_seen = False
    for item in items:
        when = meta.parse_time(item.get(time_key))
        if when is not None and when < since:
            older_seen = True
            continue
        author = meta._dict(item.get("from"))
        author_id = str(author.get("id") or "")
        username = str(author.get("username") or item.get("username") or "").lower()
        if author_id and author_id != account.platform_id:
            continue
        if not author_id and username and username != handle:
            continue
        if same_text(message.text, str(item.get(text_key) or "")):
            found.append(str(item.get("id") or ""))
    match = _pick(message, found)
    if match is not None:
        return match
    # Facebook comments (asked newest first) and conversations' messages come newest first:
    # an item older than the answer means every newer one was read.
    ordered = not instagram or conversation.thread_kind == ThreadKind.DIRECT
    if not complete and not (older_seen and ordered):
        raise _unavailable("Meta", _("hay más respuestas de las que se pudieron leer"))
    return None


# --- X -----------------------------------------------------------------------------------------


def _x_find(message: Message) -> str | None:
    conversation = message.conversation
    account = conversation.account
    in_reply_to = message.parent_platform_id or conversation.thread_id
    since = _since(message)
    found: list[str] = []
    token = ""
    try:
        client = x.XClient.for_account(account)
        for _page in range(MAX_PAGES):
            body = client.user_tweets(account.platform_id, pagination_token=token).body
            older_seen = False
            for tweet in body.get("data") or []:
                created = meta.parse_time(str(tweet.get("created_at") or "").replace("Z", "+00:00"))
                if created is not None and created < since:
                    older_seen = True
                    continue
                replied = {
                    str(ref.get("id"))
                    for ref in tweet.get("referenced_tweets") or []
                    if isinstance(ref, dict) and ref.get("type") == "replied_to"
                }
                author = str(tweet.get("author_id") or account.platform_id)
                if (
                    in_reply_to in replied
                    and author == account.platform_id
                    and same_text(message.text, str(tweet.get("text") or ""))
                ):
                    found.append(str(tweet.get("id") or ""))
            token = str((body.get("meta") or {}).get("next_token") or "")
            if older_seen or not token:
                break
        else:
            raise _unavailable("X", _("hay más publicaciones de las que se pudieron leer"))
    except x.XError as exc:
        raise _unavailable("X", exc) from exc
    return _pick(message, found)


# --- YouTube -------------------------------------------------------------------------------------


def _youtube_find(message: Message) -> str | None:
    conversation = message.conversation
    account = conversation.account
    since = _since(message)
    found: list[str] = []
    token = ""
    try:
        client = youtube.YouTubeClient.for_account(account)
        for _page in range(MAX_PAGES):
            body = client.comment_replies(conversation.thread_id, page_token=token)
            for comment in body.get("items") or []:
                snippet = (comment or {}).get("snippet") or {}
                published = meta.parse_time(
                    str(snippet.get("publishedAt") or "").replace("Z", "+00:00")
                )
                if published is not None and published < since:
                    continue
                author = str((snippet.get("authorChannelId") or {}).get("value") or "")
                text = str(snippet.get("textOriginal") or snippet.get("textDisplay") or "")
                if author == account.platform_id and same_text(message.text, text):
                    found.append(str(comment.get("id") or ""))
            token = str(body.get("nextPageToken") or "")
            if not token:
                break
        else:
            raise _unavailable("YouTube", _("hay más respuestas de las que se pudieron leer"))
    except youtube.YouTubeError as exc:
        raise _unavailable("YouTube", exc) from exc
    return _pick(message, found)


FINDERS = {
    Platform.FACEBOOK: _meta_find,
    Platform.INSTAGRAM: _meta_find,
    Platform.X: _x_find,
    Platform.YOUTUBE: _youtube_find,
}


def find_reply(message: Message) -> str | None:
    """The platform id of ``message`` (an answer of the entity) if it is published, None if
    the platform shows for certain it is not. Raises LookupUnavailable."""
    finder = FINDERS.get(message.platform)  # type: ignore[call-overload]
    if finder is None:
        raise LookupUnavailable(_("Esta plataforma no permite comprobar si se publicó."))
    try:
        return finder(message)
    except SendError as exc:  # no token, and the like
        raise _unavailable(message.get_platform_display(), exc) from exc


def platform_url(conversation: Conversation, message: Message) -> str:
    """A page of the platform where the answer would show (https only), or ""."""
    account = conversation.account
    post = conversation.post
    post_id = post.platform_post_id if post is not None else ""
    direct = conversation.thread_kind == ThreadKind.DIRECT
    target = message.parent_platform_id or conversation.thread_id
    if account.platform == Platform.X and not direct and target.isdigit():
        return f"https://x.com/i/web/status/{target}"
    if account.platform == Platform.YOUTUBE and post_id:
        return (
            f"https://www.youtube.com/watch?v={quote(post_id)}&lc={quote(conversation.thread_id)}"
        )
    if account.platform in (Platform.FACEBOOK, Platform.INSTAGRAM) and direct:
        return "https://business.facebook.com/latest/inbox/all"
    if post is not None and str(post.url).startswith("https://"):
        return str(post.url)
    if account.platform == Platform.FACEBOOK and post_id:
        return f"https://www.facebook.com/{quote(post_id)}"
    url = str(getattr(account, "url", "") or "")
    return url if url.startswith("https://") else ""
