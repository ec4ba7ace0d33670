"""Meta connector (Facebook Pages and Instagram): reads webhook bodies into inbox events,
quarantines events of pages that are not verified in the directory, and sends answers and
moderation actions through the Graph API."""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.connectors.attachments import meta_feed_attachments, meta_message_attachments
from agora.core.errors import DomainError
from agora.directory.models import AccountStatus, Platform, SocialAccount
from agora.inbox.ingest import quarantine_store
from agora.inbox.models import Message, ThreadKind
from agora.inbox.senders import SendError, SendUncertain
from agora.inbox.services import IncomingMessage, IncomingPost, IngestResult, messages_ingest

log = logging.getLogger(__name__)

# Webhook "object" -> directory platform.
OBJECT_PLATFORMS = {"page": Platform.FACEBOOK, "instagram": Platform.INSTAGRAM}
# Page feed items. Each top-level comment opens its own conversation (a citizen thread); a
# reply joins the conversation of the comment it answers. The page's own post is the context
# shown above those threads (``IncomingPost``), never a message; a visitor's post on the page,
# of any item type (text, photo, video, link, share), is a citizen message that opens its own
# conversation (its attachments are read from the same ``value``).
FEED_COMMENT = "comment"
FEED_POSTS = {"post", "status", "photo", "video", "link", "share"}
# Meta writes "edited" for comments and the page's posts and "edit" for visitors' posts (see
# restfb/restfb#749). hide, unhide, block, mute, … are moderation of the page: Ágora records its
# own (agora/inbox/moderation/, with who and why) and leaves the platform's echo of it alone.
FEED_VERBS = {"add": "add", "edited": "edit", "edit": "edit", "remove": "remove"}
IG_COMMENT_FIELDS = {"comments", "live_comments"}
# Direct-message events sent as "changes" (Instagram, and the dashboard's test button).
MESSAGING_FIELDS = {"messages", "message_echoes", "message_edits", "message_edit", "standby"}
# Graph API error codes that mean "try later" even when the HTTP status is 4xx.
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613}
# Graph API error codes of a token that is invalid, expired or lacks the permission.
AUTH_CODES = {102, 190}
ERROR_DETAIL_MAX = 300


class MetaPayloadError(DomainError):
    """The body is not a Meta webhook we can read (answered with 400)."""


@dataclass
class MetaBatch:
    events: list[IncomingMessage] = field(default_factory=list)
    # The entity's own publications read (context of the comment threads).
    posts: list[IncomingPost] = field(default_factory=list)
    # (object id, Spanish reason, the entry as received)
    quarantine: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # What we read and deliberately did not store (likes, reads, deliveries, …), by kind.
    ignored: Counter[str] = field(default_factory=Counter)
    # Instagram @mentions to read after the commit: (account id, media id, comment id).
    mentions: list[tuple[int, str, str]] = field(default_factory=list)


@dataclass
class MetaResult:
    ingest: IngestResult
    quarantined: int = 0
    ignored: int = 0
    mentions: int = 0  # Instagram mentions newly queued for their follow-up read


# --- parsing ---------------------------------------------------------------------------------


