"""Admission to a forum: an organisation's request with its supporting documents, and the
secretariat's decision (which opens a term and may name the applicant as titular)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.files import upload_is
from agora.core.models import User
from agora.core.notifications import notify
from agora.participation import permissions
from agora.participation.models import (
    AdmissionDocument,
    AdmissionRequest,
    AdmissionStatus,
    Forum,
    ForumStatus,
    MemberOrganisation,
    RepresentativeRole,
    StakeholderType,
    VoteStatus,
)
from agora.participation.services._common import _ensure_secretariat, _required
from agora.participation.services.memberships import membership_add, representative_set

DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def _display_name(user: User) -> str:
    """The person's registered name; never the username, which is often their e-mail."""
    name = user.get_full_name().strip()
    if not name:
        raise DomainError(
            _(
                "La cuenta de quien presentó la solicitud no tiene nombre registrado: decida "
                "sin nombrarla y registre luego al representante con su nombre completo."
            )
        )
    return name


def _organisation_check(*, stakeholder_type: str, vote: str, ruc: str, website: str) -> None:
    """What an admission request says about the organisation: a known stakeholder type and
    vote status, an 11-digit RUC and a web address, when given."""
    if stakeholder_type not in StakeholderType.values:
        raise DomainError(_("Tipo de actor desconocido."))
    if vote not in VoteStatus.values:
        raise DomainError(_("Indique si solicita voz y voto o participar como observador."))
    if ruc and not (len(ruc) == 11 and ruc.isdigit()):
        raise DomainError(_("El RUC debe tener 11 dígitos."))
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError as exc:
            raise DomainError(_("El sitio web no es una dirección válida.")) from exc


def _requirements_check(
    forum: Forum,
    checklist: dict[str, bool],
    documents_in: Sequence[tuple[str, UploadedFile]],
) -> None:
    """Every requirement of the forum declared met and, when it has any, at least one
    supporting document: each with a title, at most 10 MB, a PDF, PNG or JPG by content."""
    missing = [r for r in forum.requirements if not checklist.get(r)]
    if missing:
        raise DomainError(
            _("Falta acreditar estos requisitos: %(list)s.") % {"list": "; ".join(missing)}
        )
    if forum.requirements and not documents_in:
        raise DomainError(_("Adjunte al menos un documento que acredite los requisitos."))
    for title, upload in documents_in:
        if not title.strip():
            raise DomainError(_("Cada documento necesita un título."))
        if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
            raise DomainError(_("Cada documento debe pesar como máximo 10 MB."))
        if not upload_is(upload, DOCUMENT_TYPES):
            raise DomainError(
                _("«%(name)s» no es un PDF, PNG o JPG (se revisa su contenido, no solo el nombre).")
                % {"name": upload.name or ""}
            )


@transaction.atomic
def admission_request_submit(
    *,
    actor: User,
    forum: Forum,
    organisation_name: str,
    stakeholder_type: str,
    vote: str,
    checklist: dict[str, bool],
    motivation: str = "",
    ruc: str = "",
    website: str = "",
    documents_in: Sequence[tuple[str, UploadedFile]] = (),
    is_demo: bool = False,
) -> AdmissionRequest:
    """An organisation asks to join: every requirement of the forum must be declared met and
    at least one supporting document attached."""
    if not permissions.may_request_admission(actor):
        raise PermissionDeniedError(
            _("Para solicitar la admisión debe ingresar con un correo electrónico verificado.")
        )
    if forum.status == ForumStatus.CERRADO or not forum.is_published:
        raise DomainError(_("Este foro no recibe solicitudes de admisión."))
    name = _required(organisation_name, _("el nombre de la organización"))[:200]
    _organisation_check(stakeholder_type=stakeholder_type, vote=vote, ruc=ruc, website=website)
    _requirements_check(forum, checklist, documents_in)
    if AdmissionRequest.objects.filter(
        forum=forum,
        organisation__name__iexact=name,
        status=AdmissionStatus.PENDIENTE,
    ).exists():
        raise DomainError(_("Ya hay una solicitud pendiente de esta organización."))
    organisation = MemberOrganisation.objects.filter(
        name__iexact=name, stakeholder_type=stakeholder_type
    ).first() or MemberOrganisation.objects.create(
        name=name, stakeholder_type=stakeholder_type, ruc=ruc, website=website, is_demo=is_demo
    )
    request = AdmissionRequest.objects.create(
        forum=forum,
        organisation=organisation,
        requested_by=actor,
        vote=vote,
        checklist=dict.fromkeys(forum.requirements, True),
        motivation=motivation.strip()[:5000],
        is_demo=is_demo,
    )
    for title, upload in documents_in:
        AdmissionDocument.objects.create(request=request, title=title.strip()[:200], file=upload)
    audit_record(actor=actor, verb="admision.solicitada", instance=request)
    notify(
        users=forum.secretariat.all(),
        kind="foro_admision",
        text=_("Nueva solicitud de admisión al %(forum)s: %(org)s.")
        % {"forum": forum.name, "org": name},
        url=reverse("participation:forum_manage", kwargs={"slug": forum.slug}),
    )
    return request


@transaction.atomic
def admission_decide(
    *,
    actor: User,
    request: AdmissionRequest,
    admit: bool,
    reason: str,
    term_start: date | None = None,
    applicant_as_titular: bool = False,
) -> AdmissionRequest:
    """The secretariat admits or refuses, always with a reason. Admission checks the seats
    and opens a term; nothing is written if it is refused. With ``applicant_as_titular`` the
    signed-in person who sent the request becomes the titular representative."""
    _ensure_secretariat(actor, request.forum)
    reason = _required(reason, _("el motivo de la decisión"))
    request = AdmissionRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != AdmissionStatus.PENDIENTE:
        raise DomainError(_("Esta solicitud ya fue decidida."))
    if applicant_as_titular and (not admit or request.requested_by is None):
        raise DomainError(
            _(
                "Solo al admitir una solicitud enviada por una persona registrada puede "
                "nombrarse a esa persona como representante titular."
            )
        )
    if admit:
        membership = membership_add(
            actor=actor,
            forum=request.forum,
            organisation=request.organisation,
            vote=request.vote,
            term_start=term_start,
            admission=request,
            is_demo=request.is_demo,
        )
        if applicant_as_titular and request.requested_by is not None:
            applicant = request.requested_by
            representative_set(
                actor=actor,
                membership=membership,
                role=RepresentativeRole.TITULAR,
                full_name=_display_name(applicant),
                email=applicant.email,
                user=applicant,
                is_demo=request.is_demo,
            )
    request.status = AdmissionStatus.ADMITIDA if admit else AdmissionStatus.RECHAZADA
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_reason = reason
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(
        actor=actor,
        verb="admision.decidida",
        instance=request,
        after={"estado": request.status},
        reason=reason,
    )
    if request.requested_by is not None:
        notify(
            users=[request.requested_by],
            kind="foro_admision",
            text=_("Su solicitud al %(forum)s fue %(status)s: %(reason)s")
            % {
                "forum": request.forum.name,
                "status": request.get_status_display().lower(),
                "reason": reason,
            },
            url=request.forum.get_absolute_url(),
        )
    return request
