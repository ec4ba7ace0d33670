"""Writes of publishing with a plan: content plans, planned posts, review with four eyes, and
the entity's publishing settings. Publishing itself (approved → programado → publicado) is
the periodic job's (``agora/publishing/publishing.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.commitments.models import Commitment, Evidence, Milestone
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.siteurl import site_url
from agora.directory.models import (
    AccountStatus,
    Entity,
    Membership,
    SocialAccount,
)
from agora.publishing import guidelines
from agora.publishing.models import (
    TEXT_LIMITS,
    ContentPlan,
    PlannedPost,
    PlanTheme,
    PostStatus,
    PostVariant,
    PublishingSettings,
)

# The role checks live in permissions.py; services.may_approve & co. stay importable here.
from agora.publishing.permissions import may_approve as may_approve
from agora.publishing.permissions import may_decide as may_decide
from agora.publishing.permissions import may_manage as may_manage
from agora.publishing.permissions import may_write as may_write

LIMA = ZoneInfo("America/Lima")
EDITABLE = (PostStatus.BORRADOR, PostStatus.RECHAZADO)
PLAN_FIELDS = ["title", "period_start", "period_end", "objectives"]
POST_FIELDS = [
    "title",
    "theme",
    "scheduled_at",
    "status",
    "own_infographic",
    "commitment",
    "milestone",
    "evidence",
]
UNUSABLE_ACCOUNTS = (AccountStatus.RECHAZADA, AccountStatus.SUSPENDIDA, AccountStatus.RETIRADA)


# --- who may do what (the predicates: agora/publishing/permissions.py) ----------------------


def _require_writer(actor: User, entity: Entity) -> None:
    if not may_write(actor, entity):
        raise PermissionDeniedError(
            _("Solo el equipo de comunicaciones de %(entity)s escribe sus planes y publicaciones.")
            % {"entity": entity.name}
        )


# --- content plans ------------------------------------------------------------------------------


def _plan_accounts(entity: Entity, accounts: Iterable[SocialAccount]) -> list[SocialAccount]:
    chosen = list(accounts)
    for account in chosen:
        if account.entity_id != entity.pk:
            raise DomainError(
                _("La cuenta %(account)s no es de %(entity)s.")
                % {"account": account, "entity": entity.name}
            )
    return chosen


def _theme_names(themes: Iterable[str]) -> list[str]:
    names: list[str] = []
    for raw in themes:
        name = raw.strip()[:120]
        if name and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return names


def _validate_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise DomainError(_("El término del plan no puede ser anterior a su inicio."))
    if (end - start).days > 366:
        raise DomainError(_("Un plan de contenidos cubre como máximo un año."))


@transaction.atomic
def plan_create(
    *,
    actor: User,
    entity: Entity,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    objectives: str = "",
    accounts: Iterable[SocialAccount] = (),
    themes: Iterable[str] = (),
) -> ContentPlan:
    _require_writer(actor, entity)
    _validate_period(period_start, period_end)
    if not title.strip():
        raise DomainError(_("El plan necesita un título."))
    chosen = _plan_accounts(entity, accounts)
    plan = ContentPlan.objects.create(
        entity=entity,
        title=title.strip()[:200],
        period_start=period_start,
        period_end=period_end,
        objectives=objectives.strip(),
        created_by=actor,
    )
    plan.accounts.set(chosen)
    PlanTheme.objects.bulk_create(PlanTheme(plan=plan, name=n) for n in _theme_names(themes))
    audit_record(
        actor=actor,
        verb="plan_contenidos.creado",
        instance=plan,
        scope=entity.code,
        after={**snapshot(plan, PLAN_FIELDS), "cuentas": [a.pk for a in chosen]},
    )
    return plan


@transaction.atomic
def plan_update(
    *,
    actor: User,
    plan: ContentPlan,
    title: str,
    period_start: dt.date,
    period_end: dt.date,
    objectives: str = "",
    accounts: Iterable[SocialAccount] = (),
    themes: Iterable[str] = (),
) -> ContentPlan:
    """Edit a plan. Themes not named any more are removed (their posts keep no theme); a
    period that would leave a planned post outside it is refused."""
    plan = ContentPlan.objects.select_for_update().get(pk=plan.pk)
    _require_writer(actor, plan.entity)
    _validate_period(period_start, period_end)
    if not title.strip():
        raise DomainError(_("El plan necesita un título."))
    start, end = _period_bounds(period_start, period_end)
    outside = plan.posts.exclude(scheduled_at__gte=start, scheduled_at__lt=end).count()
    if outside:
        raise DomainError(
            _(
                "%(count)s publicaciones del plan quedarían fuera del nuevo periodo: cambie su "
                "fecha primero."
            )
            % {"count": outside}
        )
    before = snapshot(plan, PLAN_FIELDS)
    chosen = _plan_accounts(plan.entity, accounts)
    plan.title = title.strip()[:200]
    plan.period_start, plan.period_end = period_start, period_end
    plan.objectives = objectives.strip()
    plan.save()
    plan.accounts.set(chosen)
    names = _theme_names(themes)
    plan.themes.exclude(name__in=names).delete()
    existing = set(plan.themes.values_list("name", flat=True))
    PlanTheme.objects.bulk_create(PlanTheme(plan=plan, name=n) for n in names if n not in existing)
    audit_record(
        actor=actor,
        verb="plan_contenidos.editado",
        instance=plan,
        scope=plan.entity.code,
        before=before,
        after={**snapshot(plan, PLAN_FIELDS), "temas": names},
    )
    return plan


def _period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The plan's period as aware instants: from Lima's midnight of its first day to Lima's
    midnight after its last."""
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=LIMA),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=LIMA),
    )