def _epoch(value: float) -> datetime:
    # Messenger timestamps are in milliseconds, feed and entry times in seconds.
    seconds = value / 1000 if value > 10**11 else value
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_time(value: object) -> datetime | None:
    """An integer (unix seconds or milliseconds) or an ISO 8601 string such as
    ``2024-05-01T12:00:00+0000``; None when unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        if isinstance(value, int | float):
            return _epoch(float(value))
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return _epoch(float(text))
            moment = datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=UTC)
            return moment.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def _str(value: object) -> str:
    if type(value) is str:  # the common case first: a webhook is mostly strings
        return value.strip()
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


def _count(value: object) -> int | None:
    """A positive count given as a number or as digits (num_edit comes as both)."""
    text = _str(value)
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _author(value: dict[str, Any]) -> tuple[str, str]:
    """(id, name) of who wrote a feed or Instagram item; older payloads use sender_id."""
    who = _dict(value.get("from"))
    author_id = _str(who.get("id")) or _str(value.get("sender_id"))
    name = _str(who.get("name")) or _str(who.get("username")) or _str(value.get("sender_name"))
    return author_id, name


def _is_page(author_id: str, account: SocialAccount) -> bool:
    # Decided here rather than left to ingestion, so that a thread opened by the page's own
    # post or comment is not recorded as opened by a citizen.
    return bool(author_id) and author_id == account.platform_id


def _post_url(value: dict[str, Any], item: str) -> str:
    # The "link" of a photo, video or share is the file or the shared page, not the post.
    url = _str(value.get("permalink_url")) or (
        _str(value.get("link")) if item in {"post", "status"} else ""
    )
    return url if url.startswith("https://") and len(url) <= 500 else ""


def _feed_event(
    value: dict[str, Any], account: SocialAccount, when: datetime, ignored: Counter[str]
) -> IncomingMessage | IncomingPost | None:
    item = _str(value.get("item"))
    verb = FEED_VERBS.get(_str(value.get("verb")))
    if verb is None:  # hide, unhide, block, … (moderation done elsewhere)
        ignored[f"feed:{item or '?'}:{_str(value.get('verb')) or '?'}"] += 1
        return None
    post_id = _str(value.get("post_id"))
    author_id, author_name = _author(value)
    sent_at = parse_time(value.get("created_time")) or when
    if item == FEED_COMMENT:
        comment_id = _str(value.get("comment_id"))
        if not (comment_id and post_id):
            ignored["feed:comment:incompleto"] += 1
            return None
        # A top-level comment names the post as its parent and opens its own thread; a reply
        # joins its parent's thread (ingestion follows stored parents up to the top-level
        # comment; an unknown parent's id is the thread until it arrives).
        parent = _str(value.get("parent_id")) or post_id
        return IncomingMessage(
            platform=account.platform,
            account_id=account.pk,
            thread_kind=ThreadKind.COMMENTS,
            thread_id=comment_id if parent == post_id else parent,
            message_id=comment_id,
            sent_at=sent_at,
            text=_str(value.get("message")) if verb != "remove" else "",
            author_id=author_id,
            author_name=author_name,
            parent_id=parent,
            verb=verb,
            from_entity=_is_page(author_id, account),
            post_id=post_id,
            attachments=meta_feed_attachments(value) if verb != "remove" else (),
        )
    if item in FEED_POSTS:
        if not (post_id and author_id):
            # Without an author we cannot tell the page's post from a citizen's.
            ignored[f"feed:{item}:sin_autor"] += 1
            return None
        if _is_page(author_id, account):
            if verb == "remove":
                ignored[f"feed:{item}:remove"] += 1
                return None
            return IncomingPost(
                platform=account.platform,
                account_id=account.pk,
                post_id=post_id,
                text=_str(value.get("message")),
                url=_post_url(value, item),
                posted_at=sent_at,
            )
        return IncomingMessage(
            platform=account.platform,
            account_id=account.pk,
            thread_kind=ThreadKind.COMMENTS,
            thread_id=post_id,
            message_id=post_id,
            sent_at=sent_at,
            text=_str(value.get("message")) if verb != "remove" else "",
            author_id=author_id,
            author_name=author_name,
            verb=verb,
            from_entity=_is_page(author_id, account),
            attachments=meta_feed_attachments(value) if verb != "remove" else (),
        )
    ignored[f"feed:{item or '?'}"] += 1  # reactions, likes, events, albums, …
    return None


def _mention_event(
    value: dict[str, Any], account: SocialAccount, when: datetime, ignored: Counter[str]
) -> IncomingMessage | None:
    """The page @-mentioned in someone else's post or comment (Page ``mention`` field): its own
    conversation, the post or comment being the thread. A mention on the page's own post is
    also delivered by ``feed`` (with its parent and author) and is read there, once."""
    item = _str(value.get("item"))
    verb = FEED_VERBS.get(_str(value.get("verb")))
    post_id = _str(value.get("post_id"))
    comment_id = _str(value.get("comment_id")) if item == FEED_COMMENT else ""
    mention_id = comment_id or post_id
    if verb is None or item not in FEED_POSTS | {FEED_COMMENT}:
        ignored[f"mencion:{item or '?'}:{_str(value.get('verb')) or '?'}"] += 1
        return None
    if not mention_id or (item == FEED_COMMENT and not comment_id):
        ignored["mencion:incompleta"] += 1
        return None
    if account.platform_id and post_id.startswith(f"{account.platform_id}_"):
        ignored["mencion:en_la_pagina"] += 1
        return None
    author_id, author_name = _author(value)
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.MENTION,
        thread_id=mention_id,
        message_id=mention_id,
        sent_at=parse_time(value.get("created_time")) or when,
        text=_str(value.get("message")) if verb != "remove" else "",
        author_id=author_id,
        author_name=author_name,
        verb=verb,
        from_entity=False,
    )


def _instagram_mention(
    value: dict[str, Any], account: SocialAccount, ignored: Counter[str]
) -> tuple[str, str] | None:
    """(media id, comment id) of an Instagram @mention: the webhook carries only the ids, the
    mention itself is read by the documented follow-up Graph call, after the commit
    (agora/connectors/meta_mentions.py)."""
    from agora.connectors.meta_mentions import mention_ids_valid

    media_id = _str(value.get("media_id"))
    comment_id = _str(value.get("comment_id"))
    if not media_id:
        ignored["instagram:mentions:incompleto"] += 1
        return None
    if not mention_ids_valid(media_id, comment_id):
        ignored["instagram:mentions:id_no_valido"] += 1
        return None
    return media_id, comment_id


def _instagram_comment(
    value: dict[str, Any], account: SocialAccount, when: datetime, ignored: Counter[str]
) -> IncomingMessage | None:
    comment_id = _str(value.get("id"))
    media_id = _str(_dict(value.get("media")).get("id"))
    if not (comment_id and media_id):
        ignored["instagram:comments:incompleto"] += 1
        return None
    author_id, author_name = _author(value)
    # Each top-level comment opens its own conversation; a reply joins its parent's.
    parent = _str(value.get("parent_id"))
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.COMMENTS,
        thread_id=parent or comment_id,
        message_id=comment_id,
        sent_at=parse_time(value.get("created_time")) or when,
        text=_str(value.get("text")),
        author_id=author_id,
        author_name=author_name,
        parent_id=parent,
        from_entity=_is_page(author_id, account),
        post_id=media_id,
    )


def _messaging_event(
    event: dict[str, Any], account: SocialAccount, when: datetime, ignored: Counter[str]
) -> IncomingMessage | None:
    """A Messenger or Instagram direct message (the same shape): the thread is the citizen."""
    sender = _str(_dict(event.get("sender")).get("id"))
    recipient = _str(_dict(event.get("recipient")).get("id"))
    sent_at = parse_time(event.get("timestamp")) or when
    edit = _dict(event.get("message_edit"))
    if edit:
        mid = _str(edit.get("mid"))
        if not (mid and sender):
            ignored["mensaje:edicion:incompleto"] += 1
            return None
        from_page = sender == account.platform_id
        return IncomingMessage(
            platform=account.platform,
            account_id=account.pk,
            thread_kind=ThreadKind.DIRECT,
            thread_id=recipient if from_page else sender,
            message_id=mid,
            sent_at=sent_at,
            text=_str(edit.get("text")),
            author_id=sender,
            verb="edit",
            from_entity=from_page,
            edit_number=_count(edit.get("num_edit")),
        )
    message = _dict(event.get("message"))
    if not message:
        # delivery, read, reaction, postback, optin, referral, …
        kind = next((k for k in event if k not in {"sender", "recipient", "timestamp"}), "?")
        ignored[f"mensaje:{kind}"] += 1
        return None
    mid = _str(message.get("mid"))
    echo = message.get("is_echo") is True
    from_page = echo or sender == account.platform_id
    # The citizen is the side that is not the account (an echo is sent by the account).
    citizen = sender
    if from_page and recipient != account.platform_id:
        citizen = recipient
    if not (mid and citizen):
        ignored["mensaje:incompleto"] += 1
        return None
    # A message may be only an attachment (a photo, a location, …): its text stays empty and
    # the attachments are rows of their own (agora/connectors/attachments.py).
    text = _str(message.get("text"))
    return IncomingMessage(
        platform=account.platform,
        account_id=account.pk,
        thread_kind=ThreadKind.DIRECT,
        thread_id=citizen,
        message_id=mid,
        sent_at=sent_at,
        text=text,
        author_id=account.platform_id if from_page else sender,
        parent_id=_str(_dict(message.get("reply_to")).get("mid")),
        # Instagram marks a message the citizen unsent with is_deleted.
        verb="remove" if message.get("is_deleted") is True else "add",
        from_entity=from_page,
        attachments=meta_message_attachments(message, account.platform),
    )


def _accounts_by_id(platform: str, ids: set[str]) -> dict[str, SocialAccount]:
    """Every directory account with one of ``ids`` on ``platform`` (one query); a verified
    account wins over others that share its platform id."""
    found: dict[str, SocialAccount] = {}
    if not ids:
        return found
    for account in SocialAccount.objects.filter(platform=platform, platform_id__in=ids).order_by(
        "pk"
    ):
        current = found.get(account.platform_id)
        if current is None or (
            current.status != AccountStatus.VERIFICADA
            and account.status == AccountStatus.VERIFICADA
        ):
            found[account.platform_id] = account
    return found


def _quarantine_reason(account: SocialAccount | None, object_id: str) -> str:
    if not object_id:
        return _("Evento sin id de página o cuenta")
    if account is None:
        return _("Página no registrada o no verificada en el directorio")
    return _("La cuenta %(account)s no está verificada en el directorio (estado: %(status)s)") % {
        "account": account.display_handle[:80],
        "status": AccountStatus(account.status).label,
    }


class AccountCache:
    """``_accounts_by_id`` remembered for a whole file import: one query per page or
    Instagram id the file names, not one per line (a webhook body is one line of the file)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, str], SocialAccount | None] = {}

    def __call__(self, platform: str, ids: set[str]) -> dict[str, SocialAccount]:
        if len(ids) == 1:  # a webhook body names one page: the file's lines, mostly known
            for object_id in ids:
                if (platform, object_id) in self._known:
                    account = self._known[(platform, object_id)]
                    return {object_id: account} if account is not None else {}
        missing = {i for i in ids if (platform, i) not in self._known}
        if missing:
            found = _accounts_by_id(platform, missing)
            for object_id in missing:
                self._known[(platform, object_id)] = found.get(object_id)
        return {
            object_id: account
            for object_id in ids
            if (account := self._known[(platform, object_id)]) is not None
        }


