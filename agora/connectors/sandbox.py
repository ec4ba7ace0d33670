"""The sandbox platform (demo only): a pretend Meta, X and YouTube that Ágora runs itself, so
that the demo and local development show the whole loop through the real connector code.

- It answers the few Graph API calls the Meta connector makes (reply to a comment, send a direct
  message, hide a comment, and the reads that look for an answer whose send timed out) for
  demo accounts holding a sandbox token, under /sandbox/graph/; X's and YouTube's under
  /sandbox/x/2/ and /sandbox/youtube/v3/ (agora/connectors/sandbox_polled.py), where Ágora's
  pollers read new citizen posts and comments (those platforms send no webhooks).
- It also takes the page's own posts (``POST /{page-id}/feed``, planned posts published by
  agora/publishing) and lists them (``GET /{page-id}/posts``); its citizens comment on them.
- What it publishes is recorded (``SandboxPublication``) and shown at /sandbox/.
- Each publication is also the outbox of the webhook Meta would send about it: the echo of the
  answer, or a new citizen message (``sandbox_citizens``). The row is written in the same
  transaction as the publication; a task delivers it, correctly signed, to /webhooks/meta/, and
  a periodic job delivers whatever is left. Ágora's real webhook ingestion then takes it.

Only accounts marked ``is_demo`` ever reach it (``api_url`` below, used by meta.py, x.py and
youtube.py), and only while ``SANDBOX_ENABLED`` is on (see agora/settings.py).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.connectors import sandbox_polled
from agora.connectors.models import AccountCredential, CredentialKind, SandboxKind
from agora.connectors.models import SandboxPublication as Publication
from agora.directory.models import AccountStatus, Platform, SocialAccount
from agora.inbox.models import Conversation, Message

log = logging.getLogger(__name__)

TOKEN_PREFIX = "sandbox."  # noqa: S105 - a prefix, not a secret
DELIVERY_ATTEMPTS = 20
SCHEDULE_NAME = "sandbox-ciudadanos"
CITIZEN_MINUTES = 3
DEMO_MARK = "[demo]"
# Share of citizen messages that are comments on a page's recent post (published by Ágora).
RECENT_POST_SHARE = 0.3
RECENT_POSTS_FOR = timedelta(days=7)
# Meta sends webhooks; the sandbox's X and YouTube are read by Ágora's pollers.
WEBHOOK_PLATFORMS = [Platform.FACEBOOK, Platform.INSTAGRAM]
POLLED_PLATFORMS = [Platform.X, Platform.YOUTUBE]
CREDENTIAL_KINDS: dict[str, str] = {
    Platform.FACEBOOK: CredentialKind.PAGE_TOKEN,
    Platform.INSTAGRAM: CredentialKind.PAGE_TOKEN,
    Platform.X: CredentialKind.BEARER,
    Platform.YOUTUBE: CredentialKind.OAUTH,
}
CITIZEN_TEXTS = [
    "¿Hasta qué fecha hay inscripciones para la campaña de vacunación?",
    "Buenas tardes, ¿dónde puedo presentar un reclamo por la atención recibida?",
    "No me llega la respuesta a mi trámite, ¿a quién debo escribir?",
    "Gracias por la información, fue muy útil.",
    "¿Atienden el sábado en la sede central?",
    "Quisiera saber cuáles son los requisitos para el trámite en línea.",
    "La página web no carga desde ayer, ¿está en mantenimiento?",
    "¿El programa llega también a los distritos rurales de mi provincia?",
]


# --- tokens ----------------------------------------------------------------------------------


def _signature(account_id: int) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"sandbox:{account_id}".encode(), hashlib.sha256).hexdigest()[:32]


def sandbox_token(account: SocialAccount) -> str:
    """The sandbox's token for one account (stored as its credential, like a page token)."""
    return f"{TOKEN_PREFIX}{account.pk}.{_signature(account.pk)}"