# --- planned posts ------------------------------------------------------------------------------


def public_link(post: PlannedPost) -> str:
    """The public page of the commitment the post cites (directly, through a milestone or
    through a piece of evidence), as an absolute address; "" when it cites none."""
    commitment: Commitment | None = None
    if post.commitment_id:
        commitment = post.commitment
    elif post.milestone_id:
        commitment = post.milestone.commitment  # type: ignore[union-attr]
    elif post.evidence_id:
        commitment = post.evidence.update.commitment  # type: ignore[union-attr]
    return site_url(commitment.get_absolute_url()) if commitment is not None else ""


def _limit_error(account: SocialAccount, length: int, limit: int, with_link: bool) -> DomainError:
    if with_link:
        return DomainError(
            _(
                "El texto para %(account)s tiene %(length)s caracteres con el enlace público "
                "del compromiso; %(network)s admite %(limit)s. Acórtelo."
            )
            % {
                "account": account,
                "length": length,
                "network": account.get_platform_display(),
                "limit": limit,
            }
        )
    return DomainError(
        _("El texto para %(account)s tiene %(length)s caracteres; %(network)s admite %(limit)s.")
        % {
            "account": account,
            "length": length,
            "network": account.get_platform_display(),
            "limit": limit,
        }
    )


def _validate_post(
    *,
    plan: ContentPlan,
    theme: PlanTheme | None,
    title: str,
    scheduled_at: dt.datetime,
    texts: Mapping[SocialAccount, str],
    commitment: Commitment | None,
    milestone: Milestone | None,
    evidence: Evidence | None,
    link: str,
) -> dict[SocialAccount, str]:
    """Checks a post in order (its place in the plan, what it cites, then each account's
    text) and returns the cleaned text per account."""
    _validate_post_slot(plan=plan, theme=theme, title=title, scheduled_at=scheduled_at)
    _validate_citations(commitment=commitment, milestone=milestone, evidence=evidence)
    if not texts:
        raise DomainError(_("Elija al menos una cuenta donde publicar."))
    plan_accounts = set(plan.accounts.values_list("pk", flat=True))
    return {
        account: _account_text(plan, plan_accounts, account, raw, link)
        for account, raw in texts.items()
    }


def _validate_post_slot(
    *, plan: ContentPlan, theme: PlanTheme | None, title: str, scheduled_at: dt.datetime
) -> None:
    """A title, a theme of this plan, and an aware time within the plan's period."""
    if not title.strip():
        raise DomainError(_("La publicación necesita un título interno."))
    if theme is not None and theme.plan_id != plan.pk:
        raise DomainError(_("El tema elegido no es de este plan."))
    if timezone.is_naive(scheduled_at):
        raise DomainError(_("La fecha y hora de publicación no tiene zona horaria."))
    start, end = _period_bounds(plan.period_start, plan.period_end)
    if not start <= scheduled_at < end:
        raise DomainError(
            _(
                "La fecha de publicación debe estar dentro del periodo del plan, del "
                "%(start)s al %(end)s."
            )
            % {
                "start": plan.period_start.strftime("%d/%m/%Y"),
                "end": plan.period_end.strftime("%d/%m/%Y"),
            }
        )