def parse_webhook(
    payload: dict[str, Any],
    *,
    accounts_lookup: Callable[[str, set[str]], dict[str, SocialAccount]] | None = None,
) -> MetaBatch:
    """Reads a webhook body into inbox events. Entries of pages or Instagram accounts that are
    not verified in the directory go to quarantine, whole, with the reason. ``accounts_lookup``
    (an ``AccountCache``) spares the account query per body when many are read at once."""
    if not isinstance(payload, dict):
        raise MetaPayloadError(_("El contenido debe ser un objeto JSON."))
    platform = OBJECT_PLATFORMS.get(_str(payload.get("object")))
    if platform is None:
        raise MetaPayloadError(_("Objeto de webhook no admitido: se espera «page» o «instagram»."))
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise MetaPayloadError(_("El contenido no tiene la lista «entry»."))
    batch = MetaBatch()
    entries = [e for e in entries if isinstance(e, dict)]
    lookup = accounts_lookup or _accounts_by_id
    accounts = lookup(platform, {_str(e.get("id")) for e in entries} - {""})
    for entry in entries:
        object_id = _str(entry.get("id"))
        account = accounts.get(object_id)
        if account is None or account.status != AccountStatus.VERIFICADA:
            batch.quarantine.append((object_id, _quarantine_reason(account, object_id), entry))
            continue
        when = parse_time(entry.get("time")) or timezone.now()
        for change in _list(entry.get("changes")):
            _change_read(platform, _dict(change), account, when, batch)
        for key in ("messaging", "standby"):
            for item in _list(entry.get(key)):
                event = _messaging_event(_dict(item), account, when, batch.ignored)
                if event is not None:
                    batch.events.append(event)
    return batch


