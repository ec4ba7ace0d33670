"""Progress reports (``CommitmentUpdate``) with their evidence (links and files checked by
content): sent by the responsible entities, approved or sent back by the secretariat."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.commitments import permissions
from agora.commitments.models import (
    Commitment,
    CommitmentUpdate,
    Evidence,
    Milestone,
    MilestoneStatus,
    UpdateStatus,
)
from agora.commitments.services._common import _require_rector
from agora.commitments.services.milestones import commitment_progress_refresh
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.directory.models import Entity

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
# Sniffed from the content (``filetype``), never from the name alone.
EVIDENCE_MIME_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/bmp",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/x-ole-storage",  # legacy .doc/.xls/.ppt as filetype names them
    "application/zip",  # see _office_zip: accepted only when it is an OOXML/ODF package
}
OFFICE_EXTENSIONS = {".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp"}


def _clean_links(links: Iterable[str]) -> list[str]:
    validator = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        link = (link or "").strip()
        if not link:
            continue
        try:
            validator(link)
        except ValidationError as exc:
            raise DomainError(
                _("El enlace de evidencia «%(link)s» no es una dirección web válida.")
                % {"link": link[:100]}
            ) from exc
        cleaned.append(link)
    return cleaned


def _office_zip(upload: UploadedFile) -> bool:
    """A ZIP is accepted only as an office package (OOXML or ODF), checked inside."""
    import zipfile

    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names or "mimetype" in names


def evidence_check(upload: UploadedFile) -> str:
    """Validates one evidence file and returns its sniffed MIME type."""
    name = upload.name or ""
    if upload.size is None or upload.size > MAX_EVIDENCE_BYTES:
        raise DomainError(
            _("El archivo «%(name)s» pesa más de 20 MB; adjunte uno más liviano.") % {"name": name}
        )
    if upload.size == 0:
        raise DomainError(_("El archivo «%(name)s» está vacío.") % {"name": name})
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    mime = kind.mime if kind is not None else ""
    if mime == "application/zip" and not _office_zip(upload):
        mime = ""
    if mime not in EVIDENCE_MIME_TYPES:
        raise DomainError(
            _(
                "El archivo «%(name)s» no es un PDF, una imagen ni un documento de oficina "
                "(se revisa su contenido, no solo la extensión)."
            )
            % {"name": name}
        )
    return mime


def commitment_responsible_entities(commitment: Commitment) -> set[int]:
    ids = {e.pk for e in commitment.supporting_entities.all()}
    if commitment.lead_entity_id:
        ids.add(commitment.lead_entity_id)
    return ids


@transaction.atomic
def update_post(
    *,
    actor: User | None,
    commitment: Commitment,
    text: str,
    milestone: Milestone | None = None,
    milestone_status: str = "",
    evidence_links: Iterable[str] = (),
    files: Sequence[UploadedFile] = (),
    entity: Entity | None = None,
) -> CommitmentUpdate:
    """A manager of the lead or a supporting entity reports progress, with evidence. It stays
    private until the secretariat approves it."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(_("Debe ingresar para reportar avances."))
    responsible = commitment_responsible_entities(commitment)
    mine = permissions.entities_managed_by(actor) & responsible
    if not mine:
        raise PermissionDeniedError(
            _("Solo los responsables de la entidad a cargo del compromiso pueden reportar avances.")
        )
    if entity is None:
        entity_id = commitment.lead_entity_id if commitment.lead_entity_id in mine else min(mine)
    elif entity.pk in mine:
        entity_id = entity.pk
    else:
        raise PermissionDeniedError(_("Usted no es responsable de esa entidad."))
    text = text.strip()
    if len(text) < 10:
        raise DomainError(_("Describa el avance (al menos 10 caracteres)."))
    if milestone is not None and milestone.commitment_id != commitment.pk:
        raise DomainError(_("El hito no pertenece a este compromiso."))
    if milestone_status and milestone is None:
        raise DomainError(_("Indique a qué hito corresponde el nuevo estado."))
    if milestone_status and milestone_status not in MilestoneStatus.values:
        raise DomainError(_("Estado de hito desconocido: %(s)s.") % {"s": milestone_status})
    links = _clean_links(evidence_links)
    checked = [(upload, evidence_check(upload)) for upload in files]
    update = CommitmentUpdate.objects.create(
        commitment=commitment,
        milestone=milestone,
        milestone_status=milestone_status,
        text=text,
        evidence_links=links,
        entity_id=entity_id,
        author=actor,
    )
    for upload, mime in checked:
        Evidence.objects.create(
            update=update,
            file=upload,
            original_name=(upload.name or "")[:255],
            mime_type=mime,
            size=upload.size or 0,
        )
    audit_record(
        actor=actor,
        verb="avance.enviado",
        instance=update,
        scope=update.entity.code,
        after={
            "milestone": milestone.pk if milestone else None,
            "milestone_status": milestone_status,
            "links": links,
            "files": [u.name for u, _m in checked],
        },
    )
    rectors = User.objects.filter(is_rector=True, is_active=True)
    notify(
        users=rectors,
        kind="compromiso_avance",
        text=_("Nuevo reporte de avance de %(code)s por aprobar.") % {"code": commitment.code},
        url=f"/compromisos/equipo/avances/{update.pk}/",
        email=False,
    )
    return update