def _validate_citations(
    *, commitment: Commitment | None, milestone: Milestone | None, evidence: Evidence | None
) -> None:
    """A cited milestone or evidence belongs to the cited commitment."""
    if (
        milestone is not None
        and commitment is not None
        and milestone.commitment_id != commitment.pk
    ):
        raise DomainError(_("El hito citado no es del compromiso citado."))
    if (
        evidence is not None
        and commitment is not None
        and evidence.update.commitment_id != commitment.pk
    ):
        raise DomainError(_("La evidencia citada no es del compromiso citado."))


def _account_text(
    plan: ContentPlan,
    plan_accounts: set[int],
    account: SocialAccount,
    raw: str,
    link: str,
) -> str:
    """The text for one account, trimmed: the account is the entity's, in the plan (when the
    plan lists accounts), usable and on a network Ágora publishes to; the text (with the
    link, when it is not in it) fits the network's limit."""
    if account.entity_id != plan.entity_id:
        raise DomainError(
            _("La cuenta %(account)s no es de %(entity)s.")
            % {"account": account, "entity": plan.entity.name}
        )
    if plan_accounts and account.pk not in plan_accounts:
        raise DomainError(_("La cuenta %(account)s no está en el plan.") % {"account": account})
    if account.status in UNUSABLE_ACCOUNTS:
        raise DomainError(
            _("La cuenta %(account)s está %(status)s: no se publica en ella.")
            % {"account": account, "status": account.get_status_display().lower()}
        )
    limit = TEXT_LIMITS.get(account.platform)
    if limit is None:
        raise DomainError(
            _("Ágora aún no publica en %(network)s.") % {"network": account.get_platform_display()}
        )
    text = (raw or "").strip()
    if not text:
        raise DomainError(
            _("Escriba el texto para %(network)s.") % {"network": account.get_platform_display()}
        )
    if len(text) > limit:
        raise _limit_error(account, len(text), limit, with_link=False)
    if link and link not in text and len(text) + 1 + len(link) > limit:
        raise _limit_error(account, len(text) + 1 + len(link), limit, with_link=True)
    return text


def _save_media(post: PlannedPost, media: UploadedFile | None, media_alt: str) -> None:
    if media is not None:
        post.media.save(media.name or "publicacion", media, save=False)
    if post.media and not media_alt.strip():
        raise DomainError(
            _("Describa la imagen o el video (texto alternativo) para quien no puede verlo.")
        )
    post.media_alt = media_alt.strip()[:500]


def _variants_set(post: PlannedPost, texts: Mapping[SocialAccount, str]) -> None:
    keep = [a.pk for a in texts]
    post.variants.exclude(account__in=keep).delete()
    existing = {v.account_id: v for v in post.variants.all()}
    for account, text in texts.items():
        variant = existing.get(account.pk)
        if variant is None:
            PostVariant.objects.create(post=post, account=account, text=text)
        elif variant.text != text:
            variant.text = text
            variant.save(update_fields=["text"])


@transaction.atomic
def post_create(
    *,
    actor: User,
    plan: ContentPlan,
    title: str,
    scheduled_at: dt.datetime,
    texts: Mapping[SocialAccount, str],
    theme: PlanTheme | None = None,
    media: UploadedFile | None = None,
    media_alt: str = "",
    own_infographic: bool = False,
    commitment: Commitment | None = None,
    milestone: Milestone | None = None,
    evidence: Evidence | None = None,
) -> PlannedPost:
    """A draft post of ``plan`` with one variant per account; its guidelines are checked."""
    _require_writer(actor, plan.entity)
    post = PlannedPost(
        plan=plan,
        entity=plan.entity,
        theme=theme,
        title=title.strip()[:200],
        scheduled_at=scheduled_at,
        author=actor,
        own_infographic=own_infographic,
        commitment=commitment,
        milestone=milestone,
        evidence=evidence,
    )
    clean = _validate_post(
        plan=plan,
        theme=theme,
        title=title,
        scheduled_at=scheduled_at,
        texts=texts,
        commitment=commitment,
        milestone=milestone,
        evidence=evidence,
        link=public_link(post),
    )
    _save_media(post, media, media_alt)
    post.save()
    _variants_set(post, clean)
    audit_record(
        actor=actor,
        verb="publicacion.creada",
        instance=post,
        scope=plan.entity.code,
        after={**snapshot(post, POST_FIELDS), "cuentas": [a.pk for a in clean]},
    )
    guidelines.post_check(post)
    return post