def _change_read(
    platform: str,
    change: dict[str, Any],
    account: SocialAccount,
    when: datetime,
    batch: MetaBatch,
) -> None:
    """One ``changes`` item of an entry, read by its field into ``batch``."""
    name = _str(change.get("field"))
    value = _dict(change.get("value"))
    event: IncomingMessage | IncomingPost | None
    if platform == Platform.FACEBOOK and name == "feed":
        event = _feed_event(value, account, when, batch.ignored)
    elif platform == Platform.FACEBOOK and name == "mention":
        event = _mention_event(value, account, when, batch.ignored)
    elif platform == Platform.INSTAGRAM and name in IG_COMMENT_FIELDS:
        event = _instagram_comment(value, account, when, batch.ignored)
    elif platform == Platform.INSTAGRAM and name == "mentions":
        ids = _instagram_mention(value, account, batch.ignored)
        if ids is not None:
            batch.mentions.append((account.pk, *ids))
        return
    elif name in MESSAGING_FIELDS and value:
        # Instagram and the "test" button of the dashboard send messages as changes.
        event = _messaging_event(value, account, when, batch.ignored)
    else:
        batch.ignored[f"campo:{name or '?'}"] += 1
        return
    if isinstance(event, IncomingPost):
        batch.posts.append(event)
    elif event is not None:
        batch.events.append(event)