def account_for_token(header: str) -> SocialAccount | None:
    """The demo account a ``Bearer`` sandbox token belongs to; None for any other token."""
    token = header.removeprefix("Bearer ").strip()
    if not token.startswith(TOKEN_PREFIX):
        return None
    account_id, _dot, signature = token.removeprefix(TOKEN_PREFIX).partition(".")
    if not account_id.isdigit() or not hmac.compare_digest(
        signature.encode(), _signature(int(account_id)).encode()
    ):
        return None
    return SocialAccount.objects.filter(pk=int(account_id), is_demo=True).first()


def api_url(platform: str) -> str:
    """The sandbox's address for one platform's API (what the connectors call instead of
    Meta's, X's or YouTube's for demo accounts)."""
    graph = str(settings.SANDBOX_URL).rstrip("/")
    root = graph.removesuffix("/graph")
    if platform == Platform.X:
        return f"{root}/x/2"
    if platform == Platform.YOUTUBE:
        return f"{root}/youtube/v3"
    return graph


def uses_sandbox(account: SocialAccount | None) -> bool:
    """Whether the account's calls go to the sandbox: demo accounts while it is on."""
    return account is not None and account.is_demo and bool(settings.SANDBOX_ENABLED)


def _installable() -> list[SocialAccount]:
    """Verified demo accounts on every platform the sandbox stands in for. On X and YouTube
    (polled every few minutes) only those the demo inbox uses, to keep polling light."""
    verified = SocialAccount.objects.filter(is_demo=True, status=AccountStatus.VERIFICADA).exclude(
        platform_id=""
    )
    in_use = Conversation.objects.filter(is_demo=True).values("account_id")
    return list(verified.filter(platform__in=WEBHOOK_PLATFORMS)) + list(
        verified.filter(platform__in=POLLED_PLATFORMS, pk__in=in_use)
    )


def credentials_install(*, accounts: list[SocialAccount] | None = None) -> int:
    """Gives verified demo accounts on Facebook, Instagram, X and YouTube their sandbox token
    (so that answers in the demo are published on the sandbox). Never touches a non-demo
    account, nor a demo account that already has another credential. Returns how many it
    installed."""
    if accounts is None:
        accounts = _installable()
    known = dict(
        AccountCredential.objects.filter(account__in=accounts).values_list("account_id", "hint")
    )
    installed = 0
    for account in accounts:
        if not account.is_demo or account.platform not in CREDENTIAL_KINDS:
            continue
        token = sandbox_token(account)
        if account.pk in known and known[account.pk] != token[-8:]:
            continue  # someone registered a real-looking token on purpose: keep it
        AccountCredential.objects.update_or_create(
            account=account,
            defaults={
                "kind": CREDENTIAL_KINDS[account.platform],
                "secret": token,
                "hint": token[-8:],
            },
        )
        installed += 1
    return installed


# --- webhook payloads (the shapes Meta sends) --------------------------------------------------


def _object(account: SocialAccount) -> str:
    return "instagram" if account.platform == Platform.INSTAGRAM else "page"


def _entry(account: SocialAccount, when: datetime, **content: Any) -> dict[str, Any]:
    return {
        "object": _object(account),
        "entry": [{"id": account.platform_id, "time": int(when.timestamp()), **content}],
    }


def comment_payload(
    account: SocialAccount,
    *,
    comment_id: str,
    post_id: str,
    parent_id: str,
    text: str,
    author_id: str,
    author_name: str,
    when: datetime,
) -> dict[str, Any]:
    who = {"id": author_id, "name": author_name, "username": author_name}
    if account.platform == Platform.INSTAGRAM:
        value: dict[str, Any] = {
            "id": comment_id,
            "text": text,
            "from": who,
            "media": {"id": post_id},
            "created_time": int(when.timestamp()),
        }
        if parent_id and parent_id != post_id:
            value["parent_id"] = parent_id
        return _entry(account, when, changes=[{"field": "comments", "value": value}])
    value = {
        "item": "comment",
        "verb": "add",
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": parent_id or post_id,
        "message": text,
        "from": who,
        "created_time": int(when.timestamp()),
    }
    return _entry(account, when, changes=[{"field": "feed", "value": value}])


