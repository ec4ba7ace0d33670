"""The YouTube connector (Data API v3): polls the comment threads of each channel into the
inbox and sends answers as replies (``comments.insert``). Reads work with an API key or an
OAuth token; answering needs the channel's OAuth token (scope ``youtube.force-ssl``).

Polling and resuming (``PollCursor``):

* ``commentThreads.list?allThreadsRelatedToChannelId=…&order=time`` lists threads newest
  first; a run follows ``nextPageToken`` until a page whose comments (top-level and the
  replies included with it) are all strictly older than ``since_id`` — which stores the
  newest ``publishedAt``/``updatedAt`` already read, as ISO 8601 — or until there is no token.
  Comments stamped in the same second as ``since_id`` are read again rather than risked;
  ingestion is idempotent.
* Each page is ingested and the cursor saved in one transaction. While a run is unfinished,
  ``page_token`` holds ``"<newest time seen in this run>|<nextPageToken>"`` and ``since_id``
  does not move, so a run stopped by the quota, an error or a crash resumes where it stopped.
* A 403 ``quotaExceeded`` stops the run until the next midnight, Pacific time, when YouTube
  resets the daily quota.
* Long threads: ``commentThreads.list`` includes only a few replies of each thread. When
  ``snippet.totalReplyCount`` is larger than the replies included (and than the replies
  already stored), the rest is read with ``comments.list?parentId=<thread id>``, paged, before
  the page is stored: a quota stop while reading them stores nothing of the page and the run
  resumes at that page.
* Deletions: the Data API reports none. A reply missing from a thread read whole is marked
  deleted (``vanished_replies``); a deleted top-level comment takes its whole thread out of
  the listing, so ``threads_check`` (hourly, ``connectors.tasks.deletions_check_all``)
  asks for the channel's open threads by id and marks the missing ones deleted.

OAuth access tokens expire after about an hour. On a 401 with an OAuth credential that has a
refresh token, and with ``YOUTUBE_CLIENT_ID``/``YOUTUBE_CLIENT_SECRET`` configured, the token
is renewed at Google's token endpoint, stored encrypted (with its expiry), and the call retried
once; a token whose stored expiry has passed is renewed before the call. A refused refresh
(``invalid_grant``: revoked or expired) changes nothing and asks to reconnect.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.connectors import vanished
from agora.connectors.models import AccountCredential, CredentialKind, PollCursor
from agora.connectors.services import HINT_LENGTH
from agora.connectors.tasks import PollResult
from agora.core.audit import audit_record
from agora.directory.models import Platform, SocialAccount
from agora.inbox.models import Message, ThreadKind
from agora.inbox.senders import SendError, SendUncertain
from agora.inbox.services import IncomingMessage, messages_ingest

MAX_RESULTS = 100
# A first poll of a large channel is spread over several runs (1 quota unit per page).
MAX_PAGES_PER_RUN = 20
# The replies of one thread read with comments.list (100 per page): the first 5,000 only;
# a thread with more (rare on a public entity's channel) is not read past them.
MAX_REPLY_PAGES = 50
PACIFIC = ZoneInfo("America/Los_Angeles")
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
RATE_WAIT = timedelta(minutes=5)
# An OAuth token this close to its expiry is renewed before use.
EXPIRY_MARGIN = timedelta(minutes=1)
_STATE_SEPARATOR = "|"
# A stored reply missing from a thread read whole is marked deleted only once it is older
# than this (see vanished_replies).
VANISH_MARGIN = timedelta(minutes=10)
# Top-level comments checked for deletion per account and run (threads_check): 50 ids per
# commentThreads.list call, one quota unit each; the open conversations of the last
# THREAD_CHECK_DAYS days, newest first.
THREAD_CHECK_BATCH = 50
THREAD_CHECK_MAX = 500
THREAD_CHECK_DAYS = 30


class YouTubeError(Exception):
    """YouTube failed or refused. ``retryable``: the same request may succeed later;
    ``wait_until``: the quota or rate limit asks us not to call before then."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        reason: str = "",
        retryable: bool = False,
        wait_until: datetime | None = None,
        authorisation_refused: bool = False,
        uncertain: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        # Google refused to renew the OAuth token (its 400 is not a bad page token).
        self.authorisation_refused = authorisation_refused
        self.retryable = retryable
        self.wait_until = wait_until
        # The request may have reached YouTube but no answer came back
        # (agora/connectors/lookups.py).
        self.uncertain = uncertain


