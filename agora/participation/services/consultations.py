"""Public consultations: the document and its versions, publication, and citizens' comments
with their moderation and the secretariat's answer."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agora.core import registries
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.participation import documents, permissions
from agora.participation.models import (
    AnswerOutcome,
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Forum,
    Paragraph,
    Section,
)
from agora.participation.services._common import (
    _ensure_rector,
    _ensure_secretariat,
    _required,
)

MAX_COMMENT_CHARS = 3000
# Shorter than this (after trimming) says nothing the secretariat could answer ("ok", "sí").
MIN_COMMENT_CHARS = 10
COMMENT_RATE_LIMIT = 5  # comments ...
COMMENT_RATE_WINDOW = 600  # ... per person in this many seconds
HELD_FLAGS = {"insulto", "spam", "amenaza"}


def _version_store(
    consultation: Consultation, number: int, source: str, note: str
) -> DocumentVersion:
    parsed = documents.document_parse(source)
    version = DocumentVersion.objects.create(
        consultation=consultation, number=number, source_md=source, change_note=note
    )
    position = 0
    paragraphs: list[Paragraph] = []
    for item in parsed:
        section = Section.objects.create(version=version, number=item.number, title=item.title)
        for index, text in enumerate(item.paragraphs, start=1):
            position += 1
            paragraphs.append(
                Paragraph(
                    version=version,
                    section=section,
                    position=position,
                    label=f"{item.number}.{index}",
                    text=text,
                )
            )
    Paragraph.objects.bulk_create(paragraphs, batch_size=500)
    return version


@transaction.atomic
def consultation_create(
    *,
    actor: User | None,
    system: bool = False,
    title: str,
    source_md: str,
    opens_at: datetime,
    closes_at: datetime,
    forum: Forum | None = None,
    summary: str = "",
    slug: str = "",
    is_demo: bool = False,
) -> Consultation:
    """Creates an unpublished consultation with version 1 of its document."""
    if not system:
        if forum is not None:
            _ensure_secretariat(actor, forum)
        else:
            _ensure_rector(actor)
    title = _required(title, _("el título de la consulta"))[:250]
    if closes_at <= opens_at:
        raise DomainError(_("El cierre de la consulta debe ser posterior a su apertura."))
    slug = slug or slugify(title)[:80]
    if not slug or Consultation.objects.filter(slug=slug).exists():
        raise DomainError(_("Ya existe una consulta con el identificador «%(s)s».") % {"s": slug})
    documents.document_parse(source_md)  # refuse before writing anything
    consultation = Consultation.objects.create(
        forum=forum,
        slug=slug,
        title=title,
        summary=summary.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
        is_demo=is_demo,
    )
    _version_store(consultation, 1, source_md, "")
    audit_record(actor=actor, verb="consulta.creada", instance=consultation)
    return consultation


def _consultation_guard(actor: User | None, consultation: Consultation, system: bool) -> None:
    if system:
        return
    if consultation.forum is not None:
        _ensure_secretariat(actor, consultation.forum)
    else:
        _ensure_rector(actor)


@transaction.atomic
def consultation_publish(
    *, actor: User | None, system: bool = False, consultation: Consultation
) -> Consultation:
    _consultation_guard(actor, consultation, system)
    if consultation.is_published:
        raise DomainError(_("La consulta ya está publicada."))
    consultation.is_published = True
    consultation.save(update_fields=["is_published"])
    audit_record(actor=actor, verb="consulta.publicada", instance=consultation)
    return consultation


@transaction.atomic
def consultation_version_publish(
    *,
    actor: User | None,
    system: bool = False,
    consultation: Consultation,
    source_md: str,
    change_note: str,
) -> DocumentVersion:
    """Publishes the next version of the document after the consultation has closed."""
    _consultation_guard(actor, consultation, system)
    if not consultation.is_closed():
        raise DomainError(_("La nueva versión se publica después del cierre de la consulta."))
    change_note = _required(change_note, _("la nota de cambios"))
    latest = consultation.versions.order_by("-number").first()
    if latest is not None and latest.source_md.strip() == source_md.strip():
        raise DomainError(_("La nueva versión es idéntica a la anterior."))
    number = (latest.number if latest else 0) + 1
    version = _version_store(consultation, number, source_md, change_note)
    audit_record(
        actor=actor,
        verb="consulta.version_creada",
        instance=consultation,
        after={"version": number},
    )
    return version


def consultation_comments_changed(consultation: Consultation) -> None:
    """Invalidates the cached document counts and report summary of the consultation."""
    Consultation.objects.filter(pk=consultation.pk).update(
        comments_revision=F("comments_revision") + 1
    )


def author_label(user: User) -> str:
    """A stable pseudonym: personal data never appears on public pages (Ley 29733)."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:participante:{user.pk}".encode()).hexdigest()
    return _("Participante %(code)s") % {"code": digest[:6].upper()}


def _moderation_flags(body: str) -> list[str]:
    # The language app's classifier, registered at start-up (participation sits below it).
    return registries.text_flags([body])[0]


def _rate_limit(user: User) -> None:
    key = f"participation:comment-rate:{user.pk}"
    if cache.add(key, 1, COMMENT_RATE_WINDOW):
        return
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, COMMENT_RATE_WINDOW)
        return
    if count is None:  # the cache is unavailable (Redis down): no limit rather than an error
        return
    if count > COMMENT_RATE_LIMIT:
        cache.decr(key)
        raise DomainError(
            _(
                "Ha enviado demasiados comentarios en poco tiempo. Espere unos minutos e "
                "inténtelo de nuevo."
            )
        )


