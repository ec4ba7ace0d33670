"""The X connector (API v2): polls each account's mentions timeline, and the replies the
entity posted directly on X (its own posts timeline), into the inbox and sends answers as
replies. Reads and writes use the account's OAuth 2.0 user-context bearer token.

Two streams are read per account, each with its own resume state on the ``PollCursor``
(mentions: ``since_id``/``page_token``/``wait_until``; own posts: ``replies_since_id``/
``replies_page_token``/``replies_wait_until``), since X counts their rate limits apart.
Own posts are read only after a complete mentions run, so the citizen post a reply answers is
already stored; only replies (``referenced_tweets`` of type ``replied_to``) to somebody else,
in a thread Ágora already holds for the account, are ingested, as the entity's answers. A
recent reply whose thread is not held yet (the mentions timeline can lag) keeps the own-posts
``since_id`` just before it, so it is read again, for up to ``REPLY_GRACE``.

Polling and resuming (``PollCursor``):

* A *run* reads ``GET /2/users/:id/mentions?since_id=S`` page by page (newest first,
  ``meta.next_token`` -> ``pagination_token``) with ``S`` fixed for the whole run.
* Each page is ingested and the cursor saved in one transaction, so the cursor never
  points past a page that was not stored, nor before one that was.
* While a run is unfinished, ``since_id`` stays ``S`` and ``page_token`` holds
  ``"<newest id seen in this run>:<oldest post to read again, or empty>:<next_token>"``.
  A run interrupted by the rate limit, an error or a crash resumes with the same ``S`` and
  the saved token: nothing is read twice and nothing older than ``S`` is skipped.
* Only when the last page has been stored does ``since_id`` move to the newest id of the
  whole run (remembered in ``page_token``). Mentions posted while a run was interrupted are
  newer than that id, so the following run reads them.
* If X rejects a saved ``pagination_token`` (400), the run restarts from ``S`` without it:
  pages already stored come again and idempotent ingestion absorbs them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agora.connectors.attachments import x_media_index, x_tweet_attachments
from agora.connectors.models import AccountCredential, PollCursor
from agora.connectors.tasks import PollResult
from agora.directory.models import Platform, SocialAccount
from agora.inbox.models import Message, MessageAlias, ThreadKind
from agora.inbox.senders import SendError, SendUncertain
from agora.inbox.services import IncomingMessage, messages_ingest

MAX_RESULTS = 100
# edit_history_tweet_ids is a default field of every post object: it is asked for anyway.
TWEET_FIELDS = (
    "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets,"
    "attachments,entities"
)
OWN_TWEET_FIELDS = "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets"
USER_FIELDS = "name,username"
EXPANSIONS = "author_id,attachments.media_keys"
# The photos, videos and GIFs of the mentions (agora/connectors/attachments.py).
MEDIA_FIELDS = "media_key,type,url,preview_image_url,alt_text,variants"
DEFAULT_WAIT = timedelta(minutes=15)  # X's rate-limit window, when it sends no reset header
# How long an own reply in a thread the inbox does not hold yet is read again, waiting for the
# citizen's post to show up in the mentions timeline.
REPLY_GRACE = timedelta(hours=1)
_STATE_SEPARATOR = ":"


class XError(Exception):
    """X failed or refused. ``retryable``: the same request may succeed later;
    ``wait_until``: X asked us not to call before then."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        wait_until: datetime | None = None,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.wait_until = wait_until
        # The request may have reached X but no answer came back (agora/connectors/lookups.py).
        self.uncertain = uncertain


@dataclass(frozen=True)
class XPage:
    """One response body with the rate-limit headers that came with it."""

    body: dict[str, Any]
    remaining: int | None
    reset_at: datetime | None


def _header_int(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name, "")
    try:
        return int(value)
    except ValueError:
        return None


def _reset_at(response: requests.Response) -> datetime | None:
    reset = _header_int(response, "x-rate-limit-reset")  # epoch seconds
    return datetime.fromtimestamp(reset, tz=UTC) if reset is not None else None