@transaction.atomic
def post_update(
    *,
    actor: User,
    post: PlannedPost,
    title: str,
    scheduled_at: dt.datetime,
    texts: Mapping[SocialAccount, str],
    theme: PlanTheme | None = None,
    media: UploadedFile | None = None,
    media_alt: str = "",
    own_infographic: bool = False,
    commitment: Commitment | None = None,
    milestone: Milestone | None = None,
    evidence: Evidence | None = None,
) -> PlannedPost:
    """Edit a draft or a rejected post (a rejected one goes back to borrador)."""
    post = PlannedPost.objects.select_for_update().select_related("plan", "entity").get(pk=post.pk)
    _require_writer(actor, post.entity)
    if post.status not in EDITABLE:
        raise DomainError(
            _("Una publicación %(status)s ya no se edita.")
            % {"status": post.get_status_display().lower()}
        )
    before = snapshot(post, POST_FIELDS)
    post.title = title.strip()[:200]
    post.theme = theme
    post.scheduled_at = scheduled_at
    post.own_infographic = own_infographic
    post.commitment, post.milestone, post.evidence = commitment, milestone, evidence
    clean = _validate_post(
        plan=post.plan,
        theme=theme,
        title=title,
        scheduled_at=scheduled_at,
        texts=texts,
        commitment=commitment,
        milestone=milestone,
        evidence=evidence,
        link=public_link(post),
    )
    _save_media(post, media, media_alt)
    post.status = PostStatus.BORRADOR
    post.save()
    _variants_set(post, clean)
    audit_record(
        actor=actor,
        verb="publicacion.editada",
        instance=post,
        scope=post.entity.code,
        before=before,
        after={**snapshot(post, POST_FIELDS), "cuentas": [a.pk for a in clean]},
    )
    guidelines.post_check(post)
    return post


@transaction.atomic
def post_check_guidelines(*, actor: User, post: PlannedPost) -> PlannedPost:
    """Check the guidelines again on demand ("Revisar lineamientos")."""
    if not (may_write(actor, post.entity) or may_approve(actor, post.entity)):
        raise PermissionDeniedError(_("No puede revisar publicaciones de esta entidad."))
    rows = guidelines.post_check(post)
    audit_record(
        actor=actor,
        verb="publicacion.lineamientos_revisados",
        instance=post,
        scope=post.entity.code,
        after={"observaciones": [f"{r.guideline}:{r.rule}" for r in rows]},
    )
    return post