def payload_load(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MetaPayloadError(
            _("El contenido no es JSON válido: %(detail)s") % {"detail": str(exc)[:200]}
        ) from exc
    if not isinstance(payload, dict):
        raise MetaPayloadError(_("El contenido debe ser un objeto JSON."))
    return payload


def handle_webhook_body(raw: bytes) -> MetaResult:
    """Reads a (signature-checked) webhook body and stores it in one transaction: messages
    through the inbox's ingestion, unknown pages in quarantine. Raises MetaPayloadError."""
    payload = payload_load(raw)
    with transaction.atomic():
        batch = parse_webhook(payload)
        # Messages on demo accounts (the sandbox platform's) are demo data like the rest.
        demo = set(
            SocialAccount.objects.filter(
                pk__in={e.account_id for e in batch.events} | {p.account_id for p in batch.posts},
                is_demo=True,
            ).values_list("pk", flat=True)
        )
        ingest = messages_ingest(
            batch=[e for e in batch.events if e.account_id not in demo],
            posts=[p for p in batch.posts if p.account_id not in demo],
        )
        if demo:
            ingest += messages_ingest(
                batch=[e for e in batch.events if e.account_id in demo],
                posts=[p for p in batch.posts if p.account_id in demo],
                is_demo=True,
            )
        platform = OBJECT_PLATFORMS[_str(payload.get("object"))]
        quarantined = quarantine_store(platform, batch.quarantine)
        # Recorded with the rest: the worker reads them after the commit, never this request.
        from agora.connectors.meta_mentions import mentions_record

        mentions = mentions_record(batch.mentions)
    ignored = sum(batch.ignored.values())
    if quarantined or ignored:
        log.info(
            "meta webhook: %d en cuarentena, %d ignorados %s",
            quarantined,
            ignored,
            dict(batch.ignored),
        )
    return MetaResult(ingest=ingest, quarantined=quarantined, ignored=ignored, mentions=mentions)


# --- Graph API -------------------------------------------------------------------------------


def _token(account: SocialAccount) -> str:
    try:
        secret = account.credential.secret
    except ObjectDoesNotExist:
        secret = ""
    if not secret:
        raise SendError(_("La cuenta no tiene un token de acceso registrado."), permanent=True)
    return str(secret)


def graph_base_url(account: SocialAccount | None) -> str:
    """Where the account's Graph API calls go: the sandbox platform that Ágora runs itself
    (agora/connectors/sandbox.py) for demo accounts while it is on, Meta for every other."""
    if account is not None and account.is_demo and settings.SANDBOX_ENABLED:
        return str(settings.SANDBOX_URL).rstrip("/")
    return str(settings.META_GRAPH_URL).rstrip("/")


def _graph_post(
    token: str, path: str, body: dict[str, Any], *, account: SocialAccount | None = None
) -> dict[str, Any]:
    """POST to the Graph API of ``account`` with the token in a header (never in the URL, so
    that it cannot reach logs or error messages). Raises SendError, permanent when retrying
    will not help; a refused token is noted on the account's credential."""
    url = f"{graph_base_url(account)}/{path.lstrip('/')}"
    try:
        response = requests.post(
            url,
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        from agora.connectors.lookups import may_have_arrived

        if may_have_arrived(exc):
            # It may be published: looked for on the platform before any new attempt.
            raise SendUncertain(
                _(
                    "Meta no respondió (%(error)s): se comprobará en la plataforma si la "
                    "respuesta se publicó antes de intentarlo de nuevo."
                )
                % {"error": type(exc).__name__}
            ) from exc
        raise SendError(_("No se pudo conectar con Meta; se reintentará.")) from exc
    return _graph_response(response, token, path, account)


def _graph_get(
    token: str, path: str, params: dict[str, str], *, account: SocialAccount | None = None
) -> dict[str, Any]:
    """GET from the Graph API of ``account``: the token in a header, errors as in
    :func:`_graph_post` (reads are safe to retry)."""
    url = f"{graph_base_url(account)}/{path.lstrip('/')}"
    try:
        response = requests.get(
            url,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise SendError(_("No se pudo consultar a Meta; se reintentará.")) from exc
    return _graph_response(response, token, path, account)


def _graph_response(
    response: requests.Response, token: str, path: str, account: SocialAccount | None
) -> dict[str, Any]:
    """The body of a Graph API answer, or SendError (permanent when retrying will not help);
    a refused token is noted on the account's credential."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if response.status_code < 400:
        return data
    if response.status_code == 504:
        raise SendUncertain(
            _(
                "Meta no respondió a tiempo (504): se comprobará en la plataforma si la "
                "respuesta se publicó antes de intentarlo de nuevo."
            )
        )
    error = _dict(data.get("error"))
    code = error.get("code")
    detail = _str(error.get("message")).replace(token, "***")[:ERROR_DETAIL_MAX]
    transient = (
        response.status_code >= 500
        or response.status_code == 429
        or error.get("is_transient") is True
        or code in TRANSIENT_CODES
    )
    if code is None:
        text = _("Meta respondió con el error %(status)s.") % {"status": response.status_code}
    else:
        text = _("Meta respondió con el error %(status)s (código %(code)s).") % {
            "status": response.status_code,
            "code": code,
        }
    if detail:
        text = f"{text} {detail}"
    if transient:
        text = f"{text} {_('Se reintentará.')}"
    log.warning("meta graph %s: HTTP %s código %s", path.split("/")[-1], response.status_code, code)
    if account is not None and (response.status_code == 401 or code in AUTH_CODES):
        from agora.connectors.services import credential_refused_record

        credential_refused_record(account=account, error=text)
    raise SendError(text, permanent=not transient)


def _comment_target(message: Message) -> str:
    """The comment to publish the answer under: the top-level comment of the citizen message
    it answers. Facebook shows two levels and Instagram refuses replies to replies, so a
    reply (or a reply to a reply) is answered under its top-level comment; a visitor's post
    is answered with a comment on it."""
    conversation = message.conversation
    target = message.reply_to
    if target is None and message.parent_platform_id:
        target = Message.objects.filter(
            platform=message.platform, platform_message_id=message.parent_platform_id
        ).first()
    if target is None:
        return message.parent_platform_id or conversation.thread_id
    post_id = conversation.post.platform_post_id if conversation.post is not None else ""
    for _level in range(10):  # replies are never this deep; a loop in the data stops here
        parent_id = target.parent_platform_id
        if not parent_id or parent_id == post_id:
            break  # a top-level comment (or a visitor's post)
        parent = (
            Message.objects.filter(platform=target.platform, platform_message_id=parent_id)
            .only("platform", "platform_message_id", "parent_platform_id")
            .first()
        )
        if parent is None:
            return parent_id  # the top-level comment, not stored: still the right target
        target = parent
    return target.platform_message_id


def send_reply(message: Message) -> str:
    """Sends a staff answer through the Graph API and returns the platform's id for it."""
    conversation = message.conversation
    account = conversation.account
    token = _token(account)
    instagram = account.platform == Platform.INSTAGRAM
    if conversation.thread_kind == ThreadKind.DIRECT:
        body: dict[str, Any] = {
            "recipient": {"id": conversation.thread_id},
            "message": {"text": message.text},
        }
        if instagram:
            if not account.platform_id:
                raise SendError(
                    _("La cuenta de Instagram no tiene su id en el directorio."), permanent=True
                )
            path = f"{account.platform_id}/messages"
        else:
            body["messaging_type"] = "RESPONSE"
            path = "me/messages"
    elif instagram and conversation.thread_kind == ThreadKind.MENTION:
        # A mention on someone else's publication is answered through the account's mentions
        # edge: the comment and the media are not the account's.
        from agora.connectors.meta_mentions import instagram_mention_reply

        path, body = instagram_mention_reply(conversation, message.text)
    else:
        target = _comment_target(message)
        if instagram:
            on_media = (
                conversation.post is not None and target == conversation.post.platform_post_id
            )
            path = f"{target}/comments" if on_media else f"{target}/replies"
        else:
            path = f"{target}/comments"
        body = {"message": message.text}
    data = _graph_post(token, path, body, account=account)
    platform_id = _str(data.get("id")) or _str(data.get("message_id"))
    if not platform_id:
        # The answer may have been published: looked for before any new attempt.
        raise SendUncertain(
            _(
                "Meta aceptó la respuesta pero no devolvió su id: se comprobará en la "
                "plataforma si se publicó."
            )
        )
    return platform_id


def hide_comment(account: SocialAccount, comment_id: str, hidden: bool) -> None:
    """Hides (or shows again) a citizen's comment on the platform; nothing is deleted."""
    token = _token(account)
    if account.platform == Platform.INSTAGRAM:
        body: dict[str, Any] = {"hide": hidden}
    else:
        body = {"is_hidden": hidden}
    data = _graph_post(token, comment_id, body, account=account)
    if data.get("success") is False:
        raise SendError(_("Meta no confirmó el cambio de visibilidad del comentario."))