@transaction.atomic
def update_approve(
    *, actor: User | None, update: CommitmentUpdate, note: str = ""
) -> CommitmentUpdate:
    """The secretariat publishes a report; the milestone status it reports is applied."""
    _require_rector(actor)
    update = CommitmentUpdate.objects.select_for_update().get(pk=update.pk)
    if update.status != UpdateStatus.PENDIENTE:
        raise DomainError(_("Este reporte ya fue revisado."))
    update.status = UpdateStatus.APROBADA
    update.reviewed_by = actor
    update.reviewed_at = timezone.now()
    update.review_note = note.strip()
    update.save()
    if update.milestone is not None:
        milestone = update.milestone
        before = snapshot(milestone, ["status", "evidence_links"])
        if update.milestone_status:
            milestone.status = update.milestone_status
        milestone.evidence_links = [
            *milestone.evidence_links,
            *[link for link in update.evidence_links if link not in milestone.evidence_links],
        ]
        milestone.save(update_fields=["status", "evidence_links"])
        audit_record(
            actor=actor,
            verb="hito.estado_cambiado",
            instance=milestone,
            before=before,
            after=snapshot(milestone, ["status", "evidence_links"]),
        )
    commitment_progress_refresh(update.commitment)
    audit_record(actor=actor, verb="avance.aprobado", instance=update, scope=update.entity.code)
    if update.author is not None:
        notify(
            users=[update.author],
            kind="compromiso_avance",
            text=_("Su reporte de avance de %(code)s fue aprobado y ya es público.")
            % {"code": update.commitment.code},
            url=update.commitment.get_absolute_url(),
            email=False,
        )
    return update


@transaction.atomic
def update_reject(*, actor: User | None, update: CommitmentUpdate, note: str) -> CommitmentUpdate:
    _require_rector(actor)
    if not note.strip():
        raise DomainError(_("Indique el motivo del rechazo para que la entidad pueda corregirlo."))
    update = CommitmentUpdate.objects.select_for_update().get(pk=update.pk)
    if update.status != UpdateStatus.PENDIENTE:
        raise DomainError(_("Este reporte ya fue revisado."))
    update.status = UpdateStatus.RECHAZADA
    update.reviewed_by = actor
    update.reviewed_at = timezone.now()
    update.review_note = note.strip()
    update.save()
    audit_record(
        actor=actor,
        verb="avance.rechazado",
        instance=update,
        scope=update.entity.code,
        reason=note.strip(),
    )
    if update.author is not None:
        notify(
            users=[update.author],
            kind="compromiso_avance",
            text=_("Su reporte de avance de %(code)s fue observado: %(note)s")
            % {"code": update.commitment.code, "note": note.strip()},
            url="/compromisos/equipo/",
            email=False,
        )
    return update