def next_quota_reset(now: datetime) -> datetime:
    """The next midnight in Pacific time (when YouTube's daily quota resets), in UTC."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    return midnight.astimezone(UTC)


def _error_parts(response: requests.Response) -> tuple[str, str]:
    """(reason, message) of a Google API error body ``{"error": {"errors": [{reason}]}}``."""
    try:
        body = response.json()
    except ValueError:
        return "", response.text[:300] or response.reason
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", response.reason
    reasons = [str(e.get("reason", "")) for e in error.get("errors") or [] if isinstance(e, dict)]
    return next((r for r in reasons if r), ""), str(error.get("message") or response.reason)


def api_base_url(account: SocialAccount) -> str:
    """Where the account's YouTube calls go: the sandbox platform Ágora runs itself
    (agora/connectors/sandbox_polled.py) for demo channels while it is on, Google for every
    other."""
    from agora.connectors import sandbox

    if sandbox.uses_sandbox(account):
        return sandbox.api_url(Platform.YOUTUBE)
    return str(settings.YOUTUBE_API_URL)


def _arrived(exc: requests.RequestException) -> bool:
    from agora.connectors.lookups import may_have_arrived

    return may_have_arrived(exc)


class YouTubeClient:
    """A thin client for the Data API methods Ágora uses. With the account's stored OAuth
    ``credential`` it renews an expired access token (see the module docstring)."""

    def __init__(
        self,
        *,
        api_key: str = "",
        oauth_token: str = "",
        credential: AccountCredential | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or settings.YOUTUBE_API_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.CONNECTOR_TIMEOUT_SECONDS
        self.api_key = api_key
        self.oauth_token = oauth_token
        self.credential = credential
        self.session = session or requests.Session()
        if oauth_token:
            self.session.headers["Authorization"] = f"Bearer {oauth_token}"

    @classmethod
    def for_account(cls, account: SocialAccount) -> YouTubeClient:
        credential = AccountCredential.objects.filter(account=account).first()
        if credential is None or not credential.secret:
            raise YouTubeError(
                _("La cuenta %(account)s no tiene una credencial de YouTube registrada.")
                % {"account": str(account)}
            )
        base_url = api_base_url(account)
        if credential.kind == CredentialKind.API_KEY:
            return cls(api_key=credential.secret, base_url=base_url)
        client = cls(oauth_token=credential.secret, credential=credential, base_url=base_url)
        expires_at = credential.expires_at
        if (
            expires_at is not None
            and expires_at <= timezone.now() + EXPIRY_MARGIN
            and client._can_refresh()
        ):
            # Known to be expired (or about to): renew first instead of spending a 401.
            client.refresh_access_token()
        return client

    def _can_refresh(self) -> bool:
        return bool(
            self.oauth_token
            and self.credential is not None
            and self.credential.refresh_token
            and settings.YOUTUBE_CLIENT_ID
            and settings.YOUTUBE_CLIENT_SECRET
        )

    def refresh_access_token(self) -> str:
        """Renews the OAuth access token with the stored refresh token and stores the new one
        (encrypted, with its hint and expiry). A refusal changes nothing."""
        credential = self.credential
        if credential is None or not credential.refresh_token:
            raise YouTubeError(_("La cuenta no tiene un token de actualización de YouTube."))
        try:
            response = self.session.post(
                settings.YOUTUBE_TOKEN_URL,
                data={
                    "client_id": settings.YOUTUBE_CLIENT_ID,
                    "client_secret": settings.YOUTUBE_CLIENT_SECRET,
                    "refresh_token": credential.refresh_token,
                    "grant_type": "refresh_token",
                },
                # The expired token must not travel to the token endpoint.
                headers={"Authorization": None},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            raise YouTubeError(
                _("No se pudo renovar el token de YouTube: %(error)s") % {"error": exc},
                retryable=True,
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = body if isinstance(body, dict) else {}
        token = str(body.get("access_token") or "")
        if response.status_code >= 400 or not token:
            error = str(body.get("error") or response.status_code)
            if response.status_code >= 500:
                raise YouTubeError(
                    _("Google no pudo renovar el token de YouTube (%(error)s).") % {"error": error},
                    status=response.status_code,
                    retryable=True,
                )
            raise YouTubeError(
                _(
                    "Google rechazó renovar el acceso a YouTube de la cuenta %(account)s "
                    "(%(error)s): la autorización venció o fue revocada. Vuelva a conectar la "
                    "cuenta registrando un nuevo token OAuth y su token de actualización."
                )
                % {"account": str(credential.account), "error": error},
                status=response.status_code,
                reason=error,
                authorisation_refused=True,
            )
        try:
            expires_in = int(body.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0
        previous_hint = credential.hint
        credential.secret = token
        credential.hint = token[-HINT_LENGTH:]
        credential.expires_at = (
            timezone.now() + timedelta(seconds=expires_in) if expires_in > 0 else None
        )
        before = {"hint": previous_hint}
        # set_at/set_by tell who registered the credential: a renewal does not change them.
        with transaction.atomic():
            AccountCredential.objects.filter(pk=credential.pk).update(
                secret=credential.secret, hint=credential.hint, expires_at=credential.expires_at
            )
            audit_record(
                actor=None,
                verb="credencial.renovada",
                instance=credential,
                scope=credential.account.entity.code,
                before=before,
                after={"hint": credential.hint},
            )
        self.oauth_token = token
        self.session.headers["Authorization"] = f"Bearer {token}"
        return token

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str],
        _retried: bool = False,
        **kwargs: Any,
    ) -> dict[str, Any]:
        if self.api_key and not self.oauth_token:
            params = {**params, "key": self.api_key}
        try:
            response = self.session.request(
                method, f"{self.base_url}{path}", params=params, timeout=self.timeout, **kwargs
            )
        except requests.Timeout as exc:
            raise YouTubeError(
                _("YouTube no respondió a tiempo."), retryable=True, uncertain=_arrived(exc)
            ) from exc
        except requests.RequestException as exc:
            raise YouTubeError(
                _("No se pudo conectar con YouTube: %(error)s") % {"error": exc},
                retryable=True,
                uncertain=_arrived(exc),
            ) from exc
        status = response.status_code
        if status == 401 and not _retried and self._can_refresh():
            # An expired access token: renew it and try once more.
            self.refresh_access_token()
            return self._request(method, path, params=params, _retried=True, **kwargs)
        if status >= 400:
            reason, detail = _error_parts(response)
            message = _("YouTube respondió %(status)s (%(reason)s): %(detail)s") % {
                "status": status,
                "reason": reason or "-",
                "detail": detail,
            }
            wait_until = None
            if reason in QUOTA_REASONS:
                wait_until = next_quota_reset(timezone.now())
            elif reason in RATE_REASONS or status == 429:
                wait_until = timezone.now() + RATE_WAIT
            raise YouTubeError(
                message,
                status=status,
                reason=reason,
                retryable=status >= 500 or wait_until is not None,
                wait_until=wait_until,
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise YouTubeError(
                _("YouTube devolvió una respuesta que no es JSON."), retryable=True
            ) from exc
        return body if isinstance(body, dict) else {}

    def comment_threads(self, channel_id: str, page_token: str = "") -> dict[str, Any]:
        """One page of ``commentThreads.list`` for every video of the channel, newest first."""
        params = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": channel_id,
            "maxResults": str(MAX_RESULTS),
            "order": "time",
            # textOriginal is only guaranteed to the comment's author; plain textDisplay is
            # the fallback we can always read.
            "textFormat": "plainText",
        }
        if page_token:
            params["pageToken"] = page_token
        return self._request("GET", "/commentThreads", params=params)

    def comment_threads_by_id(self, thread_ids: list[str]) -> dict[str, Any]:
        """``commentThreads.list?id=``: the threads among ``thread_ids`` (at most 50) that
        still exist; a deleted or removed top-level comment is simply not listed."""
        params = {
            "part": "id",
            "id": ",".join(thread_ids),
            "maxResults": str(THREAD_CHECK_BATCH),
        }
        return self._request("GET", "/commentThreads", params=params)

    def comment_replies(self, parent_id: str, page_token: str = "") -> dict[str, Any]:
        """One page of ``comments.list``: the replies to a top-level comment."""
        params = {
            "part": "snippet",
            "parentId": parent_id,
            "maxResults": str(MAX_RESULTS),
            "textFormat": "plainText",
        }
        if page_token:
            params["pageToken"] = page_token
        return self._request("GET", "/comments", params=params)

    def reply(self, parent_id: str, text: str) -> str:
        """``comments.insert``: a reply under a top-level comment; returns the new comment id."""
        if not self.oauth_token:
            raise YouTubeError(
                _(
                    "Para responder en YouTube se necesita un token OAuth de la cuenta "
                    "(una clave de API solo permite leer)."
                )
            )
        body = self._request(
            "POST",
            "/comments",
            params={"part": "snippet"},
            json={"snippet": {"parentId": parent_id, "textOriginal": text}},
        )
        comment_id = str(body.get("id") or "")
        if not comment_id:
            raise YouTubeError(
                _("YouTube no devolvió el id de la respuesta publicada."), uncertain=True
            )
        return comment_id


# --- parsing -----------------------------------------------------------------------------------


def _parse_time(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _comment_event(
    comment: dict[str, Any], thread_id: str, account: SocialAccount, video_id: str = ""
) -> IncomingMessage | None:
    snippet = comment.get("snippet") or {}
    comment_id = str(comment.get("id") or "")
    published = _parse_time(str(snippet.get("publishedAt") or ""))
    if not comment_id or published is None:
        return None
    updated = _parse_time(str(snippet.get("updatedAt") or ""))
    author_id = str((snippet.get("authorChannelId") or {}).get("value") or "")
    return IncomingMessage(
        platform=Platform.YOUTUBE,
        account_id=account.pk,
        thread_kind=ThreadKind.COMMENTS,
        thread_id=thread_id,
        message_id=comment_id,
        sent_at=published,
        text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
        author_id=author_id,
        author_name=str(snippet.get("authorDisplayName") or ""),
        parent_id=str(snippet.get("parentId") or ""),
        verb="edit" if updated is not None and updated > published else "add",
        from_entity=bool(account.platform_id) and author_id == account.platform_id,
        post_id=video_id or str(snippet.get("videoId") or ""),
    )


def parse_threads(page: dict[str, Any], account: SocialAccount) -> list[IncomingMessage]:
    """The comments of one ``commentThreads.list`` page as inbox events: one conversation per
    thread (a top-level comment) with the replies YouTube included, under its video (the
    context). Comments written by the channel itself are the entity's answers; an
    ``updatedAt`` later than ``publishedAt`` is an edit."""
    events = []
    for item in page.get("items") or []:
        thread_id = str(item.get("id") or "")
        top = (item.get("snippet") or {}).get("topLevelComment")
        if not thread_id or not top:
            continue
        video_id = str((item.get("snippet") or {}).get("videoId") or "")
        for comment in [top, *((item.get("replies") or {}).get("comments") or [])]:
            event = _comment_event(comment, thread_id, account, video_id)
            if event is not None:
                events.append(event)
    # Oldest first: a new conversation takes its subject and author from its first event.
    events.sort(key=lambda event: event.sent_at)
    return events


def _comment_stamp(comment: dict[str, Any] | None) -> datetime | None:
    """The latest time of a comment (published or edited)."""
    snippet = (comment or {}).get("snippet") or {}
    return _latest(
        _parse_time(str(snippet.get("publishedAt") or "")),
        _parse_time(str(snippet.get("updatedAt") or "")),
    )


def _stamps(page: dict[str, Any]) -> list[datetime]:
    """The latest time of each comment of a page (published or edited)."""
    stamps = []
    for item in page.get("items") or []:
        top = (item.get("snippet") or {}).get("topLevelComment")
        for comment in [top, *((item.get("replies") or {}).get("comments") or [])]:
            stamp = _comment_stamp(comment)
            if stamp is not None:
                stamps.append(stamp)
    return stamps


def _threads_to_complete(page: dict[str, Any], account: SocialAccount) -> list[str]:
    """Threads of a page whose ``totalReplyCount`` exceeds both the replies included and the
    replies already stored (so a long thread already read is not read again every run)."""
    wanted: dict[str, int] = {}
    for item in page.get("items") or []:
        thread_id = str(item.get("id") or "")
        try:
            total = int((item.get("snippet") or {}).get("totalReplyCount") or 0)
        except (TypeError, ValueError):
            total = 0
        included = len((item.get("replies") or {}).get("comments") or [])
        if thread_id and total > included:
            wanted[thread_id] = total
    if not wanted:
        return []
    stored = dict(
        Message.objects.filter(
            platform=Platform.YOUTUBE,
            conversation__account=account,
            conversation__thread_kind=ThreadKind.COMMENTS,
            conversation__thread_id__in=list(wanted),
        )
        .exclude(parent_platform_id="")
        .exclude(platform_message_id__startswith="agora:")
        .values("conversation__thread_id")
        .annotate(n=Count("id"))
        .values_list("conversation__thread_id", "n")
    )
    return [t for t, total in wanted.items() if total > stored.get(t, 0)]


def _reply_total(page: dict[str, Any], thread_id: str) -> int:
    for item in page.get("items") or []:
        if str(item.get("id") or "") == thread_id:
            try:
                return int((item.get("snippet") or {}).get("totalReplyCount") or 0)
            except (TypeError, ValueError):
                return 0
    return 0


def _complete_threads(page: dict[str, Any]) -> dict[str, set[str]]:
    """The threads of a page that include every reply (as many as ``totalReplyCount``):
    thread id -> the ids of its replies."""
    complete: dict[str, set[str]] = {}
    for item in page.get("items") or []:
        thread_id = str(item.get("id") or "")
        included = (item.get("replies") or {}).get("comments") or []
        try:
            total = int((item.get("snippet") or {}).get("totalReplyCount") or 0)
        except (TypeError, ValueError):
            continue
        if thread_id and len(included) >= total:
            complete[thread_id] = {str(c.get("id") or "") for c in included}
    return complete


def vanished_replies(
    account: SocialAccount, complete: dict[str, set[str]], now: datetime
) -> list[IncomingMessage]:
    """Removals of the stored replies missing from threads read whole. The Data API tells of
    no deletion: a reply deleted by its author (or removed by the channel) is simply no longer
    listed. Replies newer than ``VANISH_MARGIN`` are left alone (the page may have been read
    before they were published). A deleted top-level comment's thread is no longer listed at
    all: ``threads_check`` asks for the open ones by id."""
    if not complete:
        return []
    rows = (
        Message.objects.filter(
            platform=Platform.YOUTUBE,
            conversation__account=account,
            conversation__thread_kind=ThreadKind.COMMENTS,
            conversation__thread_id__in=list(complete),
            deleted_at__isnull=True,
            sent_at__lt=now - VANISH_MARGIN,
        )
        .exclude(parent_platform_id="")
        .exclude(platform_message_id__startswith="agora:")
        .values_list("platform_message_id", "conversation__thread_id", "sent_at")
    )
    return [
        IncomingMessage(
            platform=Platform.YOUTUBE,
            account_id=account.pk,
            thread_kind=ThreadKind.COMMENTS,
            thread_id=thread_id,
            message_id=message_id,
            sent_at=sent_at,
            verb="remove",
        )
        for message_id, thread_id, sent_at in rows
        if message_id != thread_id and message_id not in complete[thread_id]
    ]


def threads_check(account: SocialAccount, *, now: datetime | None = None) -> int:
    """Marks deleted the top-level comments of the channel's open conversations that YouTube
    no longer lists (deleted by their author or removed by the channel): the thread of a
    deleted top-level comment disappears from ``allThreadsRelatedToChannelId`` pages, so
    polling alone never sees it go. Asks by id, 50 per call, at most ``THREAD_CHECK_MAX``
    per run; comments newer than ``VANISH_MARGIN`` are left alone. Returns how many were
    marked. Raises ``YouTubeError`` (nothing is marked then)."""
    now = now or timezone.now()
    tops = vanished.open_top_comments(
        account, now=now, margin=VANISH_MARGIN, days=THREAD_CHECK_DAYS, limit=THREAD_CHECK_MAX
    )
    if not tops:
        return 0
    client = YouTubeClient.for_account(account)
    listed: set[str] = set()
    for start in range(0, len(tops), THREAD_CHECK_BATCH):
        chunk = [mid for mid, _thread, _sent in tops[start : start + THREAD_CHECK_BATCH]]
        body = client.comment_threads_by_id(chunk)
        listed.update(str(item.get("id") or "") for item in body.get("items") or [])
    return vanished.mark_deleted(account, [c for c in tops if c[0] not in listed], now)


def fetch_thread_replies(client: YouTubeClient, thread_id: str) -> list[dict[str, Any]]:
    """Every reply of a thread, following ``nextPageToken`` of ``comments.list``."""
    comments: list[dict[str, Any]] = []
    token = ""
    for _page in range(MAX_REPLY_PAGES):
        body = client.comment_replies(thread_id, page_token=token)
        comments.extend(c for c in body.get("items") or [] if isinstance(c, dict))
        token = str(body.get("nextPageToken") or "")
        if not token:
            break
    return comments


# --- polling -----------------------------------------------------------------------------------


def _resume_state(page_token: str) -> tuple[datetime | None, str]:
    newest, _sep, token = page_token.partition(_STATE_SEPARATOR)
    return (_parse_time(newest), token) if token else (None, "")


def _pending_state(newest: datetime | None, next_token: str) -> str:
    state = f"{newest.isoformat() if newest else ''}{_STATE_SEPARATOR}{next_token}"
    # Kept whole, however long (the column is a text field): a cut token reads nothing.
    return state


def _latest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def poll_account(account: SocialAccount, *, now: datetime | None = None) -> PollResult:
    """Reads the channel's new comments into the inbox (see the module docstring for how the
    cursor moves). Never raises for platform trouble: it is recorded on the cursor."""
    now = now or timezone.now()
    result = PollResult(account_id=account.pk)
    cursor, _created = PollCursor.objects.get_or_create(account=account)
    if cursor.wait_until is not None and now < cursor.wait_until:
        result.skipped = True
        result.waiting_until = cursor.wait_until
        return result
    since = _parse_time(cursor.since_id)
    newest, token = _resume_state(cursor.page_token)
    restarted = False
    try:
        client = YouTubeClient.for_account(account)
        while result.pages < MAX_PAGES_PER_RUN:
            try:
                page = client.comment_threads(account.platform_id, page_token=token)
            except YouTubeError as exc:
                if token and exc.status == 400 and not exc.authorisation_refused and not restarted:
                    # An expired or unknown page token: restart this run from the top.
                    newest, token, restarted = None, "", True
                    continue
                raise
            events = parse_threads(page, account)
            stamps = _stamps(page)
            complete = _complete_threads(page)
            # Long threads: the replies commentThreads.list left out (read before storing the
            # page, so a quota stop here stores nothing and the run resumes at this page).
            for thread_id in _threads_to_complete(page, account):
                replies = fetch_thread_replies(client, thread_id)
                if len(replies) >= _reply_total(page, thread_id):
                    complete[thread_id] = {str(r.get("id") or "") for r in replies}
                for reply in replies:
                    event = _comment_event(reply, thread_id, account)
                    stamp = _comment_stamp(reply)
                    if event is not None:
                        events.append(event)
                    if stamp is not None:
                        stamps.append(stamp)
            events.extend(vanished_replies(account, complete, now))
            events.sort(key=lambda event: event.sent_at)
            newest = _latest(newest, *stamps)
            next_token = str(page.get("nextPageToken") or "")
            caught_up = since is not None and bool(stamps) and all(s < since for s in stamps)
            done = not next_token or caught_up
            with transaction.atomic():
                # Demo accounts (the sandbox platform's) bring demo data like the rest.
                result.add(messages_ingest(batch=events, now=now, is_demo=account.is_demo))
                if done:
                    latest = _latest(since, newest)
                    cursor.since_id = latest.isoformat() if latest else ""
                    cursor.page_token = ""
                else:
                    cursor.page_token = _pending_state(newest, next_token)
                cursor.last_polled_at = now
                cursor.last_error = ""
                cursor.save()
            if done:
                break
            token = next_token
    except YouTubeError as exc:
        cursor.last_polled_at = now
        if exc.wait_until is not None:
            # Quota or rate limit: wait; the unfinished run resumes from page_token.
            cursor.wait_until = exc.wait_until
            result.waiting_until = exc.wait_until
            cursor.last_error = str(exc)[:2000]
            cursor.save(update_fields=["last_polled_at", "wait_until", "last_error"])
        else:
            cursor.last_error = str(exc)[:2000]
            result.error = str(exc)
            cursor.save(update_fields=["last_polled_at", "last_error"])
    return result


# --- sending -----------------------------------------------------------------------------------


def send_reply(message: Message) -> str:
    """Publishes an answer as a reply in the comment thread; returns the new comment's id.
    YouTube threads are one level deep, so the parent is always the thread's top-level
    comment (whose id is the thread id). Raises ``SendError``: permanent on refusals (4xx),
    retryable on quota/rate limits, 5xx and failed connections; ``SendUncertain`` when
    YouTube may have published it without saying so (read timeout, connection reset after
    sending, 504, no id): looked for before trying again."""
    conversation = message.conversation
    try:
        client = YouTubeClient.for_account(conversation.account)
        return client.reply(conversation.thread_id, message.text)
    except YouTubeError as exc:
        if exc.uncertain or exc.status == 504:
            raise SendUncertain(
                _("%(error)s Se comprobará en YouTube si la respuesta se publicó.") % {"error": exc}
            ) from exc
        raise SendError(str(exc), permanent=not exc.retryable) from exc