def page_post_payload(
    account: SocialAccount, *, post_id: str, text: str, when: datetime
) -> dict[str, Any]:
    """The ``feed`` webhook Meta sends when the page publishes a status (the page is its
    author): Ágora stores it as the post its comments hang on."""
    value = {
        "item": "status",
        "verb": "add",
        "post_id": post_id,
        "message": text,
        "from": {"id": account.platform_id, "name": account.display_handle},
        "created_time": int(when.timestamp()),
        "published": 1,
    }
    return _entry(account, when, changes=[{"field": "feed", "value": value}])


def direct_payload(
    account: SocialAccount,
    *,
    mid: str,
    citizen_id: str,
    text: str,
    when: datetime,
    echo: bool,
) -> dict[str, Any]:
    page = account.platform_id
    sender, recipient = (page, citizen_id) if echo else (citizen_id, page)
    message: dict[str, Any] = {"mid": mid, "text": text}
    if echo:
        message["is_echo"] = True
    event = {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": int(when.timestamp() * 1000),
        "message": message,
    }
    return _entry(account, when, messaging=[event])


# --- publishing (the Graph API side) -----------------------------------------------------------


class SandboxRefused(Exception):
    def __init__(self, status: int, code: int, message: str, subcode: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.subcode = subcode


def _post_of(account: SocialAccount, target: str) -> str:
    """The post a comment hangs on, from what the sandbox published or Ágora stored."""
    known = Publication.objects.filter(platform_id=target).values_list("post_id", flat=True).first()
    if known:
        return known
    message = (
        Message.objects.filter(platform=account.platform, platform_message_id=target)
        .select_related("conversation__post")
        .first()
    )
    if message is None or message.conversation.post is None:
        return target  # the post itself (or one Ágora does not know)
    return str(message.conversation.post.platform_post_id)


def _new_id(account: SocialAccount, prefix: str) -> str:
    return f"{prefix}{account.platform_id}_{uuid.uuid4().hex[:16]}"


@transaction.atomic
def graph_publish(*, account: SocialAccount, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Does what the Graph API would do for one call of the Meta connector, records it and
    queues its webhook; returns the Graph API's answer. Raises SandboxRefused."""
    parts = [p for p in path.strip("/").split("/") if p]
    now = timezone.now()
    if parts and parts[-1] == "messages":
        recipient = str((body.get("recipient") or {}).get("id") or "")
        text = str((body.get("message") or {}).get("text") or "")
        if not (recipient and text):
            raise SandboxRefused(400, 100, "recipient y message.text son obligatorios")
        mid = _new_id(account, "m_sandbox_")
        publication = Publication.objects.create(
            account=account,
            kind=SandboxKind.MENSAJE,
            platform_id=mid,
            target_id=recipient,
            text=text,
            payload=direct_payload(
                account, mid=mid, citizen_id=recipient, text=text, when=now, echo=True
            ),
        )
        answer: dict[str, Any] = {"recipient_id": recipient, "message_id": mid}
    elif len(parts) == 2 and parts[1] in {"comments", "replies"}:
        target = parts[0]
        text = str(body.get("message") or "")
        if not text:
            raise SandboxRefused(400, 100, "message es obligatorio")
        post_id = _post_of(account, target)
        comment_id = _new_id(account, "sandbox_")
        publication = Publication.objects.create(
            account=account,
            kind=SandboxKind.COMENTARIO,
            platform_id=comment_id,
            target_id=target,
            post_id=post_id,
            text=text,
            payload=comment_payload(
                account,
                comment_id=comment_id,
                post_id=post_id,
                parent_id=target,
                text=text,
                author_id=account.platform_id,
                author_name=account.display_handle,
                when=now,
            ),
        )
        answer = {"id": comment_id}
    elif (
        len(parts) == 2
        and parts[1] in {"feed", "photos"}
        and parts[0] in {"me", account.platform_id}
        and account.platform == Platform.FACEBOOK
    ):
        # A page's post (agora/connectors/meta_publish.py): Graph answers {"id": "{page}_{post}"}
        # for /feed, and {"id": "{photo}", "post_id": "{page}_{post}"} for /photos (a photo
        # with its caption, read by Meta from ``url``).
        text = str(body.get("message") or "")
        photo = parts[1] == "photos"
        if photo and not str(body.get("url") or "").startswith(("http://", "https://")):
            raise SandboxRefused(400, 324, "url es obligatorio: la dirección de la imagen")
        if not text and not photo:
            raise SandboxRefused(400, 100, "message es obligatorio")
        post_id = _new_id(account, "")
        publication = Publication.objects.create(
            account=account,
            kind=SandboxKind.PUBLICACION,
            platform_id=post_id,
            post_id=post_id,
            target_id=str(body.get("url" if photo else "link") or "")[:255],
            text=text,
            payload=page_post_payload(account, post_id=post_id, text=text, when=now),
        )
        answer = {"id": post_id.split("_")[-1], "post_id": post_id} if photo else {"id": post_id}
    elif len(parts) == 1 and ("is_hidden" in body or "hide" in body):
        hidden = bool(body.get("is_hidden", body.get("hide")))
        Publication.objects.create(
            account=account,
            kind=SandboxKind.OCULTAR,
            platform_id=_new_id(account, "hide_"),
            target_id=parts[0],
            text=_("Comentario ocultado") if hidden else _("Comentario visible de nuevo"),
            delivered_at=now,  # nothing to tell Ágora
        )
        return {"success": True}
    else:
        raise SandboxRefused(400, 100, "operación no disponible en la plataforma de prueba")
    _deliver_after_commit(publication.pk)
    return answer


def _graph_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _graph_item(account: SocialAccount, row: Publication, *, page: bool) -> dict[str, Any]:
    """A comment or message as the Graph API lists it (``fields=id,message,from,created_time``
    on Facebook; ``id,text,username,from,timestamp`` on Instagram)."""
    instagram = account.platform == Platform.INSTAGRAM
    author_id = account.platform_id if page else str(_comment_author(row))
    when = _graph_time(row.created_at)
    if instagram and row.kind != SandboxKind.MENSAJE:
        name = account.handle.lstrip("@") if page else author_id
        return {
            "id": row.platform_id,
            "text": row.text,
            "timestamp": when,
            "username": name,
            "from": {"id": author_id, "username": name},
        }
    return {
        "id": row.platform_id,
        "message": row.text,
        "created_time": when,
        "from": {"id": author_id, "name": account.display_handle if page else author_id},
    }


def _comment_author(row: Publication) -> str:
    for entry in (row.payload or {}).get("entry") or []:
        for change in entry.get("changes") or []:
            return str(((change.get("value") or {}).get("from") or {}).get("id") or "")
        for event in entry.get("messaging") or []:
            return str((event.get("sender") or {}).get("id") or "")
    return ""


def graph_read(*, account: SocialAccount, path: str, params: dict[str, str]) -> dict[str, Any]:
    """The Graph API reads the Meta connector makes: ``GET /{comment-id}`` (does it still
    exist?) and, to find an answer whose send timed out,
    ``GET /{comment-id}/comments`` (Facebook), ``GET /{comment-id}/replies`` and
    ``/{media-id}/comments`` (Instagram), ``GET /{page-id}/conversations?user_id=`` with the
    conversation's messages (Messenger, Instagram). Newest first. Raises SandboxRefused."""
    parts = [p for p in path.strip("/").split("/") if p]
    if len(parts) == 1 and parts[0] not in {"me", account.platform_id}:
        # GET /{comment-id} (agora/connectors/meta_deletions.py): a comment the sandbox made
        # up and still has, or Graph's "does not exist" (code 100, subcode 33).
        if Publication.objects.filter(account=account, platform_id=parts[0]).exists():
            return {"id": parts[0]}
        raise SandboxRefused(
            400,
            100,
            "Unsupported get request. Object with ID '%s' does not exist." % parts[0][:80],
            subcode=33,
        )
    if len(parts) == 2 and parts[1] in {"comments", "replies"}:
        target = parts[0]
        rows = Publication.objects.filter(account=account).filter(
            models.Q(kind=SandboxKind.COMENTARIO, target_id=target)
            | models.Q(kind=SandboxKind.CIUDADANO, post_id=target)
        )
        data = [
            _graph_item(account, row, page=row.kind == SandboxKind.COMENTARIO)
            for row in rows.order_by("-pk")[:100]
        ]
        return {"data": data, "paging": {}}
    if (
        len(parts) == 2
        and parts[1] in {"posts", "published_posts", "feed"}
        and parts[0]
        in {
            "me",
            account.platform_id,
        }
    ):
        # The page's own posts, newest first (what meta_publish.find_post reads).
        rows = Publication.objects.filter(account=account, kind=SandboxKind.PUBLICACION)
        data = [_graph_item(account, row, page=True) for row in rows.order_by("-pk")[:100]]
        return {"data": data, "paging": {}}
    if len(parts) == 2 and parts[1] == "conversations" and parts[0] in {"me", account.platform_id}:
        user = params.get("user_id", "")
        if not user:
            raise SandboxRefused(400, 100, "user_id es obligatorio")
        # The page's side of the conversation (what a lookup needs).
        rows = Publication.objects.filter(
            account=account, kind=SandboxKind.MENSAJE, target_id=user
        ).order_by("-pk")
        messages = [_graph_item(account, row, page=True) for row in rows[:100]]
        thread = {"id": f"t_{account.platform_id}_{user}", "messages": {"data": messages}}
        return {"data": [thread] if messages else [], "paging": {}}
    raise SandboxRefused(400, 100, "lectura no disponible en la plataforma de prueba")


# --- citizens ----------------------------------------------------------------------------------


@transaction.atomic
def citizens_send(*, count: int = 1, rng: random.Random | None = None) -> list[int]:
    """Makes up ``count`` new citizen messages on demo accounts that hold a sandbox token,
    marked "[demo]": on Facebook and Instagram a comment or direct message whose webhook it
    queues; on X a post mentioning the account, on YouTube a comment on the channel's video,
    which Ágora's poller reads (a poll of the account is queued). Returns the publication ids."""
    rng = rng or random.Random()
    accounts = list(
        SocialAccount.objects.filter(
            is_demo=True,
            status=AccountStatus.VERIFICADA,
            platform__in=WEBHOOK_PLATFORMS + POLLED_PLATFORMS,
            credential__isnull=False,
        )
        .exclude(platform_id="")
        .select_related("credential")
        .order_by("pk")
    )
    accounts = [a for a in accounts if account_for_token(a.credential.secret) is not None]
    if not accounts:
        return []
    # A platform first, then one of its accounts: the few polled demo accounts get their share.
    by_platform: dict[str, list[SocialAccount]] = {}
    for account in accounts:
        by_platform.setdefault(account.platform, []).append(account)
    now = timezone.now()
    # The page's posts published on the sandbox lately (planned posts, agora/publishing):
    # citizens comment on them too, so that their comments reach the inbox under that post.
    recent_posts: dict[int, list[str]] = {}
    for account_id, post_id in Publication.objects.filter(
        kind=SandboxKind.PUBLICACION,
        account__in=accounts,
        created_at__gte=now - RECENT_POSTS_FOR,
    ).values_list("account_id", "post_id"):
        recent_posts.setdefault(account_id, []).append(post_id)
    created: list[int] = []
    polled: set[int] = set()
    by_pk = {a.pk: a for a in accounts}
    for _i in range(count):
        # Some go to the pages' recent posts (few pages among many accounts: chosen first).
        on_recent = bool(recent_posts) and rng.random() < RECENT_POST_SHARE
        if on_recent:
            account = by_pk[rng.choice(sorted(recent_posts))]
        else:
            account = rng.choice(by_platform[rng.choice(sorted(by_platform))])
        number = rng.randrange(1, 1000)
        text = f"{DEMO_MARK} {rng.choice(CITIZEN_TEXTS)}"
        if account.platform in POLLED_PLATFORMS:
            created.append(
                sandbox_polled.citizen_publish(account, text=text, number=number, rng=rng).pk
            )
            polled.add(account.pk)
            continue
        author_id = f"sandbox-ciudadano-{number}"
        author_name = _("Ciudadana de prueba %(n)s") % {"n": number}
        if on_recent or rng.random() < 0.6:
            post_id = f"{account.platform_id}_sandbox{now:%Y%m%d}"
            if on_recent:
                post_id = rng.choice(recent_posts[account.pk])
            comment_id = _new_id(account, "sandbox_c_")
            payload = comment_payload(
                account,
                comment_id=comment_id,
                post_id=post_id,
                parent_id=post_id,
                text=text,
                author_id=author_id,
                author_name=author_name,
                when=now,
            )
            platform_id = comment_id
        else:
            post_id = ""
            platform_id = _new_id(account, "m_sandbox_c_")
            payload = direct_payload(
                account, mid=platform_id, citizen_id=author_id, text=text, when=now, echo=False
            )
        publication = Publication.objects.create(
            account=account,
            kind=SandboxKind.CIUDADANO,
            platform_id=platform_id,
            post_id=post_id,
            text=text,
            payload=payload,
        )
        _deliver_after_commit(publication.pk)
        created.append(publication.pk)
    for account_id in sorted(polled):
        # Only makes it fast: the periodic poll of every account reads it anyway.
        transaction.on_commit(lambda pk=account_id: _enqueue_poll(pk))  # type: ignore[misc]
    return created


def _enqueue_poll(account_id: int) -> None:
    from django_q.tasks import async_task

    async_task("agora.connectors.tasks.poll_account_task", account_id, group="conectores")


# --- webhook delivery --------------------------------------------------------------------------


def _deliver_after_commit(pk: int) -> None:
    """Queues the delivery once the publication is committed; if the task is lost, the
    periodic ``sandbox_tick`` delivers it (the row is the outbox)."""
    transaction.on_commit(lambda: _enqueue_delivery(pk))


def _enqueue_delivery(pk: int) -> None:
    from django_q.tasks import async_task

    async_task("agora.connectors.sandbox.publication_deliver", pk, task_name=f"sandbox-{pk}")


def signed_body(payload: dict[str, Any]) -> tuple[bytes, str]:
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    secret = str(settings.META_APP_SECRET).encode("utf-8")
    return raw, "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()


def publication_deliver(pk: int) -> str:
    """Posts the publication's webhook, signed like Meta's, to Ágora's Meta webhook. Delivered
    once acknowledged with 200; a second delivery is harmless (ingestion is idempotent)."""
    publication = (
        Publication.objects.filter(pk=pk, delivered_at__isnull=True)
        .filter(account__platform__in=WEBHOOK_PLATFORMS)
        .first()
    )
    if publication is None or not publication.payload:
        return "nada que entregar"  # delivered, or read by a poller (X, YouTube)
    raw, signature = signed_body(publication.payload)
    try:
        response = requests.post(
            settings.SANDBOX_WEBHOOK_URL,
            data=raw,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
            timeout=settings.CONNECTOR_TIMEOUT_SECONDS,
        )
        ok, error = response.status_code == 200, f"HTTP {response.status_code}"
    except requests.RequestException as exc:
        ok, error = False, type(exc).__name__
    if ok:
        Publication.objects.filter(pk=pk).update(delivered_at=timezone.now(), last_error="")
        return "entregado"
    Publication.objects.filter(pk=pk).update(
        attempts=publication.attempts + 1, last_error=error[:300]
    )
    log.warning("sandbox: no se entregó el webhook %s: %s", pk, error)
    return "error"


def sandbox_tick(citizens: int = 1) -> dict[str, int]:
    """Periodic (while the sandbox is on): delivers the webhooks left undelivered and sends a
    new citizen message."""
    if not settings.SANDBOX_ENABLED:
        return {"entregados": 0, "ciudadanos": 0}
    delivered = 0
    for pk in Publication.objects.filter(
        delivered_at__isnull=True,
        attempts__lt=DELIVERY_ATTEMPTS,
        account__platform__in=WEBHOOK_PLATFORMS,
    ).values_list("pk", flat=True)[:100]:
        delivered += publication_deliver(pk) == "entregado"
    return {"entregados": delivered, "ciudadanos": len(citizens_send(count=citizens))}


def schedules_ensure() -> None:
    from django_q.models import Schedule

    if not settings.SANDBOX_ENABLED:
        Schedule.objects.filter(name=SCHEDULE_NAME).delete()
        return
    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "agora.connectors.sandbox.sandbox_tick",
            "schedule_type": Schedule.MINUTES,
            "minutes": CITIZEN_MINUTES,
        },
    )