def _problem(response: requests.Response) -> str:
    """The human part of an X error body (``detail``/``title`` or ``errors[].message``)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if not isinstance(body, dict):
        return str(body)[:300]
    if body.get("detail") or body.get("title"):
        return str(body.get("detail") or body.get("title"))
    errors = body.get("errors") or []
    messages = [str(e.get("message", "")) for e in errors if isinstance(e, dict)]
    return "; ".join(m for m in messages if m) or response.reason


def api_base_url(account: SocialAccount) -> str:
    """Where the account's X calls go: the sandbox platform Ágora runs itself
    (agora/connectors/sandbox_polled.py) for demo accounts while it is on, X for every other."""
    from agora.connectors import sandbox

    if sandbox.uses_sandbox(account):
        return sandbox.api_url(Platform.X)
    return str(settings.X_API_URL)


def _arrived(exc: requests.RequestException) -> bool:
    from agora.connectors.lookups import may_have_arrived

    return may_have_arrived(exc)


class XClient:
    """A thin client for the two X endpoints Ágora uses."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or settings.X_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.CONNECTOR_TIMEOUT_SECONDS
        self.session = session or requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.session.headers["User-Agent"] = "Agora/1.0 (gob.pe)"

    @classmethod
    def for_account(cls, account: SocialAccount) -> XClient:
        credential = AccountCredential.objects.filter(account=account).first()
        if credential is None or not credential.secret:
            raise XError(
                _("La cuenta %(account)s no tiene una credencial de X registrada.")
                % {"account": str(account)}
            )
        return cls(credential.secret, base_url=api_base_url(account))

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(
                method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs
            )
        except requests.Timeout as exc:
            raise XError(
                _("X no respondió a tiempo."), retryable=True, uncertain=_arrived(exc)
            ) from exc
        except requests.RequestException as exc:
            raise XError(
                _("No se pudo conectar con X: %(error)s") % {"error": exc},
                retryable=True,
                uncertain=_arrived(exc),
            ) from exc

    def _raise_for(self, response: requests.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        detail = _problem(response)
        if status == 429:
            raise XError(
                _("X limitó las consultas (429): %(detail)s") % {"detail": detail},
                status=status,
                retryable=True,
                wait_until=_reset_at(response) or timezone.now() + DEFAULT_WAIT,
            )
        raise XError(
            _("X respondió %(status)s: %(detail)s") % {"status": status, "detail": detail},
            status=status,
            retryable=status >= 500,
        )

    def _timeline(self, path: str, params: dict[str, str]) -> XPage:
        response = self._request("GET", path, params=params)
        self._raise_for(response)
        try:
            body = response.json()
        except ValueError as exc:
            raise XError(_("X devolvió una respuesta que no es JSON."), retryable=True) from exc
        return XPage(
            body=body if isinstance(body, dict) else {},
            remaining=_header_int(response, "x-rate-limit-remaining"),
            reset_at=_reset_at(response),
        )

    def mentions(self, user_id: str, since_id: str = "", pagination_token: str = "") -> XPage:
        """One page of ``GET /2/users/:id/mentions``, newest first."""
        params = {
            "max_results": str(MAX_RESULTS),
            "expansions": EXPANSIONS,
            "tweet.fields": TWEET_FIELDS,
            "user.fields": USER_FIELDS,
            "media.fields": MEDIA_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self._timeline(f"/users/{user_id}/mentions", params)

    def user_tweets(self, user_id: str, since_id: str = "", pagination_token: str = "") -> XPage:
        """One page of ``GET /2/users/:id/tweets`` (the account's own posts, newest first;
        reposts excluded)."""
        params = {
            "max_results": str(MAX_RESULTS),
            "exclude": "retweets",
            "tweet.fields": OWN_TWEET_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self._timeline(f"/users/{user_id}/tweets", params)

    def post(self, text: str) -> str:
        """``POST /2/tweets`` (a post of the account, not a reply); returns its id."""
        response = self._request("POST", "/tweets", json={"text": text})
        self._raise_for(response)
        try:
            tweet_id = str(response.json()["data"]["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise XError(_("X no devolvió el id de la publicación."), uncertain=True) from exc
        return tweet_id

    def reply(self, text: str, in_reply_to_tweet_id: str) -> str:
        """``POST /2/tweets`` as a reply; returns the new post's id."""
        response = self._request(
            "POST",
            "/tweets",
            json={"text": text, "reply": {"in_reply_to_tweet_id": in_reply_to_tweet_id}},
        )
        self._raise_for(response)
        try:
            tweet_id = str(response.json()["data"]["id"])
        except (ValueError, KeyError, TypeError) as exc:
            raise XError(
                _("X no devolvió el id de la respuesta publicada."), uncertain=True
            ) from exc
        return tweet_id


# --- parsing -----------------------------------------------------------------------------------


def _parse_time(value: object) -> datetime:
    """X's ISO 8601 ``created_at``; also unix seconds or milliseconds (as a number or digits),
    as other tools write them in exported pages. Raises ValueError when unreadable."""
    if isinstance(value, bool):
        raise ValueError(value)
    text = str(value).strip()
    if isinstance(value, int | float) or text.isdigit():
        seconds = float(text)
        seconds = seconds / 1000 if seconds > 10**11 else seconds
        return datetime.fromtimestamp(seconds, tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time_or_none(value: object) -> datetime | None:
    try:
        return _parse_time(value)
    except (ValueError, OverflowError, OSError):
        return None


def _is_repost(tweet: dict[str, Any]) -> bool:
    """A repost (retweet) repeats somebody's post: never a citizen's message. A quote
    (``quoted``) is the citizen's own words and stays one."""
    return any(
        isinstance(ref, dict) and ref.get("type") == "retweeted"
        for ref in tweet.get("referenced_tweets") or []
    )


def _versions(tweet: dict[str, Any], tweet_id: str) -> tuple[str, tuple[str, ...], bool]:
    """(the message's id, its other ids, whether this is its latest version) from X's
    ``edit_history_tweet_ids`` (oldest first, the latest version last): an edited post is a
    new post with a new id, and the message keeps the original post's id."""
    history = [str(i) for i in tweet.get("edit_history_tweet_ids") or [] if str(i or "")]
    if len(history) <= 1 or tweet_id not in history:
        return tweet_id, (), True
    return history[0], tuple(history[1:]), tweet_id == history[-1]


def _tweet_problem(tweet: object, position: int = 0) -> str:
    """Why the post at ``position`` (1-based) of a page's ``data`` cannot be read (a Spanish
    reason), or ""."""
    if not isinstance(tweet, dict):
        return _("elemento %(n)s de «data»: no es un objeto.") % {"n": position}
    tweet_id = str(tweet.get("id") or "")
    if not tweet_id:
        return _("elemento %(n)s de «data»: no tiene «id».") % {"n": position}
    if tweet.get("created_at") in (None, ""):
        return _(
            "elemento %(n)s de «data» (publicación %(id)s): no tiene «created_at» "
            "(se pide con tweet.fields=created_at)."
        ) % {"n": position, "id": tweet_id}
    if _time_or_none(tweet.get("created_at")) is None:
        return _("elemento %(n)s de «data» (publicación %(id)s): fecha «created_at» no válida.") % {
            "n": position,
            "id": tweet_id,
        }
    return ""


def _author_name(user: dict[str, Any] | None) -> str:
    if not user:
        return ""
    name = str(user.get("name") or "")
    username = str(user.get("username") or "")
    if name and username:
        return f"{name} (@{username})"
    return name or (f"@{username}" if username else "")


def parse_mentions(
    page: dict[str, Any],
    account: SocialAccount,
    *,
    problems: list[str] | None = None,
    ignored: Counter[str] | None = None,
) -> list[IncomingMessage]:
    """The posts of one mentions page as inbox events. A citizen's post that mentions the
    account, or replies to one of the account's own posts, opens its own conversation (the
    account's post is its context); a reply to any other post joins the conversation of the
    post it answers (ingestion finds it; an unknown parent's id is the thread until then).
    Posts written by the account itself are the entity's answers.

    An edited post (a new id whose ``edit_history_tweet_ids`` starts with the original's)
    edits the original's message, and its new id is kept as another id of it; an earlier
    version superseded by a later one is left out. Reposts are left out (``ignored``); a
    quote is a citizen's message. Posts that cannot be read (no id, no ``created_at``) are
    left out with the reason appended to ``problems``."""
    users = {
        str(u.get("id")): u
        for u in (page.get("includes") or {}).get("users") or []
        if isinstance(u, dict)
    }
    ignored = ignored if ignored is not None else Counter()
    media = x_media_index(page)
    events = []
    for position, tweet in enumerate(page.get("data") or [], start=1):
        problem = _tweet_problem(tweet, position)
        if problem:
            if problems is not None:
                problems.append(problem)
            continue
        if _is_repost(tweet):
            ignored["repost"] += 1
            continue
        tweet_id = str(tweet.get("id") or "")
        message_id, aliases, latest = _versions(tweet, tweet_id)
        if not latest and tweet_id != message_id:
            ignored["version_anterior"] += 1  # a later version of it carries the text
            continue
        author_id = str(tweet.get("author_id") or "")
        parent = next(
            (
                str(ref.get("id"))
                for ref in tweet.get("referenced_tweets") or []
                if ref.get("type") == "replied_to"
            ),
            "",
        )
        to_entity = bool(parent) and (
            bool(account.platform_id)
            and str(tweet.get("in_reply_to_user_id") or "") == account.platform_id
        )
        events.append(
            IncomingMessage(
                platform=Platform.X,
                account_id=account.pk,
                thread_kind=ThreadKind.MENTION,
                thread_id=message_id if to_entity or not parent else parent,
                message_id=message_id,
                sent_at=_parse_time(tweet["created_at"]),
                text=str(tweet.get("text") or ""),
                author_id=author_id,
                author_name=_author_name(users.get(author_id)),
                parent_id=parent,
                verb="edit" if tweet_id != message_id else "add",
                from_entity=bool(account.platform_id) and author_id == account.platform_id,
                post_id=parent if to_entity else "",
                attachments=x_tweet_attachments(tweet, media),
                aliases=aliases,
            )
        )
    # Oldest first: a new conversation takes its subject and author from its first event.
    events.sort(key=lambda event: event.sent_at)
    return events


def _own_replies(
    page: dict[str, Any], account: SocialAccount
) -> tuple[list[IncomingMessage], list[tuple[str, datetime]]]:
    """(the replies to ingest, the (id, time) of replies in threads the inbox does not hold)."""
    candidates: list[tuple[dict[str, Any], str]] = []
    for tweet in page.get("data") or []:
        if not isinstance(tweet, dict) or _is_repost(tweet):
            continue
        if str(tweet.get("author_id") or account.platform_id) != account.platform_id:
            continue
        parent = next(
            (
                str(ref.get("id"))
                for ref in tweet.get("referenced_tweets") or []
                if ref.get("type") == "replied_to" and ref.get("id")
            ),
            "",
        )
        replied_user = str(tweet.get("in_reply_to_user_id") or "")
        if not parent or replied_user == account.platform_id:
            continue
        if _tweet_problem(tweet):
            continue
        candidates.append((tweet, parent))
    if not candidates:
        return [], []
    # An answer belongs to the conversation of the post it replies to, when the inbox has it
    # (under the post's own id, or another id of it: an edited post's later version).
    parents = {p for _t, p in candidates}
    known = set(
        Message.objects.filter(
            platform=Platform.X,
            platform_message_id__in=parents,
            conversation__account=account,
            conversation__thread_kind=ThreadKind.MENTION,
        ).values_list("platform_message_id", flat=True)
    ) | set(
        MessageAlias.objects.filter(
            platform=Platform.X,
            alias_id__in=parents,
            message__conversation__account=account,
            message__conversation__thread_kind=ThreadKind.MENTION,
        ).values_list("alias_id", flat=True)
    )
    author = f"{account.entity.name} ({account.display_handle})"
    events = []
    unknown = []
    for tweet, parent in candidates:
        tweet_id = str(tweet["id"])
        sent_at = _parse_time(tweet["created_at"])
        thread_id = parent
        if parent not in known:
            unknown.append((tweet_id, sent_at))
            continue
        # The entity edited its reply on X: the answer's message changes, no second answer.
        message_id, aliases, latest = _versions(tweet, tweet_id)
        if not latest and tweet_id != message_id:
            continue
        events.append(
            IncomingMessage(
                platform=Platform.X,
                account_id=account.pk,
                thread_kind=ThreadKind.MENTION,
                thread_id=thread_id,
                message_id=message_id,
                sent_at=sent_at,
                text=str(tweet.get("text") or ""),
                author_id=account.platform_id,
                author_name=author,
                parent_id=parent,
                verb="edit" if tweet_id != message_id else "add",
                from_entity=True,
                aliases=aliases,
            )
        )
    events.sort(key=lambda event: event.sent_at)
    return events, unknown


def parse_own_replies(page: dict[str, Any], account: SocialAccount) -> list[IncomingMessage]:
    """The replies of one page of the account's own posts, as the entity's answers in the
    conversation of the post they answer. Kept: posts written by the
    account that reply (``referenced_tweets`` type ``replied_to``) to somebody else's post, in
    a thread the inbox already holds for this account. Left out: original posts, quotes,
    replies to its own posts (threads of the entity) and replies in threads Ágora never saw."""
    return _own_replies(page, account)[0]


def _parse_own_page(
    page: dict[str, Any], account: SocialAccount, now: datetime
) -> tuple[list[IncomingMessage], str]:
    """The replies to ingest, and the oldest recent reply whose thread is not in the inbox
    yet: X's mentions timeline may list the citizen's post some time after the entity's
    timeline shows the answer, so such replies are read again until ``REPLY_GRACE`` passes."""
    events, unknown = _own_replies(page, account)
    recent = [tweet_id for tweet_id, sent_at in unknown if now - sent_at < REPLY_GRACE]
    return events, min(recent, key=_snowflake) if recent else ""


# --- polling -----------------------------------------------------------------------------------


def _snowflake(tweet_id: str) -> int:
    return int(tweet_id) if tweet_id.isdigit() else 0


def _older(a: str, b: str) -> str:
    """The older of two post ids, ignoring empty ones."""
    if not a.isdigit():
        return b if b.isdigit() else ""
    if not b.isdigit():
        return a
    return a if int(a) <= int(b) else b


def _before(tweet_id: str) -> str:
    """A ``since_id`` that includes ``tweet_id`` (since_id is exclusive)."""
    return str(int(tweet_id) - 1) if tweet_id.isdigit() and int(tweet_id) > 0 else ""


def _newer(a: str, b: str) -> str:
    """The newer of two post ids (X ids are snowflakes: numeric order is time order)."""
    if not a.isdigit():
        return b if b.isdigit() else ""
    if not b.isdigit():
        return a
    return a if int(a) >= int(b) else b


def _resume_state(page_token: str) -> tuple[str, str, str]:
    """(newest id read, oldest id to read again, next page token) of an unfinished run:
    ``newest:held:token``, or ``newest:token`` as saved before ``held`` was kept."""
    newest, _sep, rest = page_token.partition(_STATE_SEPARATOR)
    held, sep, token = rest.partition(_STATE_SEPARATOR)
    if not sep or not (held == "" or held.isdigit()):
        held, token = "", rest  # the older form
    return (newest, held, token) if token else ("", "", "")


def _pending_state(newest: str, held: str, next_token: str) -> str:
    state = _STATE_SEPARATOR.join([newest, held, next_token])
    # Kept whole, however long (the column is a text field): a cut token reads nothing.
    return state


@dataclass(frozen=True)
class _Stream:
    """One timeline read into the inbox and the ``PollCursor`` fields that hold its state."""

    fetch: Callable[[XClient, str, str, str], XPage]
    # (events to ingest, the oldest post id to read again next run, or "")
    parse: Callable[[dict[str, Any], SocialAccount, datetime], tuple[list[IncomingMessage], str]]
    since_field: str
    state_field: str
    wait_field: str


def _poll_stream(
    stream: _Stream, account: SocialAccount, cursor: PollCursor, now: datetime
) -> PollResult:
    """Reads one stream (see the module docstring for how the cursor moves). Never raises for
    platform trouble: it is recorded on the cursor."""
    result = PollResult(account_id=account.pk)
    wait_until = getattr(cursor, stream.wait_field)
    if wait_until is not None and now < wait_until:
        result.skipped = True
        result.waiting_until = wait_until
        return result
    # held: the oldest post of this run to read again; kept with the page token, so a run
    # split across polls (rate limit, next page pending) still stops since_id before it.
    newest, held, token = _resume_state(getattr(cursor, stream.state_field))
    restarted = False
    try:
        client = XClient.for_account(account)
        while True:
            since_id = getattr(cursor, stream.since_field)
            try:
                page = stream.fetch(client, account.platform_id, since_id, token)
            except XError as exc:
                if token and exc.status == 400 and not restarted:
                    # An expired or unknown pagination token: restart this run from since_id.
                    newest, token, held, restarted = "", "", "", True
                    continue
                raise
            for tweet in page.body.get("data") or []:
                newest = _newer(newest, str(tweet.get("id") or ""))
            newest = _newer(newest, str((page.body.get("meta") or {}).get("newest_id") or ""))
            next_token = str((page.body.get("meta") or {}).get("next_token") or "")
            exhausted = page.remaining is not None and page.remaining <= 0
            events, page_held = stream.parse(page.body, account, now)
            held = _older(held, page_held)
            with transaction.atomic():
                # Demo accounts (the sandbox platform's) bring demo data like the rest.
                result.add(messages_ingest(batch=events, now=now, is_demo=account.is_demo))
                if next_token:
                    setattr(cursor, stream.state_field, _pending_state(newest, held, next_token))
                else:
                    # since_id moves to the newest post read, or stops just before a post
                    # to read again; never backwards.
                    upto = _before(held) if held else newest
                    setattr(cursor, stream.since_field, _newer(since_id, upto))
                    setattr(cursor, stream.state_field, "")
                cursor.last_polled_at = now
                cursor.last_error = ""
                if exhausted:
                    setattr(cursor, stream.wait_field, page.reset_at or now + DEFAULT_WAIT)
                    result.waiting_until = getattr(cursor, stream.wait_field)
                # Only this stream's fields: the other stream's state is never overwritten.
                cursor.save(
                    update_fields=[
                        stream.since_field,
                        stream.state_field,
                        stream.wait_field,
                        "last_polled_at",
                        "last_error",
                    ]
                )
            if not next_token or exhausted:
                break
            token = next_token
    except XError as exc:
        cursor.last_polled_at = now
        if exc.wait_until is not None:
            # 429: wait for the window to reset; the unfinished run resumes from its token.
            setattr(cursor, stream.wait_field, exc.wait_until)
            result.waiting_until = exc.wait_until
            cursor.save(update_fields=["last_polled_at", stream.wait_field])
        else:
            cursor.last_error = str(exc)[:2000]
            result.error = str(exc)
            cursor.save(update_fields=["last_polled_at", "last_error"])
    return result


MENTIONS = _Stream(
    fetch=lambda client, user_id, since, token: client.mentions(user_id, since, token),
    parse=lambda body, account, now: (parse_mentions(body, account), ""),
    since_field="since_id",
    state_field="page_token",
    wait_field="wait_until",
)
OWN_REPLIES = _Stream(
    fetch=lambda client, user_id, since, token: client.user_tweets(user_id, since, token),
    parse=_parse_own_page,
    since_field="replies_since_id",
    state_field="replies_page_token",
    wait_field="replies_wait_until",
)


def poll_mentions(account: SocialAccount, *, now: datetime | None = None) -> PollResult:
    """Reads the account's new mentions into the inbox."""
    now = now or timezone.now()
    cursor, _created = PollCursor.objects.get_or_create(account=account)
    return _poll_stream(MENTIONS, account, cursor, now)


def poll_own_replies(account: SocialAccount, *, now: datetime | None = None) -> PollResult:
    """Reads the replies the entity posted directly on X into the conversations they answer."""
    now = now or timezone.now()
    cursor, _created = PollCursor.objects.get_or_create(account=account)
    return _poll_stream(OWN_REPLIES, account, cursor, now)


def poll_account(account: SocialAccount, *, now: datetime | None = None) -> PollResult:
    """Mentions first; then, once the mentions run is complete (nothing pending, no wait, no
    error), the account's own replies, so that the citizen post each reply answers is stored
    before the answer. An unfinished mentions run leaves the own replies for the next poll."""
    now = now or timezone.now()
    result = poll_mentions(account, now=now)
    cursor = PollCursor.objects.get(account=account)
    # Complete: every page stored. A 429 before any page, or a pending page, is not; the
    # quota used up by the last page is (the own timeline has its own window).
    interrupted = result.waiting_until is not None and result.pages == 0
    if result.skipped or result.error or interrupted or cursor.page_token:
        return result
    result.merge(poll_own_replies(account, now=now))
    return result


# --- sending -----------------------------------------------------------------------------------


def latest_version(tweet_id: str) -> str:
    """The latest version of a post the inbox holds (an edited post has a new id for each
    version: the answer goes under the one people see)."""
    message = Message.objects.filter(platform=Platform.X, platform_message_id=tweet_id).first()
    if message is None:
        alias = MessageAlias.objects.filter(platform=Platform.X, alias_id=tweet_id).first()
        if alias is None:
            return tweet_id
        message = alias.message
    versions = [
        message.platform_message_id,
        *MessageAlias.objects.filter(message=message).values_list("alias_id", flat=True),
    ]
    return max(versions, key=_snowflake)


X_DIRECT_REFUSED = gettext_lazy(
    "Ágora todavía no envía mensajes directos de X: responda esta conversación desde X. "
    "No se publicó nada."
)


def send_reply(message: Message) -> str:
    """Publishes an answer as a reply to the citizen's post; returns the new post's id.
    Raises ``SendError``: permanent on X's refusals (4xx), retryable on 429, 5xx and failed
    connections; ``SendUncertain`` when X may have published it without saying so (read
    timeout, connection reset after sending, 504, no id): looked for before trying again."""
    conversation = message.conversation
    if conversation.thread_kind == ThreadKind.DIRECT:
        # A reply to a direct message's id would be a public post: never.
        raise SendError(str(X_DIRECT_REFUSED), permanent=True)
    in_reply_to = latest_version(message.parent_platform_id or conversation.thread_id)
    try:
        client = XClient.for_account(conversation.account)
        return client.reply(message.text, in_reply_to)
    except XError as exc:
        if exc.uncertain or exc.status == 504:
            raise SendUncertain(
                _("%(error)s Se comprobará en X si la respuesta se publicó.") % {"error": exc}
            ) from exc
        raise SendError(str(exc), permanent=not exc.retryable) from exc