@transaction.atomic
def post_submit(*, actor: User, post: PlannedPost) -> PlannedPost:
    """Send a draft for review: the guidelines are checked again; findings never block."""
    post = PlannedPost.objects.select_for_update().select_related("entity").get(pk=post.pk)
    _require_writer(actor, post.entity)
    if post.status != PostStatus.BORRADOR:
        raise DomainError(
            _("Solo un borrador se envía a revisión; esta publicación está %(status)s.")
            % {"status": post.get_status_display().lower()}
        )
    if post.scheduled_at <= timezone.now():
        raise DomainError(
            _("La fecha de publicación ya pasó: elija una fecha futura antes de enviarla.")
        )
    rows = guidelines.post_check(post)
    post.status = PostStatus.EN_REVISION
    post.submitted_at = timezone.now()
    post.decided_by, post.decided_at, post.rejection_reason = None, None, ""
    post.save(
        update_fields=[
            "status",
            "submitted_at",
            "decided_by",
            "decided_at",
            "rejection_reason",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        verb="publicacion.enviada_a_revision",
        instance=post,
        scope=post.entity.code,
        after={"status": post.status, "observaciones": [f"{r.guideline}:{r.rule}" for r in rows]},
    )
    return post


def _require_decider(actor: User, post: PlannedPost) -> None:
    if post.author_id is not None and post.author_id == actor.pk:
        raise PermissionDeniedError(
            _("Usted escribió esta publicación: otra persona debe aprobarla o rechazarla.")
        )
    if not may_approve(actor, post.entity):
        raise PermissionDeniedError(
            _(
                "Solo el responsable de comunicaciones de %(entity)s o un aprobador designado "
                "aprueba o rechaza sus publicaciones."
            )
            % {"entity": post.entity.name}
        )
    if post.status != PostStatus.EN_REVISION:
        raise DomainError(
            _("Esta publicación no está en revisión (está %(status)s).")
            % {"status": post.get_status_display().lower()}
        )


@transaction.atomic
def post_approve(*, actor: User, post: PlannedPost) -> PlannedPost:
    """Approve a post under review (four eyes). The commitment's public link is appended to
    each text that does not carry it yet; the periodic job schedules and publishes it."""
    post = (
        # Only the post's row: the cited commitment, milestone and evidence are outer joins,
        # which PostgreSQL cannot lock.
        PlannedPost.objects.select_for_update(of=("self",))
        .select_related("entity", "commitment", "milestone__commitment", "evidence__update")
        .get(pk=post.pk)
    )
    _require_decider(actor, post)
    link = public_link(post)
    if link:
        for variant in post.variants.all():
            if link not in variant.text:
                variant.text = f"{variant.text.rstrip()}\n{link}"
                variant.save(update_fields=["text"])
    post.status = PostStatus.APROBADO
    post.decided_by, post.decided_at = actor, timezone.now()
    post.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        verb="publicacion.aprobada",
        instance=post,
        scope=post.entity.code,
        after={"status": post.status, "enlace_publico": link},
    )
    return post


@transaction.atomic
def post_reject(*, actor: User, post: PlannedPost, reason: str) -> PlannedPost:
    post = PlannedPost.objects.select_for_update().select_related("entity").get(pk=post.pk)
    _require_decider(actor, post)
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Escriba el motivo del rechazo: el autor lo necesita para corregir."))
    post.status = PostStatus.RECHAZADO
    post.decided_by, post.decided_at = actor, timezone.now()
    post.rejection_reason = reason[:2000]
    post.save(
        update_fields=["status", "decided_by", "decided_at", "rejection_reason", "updated_at"]
    )
    audit_record(
        actor=actor,
        verb="publicacion.rechazada",
        instance=post,
        scope=post.entity.code,
        after={"status": post.status},
        reason=post.rejection_reason,
    )
    return post


# --- the entity's settings ------------------------------------------------------------------


@transaction.atomic
def settings_update(
    *,
    actor: User,
    entity: Entity,
    approvers: Iterable[User],
    authority_names: str,
    self_promotion_max_percent: int,
    reply_approval: bool,
) -> PublishingSettings:
    """The entity's publishing settings (its manager only). Named approvers must work for the
    entity."""
    if not may_manage(actor, entity):
        raise PermissionDeniedError(
            _("Solo el responsable de comunicaciones de %(entity)s cambia esta configuración.")
            % {"entity": entity.name}
        )
    if not 0 <= self_promotion_max_percent <= 100:
        raise DomainError(_("El porcentaje máximo va de 0 a 100."))
    chosen = list(approvers)
    members = set(
        Membership.objects.active().filter(entity=entity).values_list("user_id", flat=True)
    )
    for user in chosen:
        if user.pk not in members:
            raise DomainError(
                _("%(user)s no trabaja en %(entity)s: no puede aprobar sus publicaciones.")
                % {"user": user.get_username(), "entity": entity.name}
            )
    row, _created = PublishingSettings.objects.select_for_update().get_or_create(entity=entity)
    fields = ["authority_names", "self_promotion_max_percent", "reply_approval"]
    before: dict[str, Any] = {
        **snapshot(row, fields),
        "aprobadores": sorted(row.approvers.values_list("pk", flat=True)),
    }
    row.authority_names = "\n".join(n.strip() for n in authority_names.splitlines() if n.strip())
    row.self_promotion_max_percent = self_promotion_max_percent
    row.reply_approval = reply_approval
    row.save()
    row.approvers.set(chosen)
    audit_record(
        actor=actor,
        verb="configuracion_publicacion.editada",
        instance=row,
        scope=entity.code,
        before=before,
        after={**snapshot(row, fields), "aprobadores": sorted(u.pk for u in chosen)},
    )
    return row
