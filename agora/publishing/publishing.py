"""Publishing planned posts at their time, at most once on the platform (issue 18, point 5).

Each ``PostVariant`` (the post's text on one account) is published on its own:

1. claimed with one conditional UPDATE, committed before the platform is called: "publicando",
   one more attempt, and a lease (``due_at``) for the worker that calls. Of two runs at once
   only one gets it; a "publicando" variant is never taken again while its lease runs;
2. the connector's publisher is called (agora/publishing/publishers.py, filled by
   agora/connectors/registry.py);
3. the platform's id is stored with the inbox's ``Post`` for it (citizens' comments on it
   arrive as conversations of that post): "publicada".

An unknown outcome (a read timeout, a reset after sending, a 504, a worker that died between
the platform's answer and step 3) is never sent again blindly: the variant stays "publicando"
and the next run looks on the platform first (the connector's finder), as the inbox does for
answers (agora/inbox/tasks.py). Found, it is recorded; certainly absent, it is tried again;
unknowable, it fails with a reason asking a person to check ("fallida" is never retried by
itself). A refusal is retried with backoff, a permanent one fails at once.

Posts paused by a crisis (``paused_at``) are left alone. A post whose variants are all
published becomes "publicado"."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.crypto import CredentialUnreadable
from agora.core.notifications import notify
from agora.inbox.senders import LookupUnavailable, SendError, SendUncertain
from agora.publishing.models import (
    Crisis,
    PlannedPost,
    PostStatus,
    PostVariant,
    VariantStatus,
)
from agora.publishing.publishers import post_finder_for, publisher_for, publishing_platforms

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 60
_TIMEOUT: Any = settings.Q_CLUSTER.get("timeout", 300)
# How long a run that claimed a variant may be calling the platform: longer than a task may
# run, so a "publicando" variant past it was left by a run that died; it is looked for.
LEASE = timedelta(seconds=int(_TIMEOUT) + 60)
BATCH = 100


def _due(now: datetime) -> QuerySet[PostVariant]:
    """Variants of scheduled posts whose time has come, not paused, of an entity not in
    crisis (a post approved during a crisis waits too)."""
    in_crisis = Crisis.objects.filter(closed_at__isnull=True).values("entity_id")
    return PostVariant.objects.filter(
        post__status=PostStatus.PROGRAMADO,
        post__scheduled_at__lte=now,
        post__paused_at__isnull=True,
    ).exclude(post__entity_id__in=in_crisis)


@dataclass(frozen=True)
class VariantClaim:
    variant: PostVariant
    look_first: bool


def _backoff(attempt: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS * 2 ** max(0, attempt - 1))


def _post_url(post: PlannedPost) -> str:
    try:
        return reverse("publishing:post", args=[post.pk])
    except NoReverseMatch:  # the post pages are not installed
        return ""


# --- aprobado → programado ---------------------------------------------------------------------


def posts_schedule(now: datetime | None = None) -> int:
    """Approved posts with a variant on an account Ágora can publish on become "programado"
    (they are then published at their time). Returns how many."""
    now = now or timezone.now()
    platforms = publishing_platforms()
    if not platforms:
        return 0
    ids = list(
        PlannedPost.objects.filter(
            status=PostStatus.APROBADO, variants__account__platform__in=platforms
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    moved = 0
    for pk in ids:
        with transaction.atomic():
            if not PlannedPost.objects.filter(pk=pk, status=PostStatus.APROBADO).update(
                status=PostStatus.PROGRAMADO, updated_at=now
            ):
                continue  # changed meanwhile (edited, or another run)
            post = PlannedPost.objects.select_related("entity").get(pk=pk)
            audit_record(
                actor=None,
                verb="publicacion.programada",
                instance=post,
                scope=post.entity.code,
                before={"status": PostStatus.APROBADO},
                after={"status": PostStatus.PROGRAMADO, "scheduled_at": str(post.scheduled_at)},
            )
            moved += 1
    return moved


# --- one variant -------------------------------------------------------------------------------


def variant_claim(variant_id: int, now: datetime | None = None) -> VariantClaim | None:
    """Marks a variant as being published ("publicando", one more attempt, a lease) in its own
    committed transaction, before the platform is called; None when there is nothing to do
    (published, failed, its post not due or paused, or another run holds it). A "publicando"
    variant whose lease ran out is claimed to be looked for on the platform first."""
    now = now or timezone.now()
    with transaction.atomic():
        look_first = False
        ids = _due(now).filter(pk=variant_id).values("pk")
        claimed = PostVariant.objects.filter(
            Q(due_at__isnull=True) | Q(due_at__lte=now),
            pk__in=ids,
            publish_status=VariantStatus.PENDIENTE,
        ).update(
            publish_status=VariantStatus.PUBLICANDO,
            attempts=F("attempts") + 1,
            due_at=now + LEASE,
        )
        if not claimed:
            look_first = True
            claimed = PostVariant.objects.filter(
                pk__in=ids, publish_status=VariantStatus.PUBLICANDO, due_at__lte=now
            ).update(due_at=now + LEASE)
    if not claimed:
        return None
    variant = PostVariant.objects.select_related("post__entity", "account").get(pk=variant_id)
    return VariantClaim(variant, look_first)


def variant_attempt(variant: PostVariant, now: datetime | None = None) -> PostVariant:
    """A new attempt of a claimed variant (a look found nothing), committed before the
    platform is called again."""
    now = now or timezone.now()
    with transaction.atomic():
        PostVariant.objects.filter(pk=variant.pk, publish_status=VariantStatus.PUBLICANDO).update(
            attempts=F("attempts") + 1, due_at=now + LEASE
        )
    variant.refresh_from_db(fields=["attempts", "due_at", "publish_status"])
    return variant


@transaction.atomic
def variant_published(
    *, variant: PostVariant, platform_post_id: str, now: datetime | None = None
) -> PostVariant:
    """Records the platform's id: the variant is published, the inbox knows the post (its
    comments become conversations of it), and the post is published when all its variants
    are. Audited."""
    from agora.inbox.services import IncomingPost, posts_store

    now = now or timezone.now()
    locked = (
        PostVariant.objects.select_for_update(of=("self",))
        .select_related("post__entity", "account")
        .get(pk=variant.pk)
    )
    if locked.publish_status == VariantStatus.PUBLICADA:
        return locked
    account = locked.account
    stored = posts_store(
        posts=[
            IncomingPost(
                platform=account.platform,
                account_id=account.pk,
                post_id=platform_post_id,
                text=locked.text,
                posted_at=now,
            )
        ],
        is_demo=account.is_demo or locked.post.is_demo,
    )
    locked.inbox_post_id = stored.get((account.pk, platform_post_id))
    locked.publish_status = VariantStatus.PUBLICADA
    locked.platform_post_id = platform_post_id
    locked.published_at = now
    locked.due_at = None
    locked.last_error = ""
    locked.save(
        update_fields=[
            "inbox_post",
            "publish_status",
            "platform_post_id",
            "published_at",
            "due_at",
            "last_error",
        ]
    )
    post = locked.post
    audit_record(
        actor=None,
        verb="publicacion.publicada",
        instance=post,
        scope=post.entity.code,
        after={
            "variant": locked.pk,
            "account": str(account),
            "platform_post_id": platform_post_id,
            "attempts": locked.attempts,
        },
    )
    pending = (
        PostVariant.objects.filter(post_id=post.pk)
        .exclude(publish_status=VariantStatus.PUBLICADA)
        .exists()
    )
    if not pending:
        PlannedPost.objects.filter(pk=post.pk, status=PostStatus.PROGRAMADO).update(
            status=PostStatus.PUBLICADO, published_at=now, updated_at=now
        )
    return locked


@transaction.atomic
def variant_failed(
    *, variant: PostVariant, error: str, final: bool, retry_at: datetime | None = None
) -> PostVariant:
    """A refused attempt (nothing was published): back to pending until ``retry_at``, or
    "fallida" with the reason shown on the post page (audited, the author told)."""
    if not final:
        PostVariant.objects.filter(pk=variant.pk, publish_status=VariantStatus.PUBLICANDO).update(
            publish_status=VariantStatus.PENDIENTE, last_error=error[:2000], due_at=retry_at
        )
        variant.refresh_from_db()
        return variant
    updated = PostVariant.objects.filter(
        pk=variant.pk, publish_status=VariantStatus.PUBLICANDO
    ).update(publish_status=VariantStatus.FALLIDA, last_error=error[:2000], due_at=None)
    variant.refresh_from_db()
    if updated:
        post = PlannedPost.objects.select_related("entity", "author").get(pk=variant.post_id)
        audit_record(
            actor=None,
            verb="publicacion.fallida",
            instance=post,
            scope=post.entity.code,
            after={"variant": variant.pk, "account": str(variant.account), "error": error[:500]},
        )
        if post.author is not None:
            notify(
                users=[post.author],
                kind="publicacion_fallida",
                text=_("No se publicó «%(title)s» en %(account)s: %(error)s")
                % {"title": post.title, "account": variant.account, "error": error[:300]},
                url=_post_url(post),
                email=False,
            )
    return variant


@transaction.atomic
def variant_uncertain(*, variant: PostVariant, error: str, look_at: datetime) -> PostVariant:
    """The platform may have published it: it stays "publicando" and is looked for at
    ``look_at``, never sent again blindly."""
    PostVariant.objects.filter(pk=variant.pk, publish_status=VariantStatus.PUBLICANDO).update(
        last_error=error[:2000], due_at=look_at
    )
    variant.refresh_from_db()
    return variant


def _look(variant: PostVariant) -> str | None:
    """Looks on the platform for a variant that may be published. Returns what was done
    (the id found, or "por verificar"), or None when it is certainly not there."""
    finder = post_finder_for(variant.account.platform)
    try:
        if finder is None:
            raise LookupUnavailable(_("esta red no permite comprobar si se publicó."))
        found = finder(variant)
    except (LookupUnavailable, CredentialUnreadable, SendError) as exc:
        reason = str(exc)
    except Exception:
        log.exception("publicación %s: error inesperado al buscarla en la red", variant.pk)
        reason = _("error inesperado al consultar la red.")
    else:
        if found:
            variant_published(variant=variant, platform_post_id=found)
            return found
        return None
    variant_failed(
        variant=variant,
        error=_(
            "No se sabe si se publicó: %(reason)s Revísela en la red antes de publicarla de "
            "nuevo a mano."
        )
        % {"reason": reason.rstrip(".") + "."},
        final=True,
    )
    return "por verificar"


def variant_publish(variant_id: int, now: datetime | None = None) -> str:
    """Publishes one variant at most once on the platform (see the module's docstring);
    returns what it did."""
    claim = variant_claim(variant_id, now)
    if claim is None:
        return "nada que publicar"
    variant = claim.variant
    publish = publisher_for(variant.account.platform)
    if publish is None:
        variant_failed(
            variant=variant,
            error=_("Ágora no tiene un conector que publique en %(platform)s.")
            % {"platform": variant.account.get_platform_display()},
            final=True,
        )
        return "sin conector"
    if claim.look_first:
        looked = _look(variant)
        if looked is not None:
            return looked
        if variant.attempts >= MAX_ATTEMPTS:
            variant_failed(
                variant=variant,
                error=_("Se comprobó en la red que no está publicada y se agotaron los intentos."),
                final=True,
            )
            return "error"
        variant = variant_attempt(variant)
    attempt = variant.attempts
    try:
        platform_post_id = publish(variant)
    except SendUncertain as exc:
        variant_uncertain(variant=variant, error=str(exc), look_at=timezone.now() + _backoff(1))
        return "por comprobar"
    except SendError as exc:
        final = exc.permanent or attempt >= MAX_ATTEMPTS
        variant_failed(
            variant=variant,
            error=str(exc),
            final=final,
            retry_at=None if final else timezone.now() + _backoff(attempt),
        )
        return "error"
    except CredentialUnreadable as exc:  # read before any call: certainly not published
        variant_failed(variant=variant, error=str(exc), final=attempt >= MAX_ATTEMPTS)
        return "error"
    except Exception:
        log.exception("publicación %s: error inesperado del conector", variant.pk)
        variant_uncertain(
            variant=variant,
            error=_(
                "Error inesperado al publicar: se comprobará en la red si se publicó antes de "
                "intentarlo de nuevo."
            ),
            look_at=timezone.now() + _backoff(1),
        )
        return "error"
    variant_published(variant=variant, platform_post_id=platform_post_id)
    return platform_post_id


def variants_due(now: datetime | None = None) -> list[int]:
    """Variants whose post's time has come, not paused, to publish or to look for."""
    now = now or timezone.now()
    return list(
        _due(now)
        .filter(
            Q(publish_status=VariantStatus.PENDIENTE, due_at__isnull=True)
            | Q(
                publish_status__in=[VariantStatus.PENDIENTE, VariantStatus.PUBLICANDO],
                due_at__lte=now,
            )
        )
        .order_by("post__scheduled_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def posts_publish_due(now: datetime | None = None) -> dict[str, int]:
    """Periodic (every minute): approved posts become scheduled, and every variant whose time
    has come is published (or looked for). Idempotent: each variant is claimed first."""
    scheduled = posts_schedule(now)
    results: dict[str, int] = {"programadas": scheduled, "publicadas": 0, "otras": 0}
    for pk in variants_due(now):
        outcome = variant_publish(pk, now)
        if outcome == "nada que publicar":
            continue
        if PostVariant.objects.filter(pk=pk, publish_status=VariantStatus.PUBLICADA).exists():
            results["publicadas"] += 1
        else:
            results["otras"] += 1
    return results