@transaction.atomic
def comment_submit(
    *,
    actor: User,
    consultation: Consultation,
    body: str,
    paragraph: Paragraph | None = None,
    now: datetime | None = None,
) -> Comment:
    """A verified citizen comments on a paragraph or on the whole document while the
    consultation is open. Comments flagged as insult, spam or threat wait for review."""
    now = now or timezone.now()
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDeniedError(_("Ingrese para comentar."))
    if not permissions.is_verified_citizen(actor):
        raise PermissionDeniedError(
            _("Para comentar debe verificar su correo electrónico. Revise su bandeja de entrada.")
        )
    if not consultation.is_published:
        raise DomainError(_("Esta consulta no está publicada."))
    if now < consultation.opens_at:
        raise DomainError(_("La consulta aún no está abierta a comentarios."))
    if now >= consultation.closes_at:
        raise DomainError(
            _("La consulta cerró el %(date)s: ya no recibe comentarios.")
            % {"date": timezone.localtime(consultation.closes_at).strftime("%d/%m/%Y %H:%M")}
        )
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Escriba su comentario."))
    if len(body) > MAX_COMMENT_CHARS:
        raise DomainError(
            _("El comentario supera el máximo de %(max)s caracteres.") % {"max": MAX_COMMENT_CHARS}
        )
    if len(" ".join(body.split())) < MIN_COMMENT_CHARS:
        raise DomainError(
            _(
                "Su comentario es muy corto: escriba al menos %(min)s caracteres para que la "
                "secretaría pueda entenderlo y responderlo."
            )
            % {"min": MIN_COMMENT_CHARS}
        )
    version = consultation.versions.order_by("-number").first()
    if version is None:  # pragma: no cover - created with version 1
        raise DomainError(_("La consulta no tiene documento."))
    if paragraph is not None and paragraph.version_id != version.pk:
        raise DomainError(_("El párrafo no pertenece a la versión vigente del documento."))
    _rate_limit(actor)
    flags = _moderation_flags(body)
    held = bool(HELD_FLAGS & set(flags))
    comment = Comment.objects.create(
        consultation=consultation,
        version=version,
        paragraph=paragraph,
        author=actor,
        author_label=author_label(actor),
        body=body,
        created_at=now,
        flags=flags,
        status=CommentStatus.EN_REVISION if held else CommentStatus.PUBLICADO,
    )
    consultation_comments_changed(consultation)
    audit_record(actor=actor, verb="consulta.comentada", instance=comment, after={"alertas": flags})
    if held and consultation.forum is not None:
        notify(
            users=consultation.forum.secretariat.all(),
            kind="consulta_moderacion",
            text=_("Un comentario en «%(title)s» espera revisión (%(flags)s).")
            % {"title": consultation.title, "flags": ", ".join(flags)},
            url=reverse("participation:consultation_manage", kwargs={"slug": consultation.slug}),
        )
    return comment


@transaction.atomic
def comment_moderate(*, actor: User, comment: Comment, publish: bool, reason: str) -> Comment:
    """Publishes or hides a comment held for review; nothing is deleted."""
    _consultation_guard(actor, comment.consultation, system=False)
    reason = _required(reason, _("el motivo de la moderación"))
    comment.status = CommentStatus.PUBLICADO if publish else CommentStatus.OCULTO
    comment.moderated_by = actor
    comment.moderated_at = timezone.now()
    comment.moderation_reason = reason
    comment.save(update_fields=["status", "moderated_by", "moderated_at", "moderation_reason"])
    consultation_comments_changed(comment.consultation)
    audit_record(
        actor=actor,
        verb="consulta.moderada",
        instance=comment,
        after={"estado": comment.status},
        reason=reason,
    )
    return comment


@transaction.atomic
def comment_answer(*, actor: User, comment: Comment, outcome: str, reason: str) -> Comment:
    """The secretariat's answer on the record: acogido, acogido parcialmente or no acogido."""
    _consultation_guard(actor, comment.consultation, system=False)
    if outcome not in AnswerOutcome.values:
        raise DomainError(
            _("Respuesta desconocida: use acogido, acogido parcialmente o no acogido.")
        )
    reason = _required(reason, _("el fundamento de la respuesta"))
    if len(reason) > MAX_COMMENT_CHARS:
        raise DomainError(_("El fundamento es demasiado extenso."))
    before = snapshot(comment, ["answer_outcome", "answer_reason"])
    comment.answer_outcome = outcome
    comment.answer_reason = reason
    comment.answered_by = actor
    comment.answered_at = timezone.now()
    comment.save(update_fields=["answer_outcome", "answer_reason", "answered_by", "answered_at"])
    consultation_comments_changed(comment.consultation)
    audit_record(
        actor=actor,
        verb="consulta.respondida",
        instance=comment,
        before=before,
        after=snapshot(comment, ["answer_outcome", "answer_reason"]),
    )
    notify(
        users=[comment.author],
        kind="consulta_respuesta",
        text=_("Su comentario en «%(title)s» fue respondido: %(outcome)s.")
        % {"title": comment.consultation.title, "outcome": comment.get_answer_outcome_display()},
        url=comment.consultation.get_absolute_url(),
    )
    return comment
