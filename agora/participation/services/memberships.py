"""The membership protocol: admission requests and their decision, seats taken for a term,
representatives, and the reminder that a term ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
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
    ForumMembership,
    ForumStatus,
    MemberOrganisation,
    Representative,
    RepresentativeRole,
    SeatRule,
    StakeholderType,
    VoteStatus,
)
from agora.participation.services._common import (
    _ensure_secretariat,
    _required,
    _seats_taken,
)

DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def _check_seat_available(forum: Forum, stakeholder_type: str, vote: str, on: date) -> None:
    """Seats are the places with voice and vote; observers do not take one."""
    if vote != VoteStatus.VOZ_Y_VOTO:
        return
    label = StakeholderType(stakeholder_type).label
    rule = SeatRule.objects.filter(forum=forum, stakeholder_type=stakeholder_type).first()
    if rule is None or rule.max_seats == 0:
        raise DomainError(
            _("El foro no tiene asientos con voto para el tipo de actor «%(type)s».")
            % {"type": label}
        )
    taken = _seats_taken(forum, stakeholder_type, on)
    if taken >= rule.max_seats:
        raise DomainError(
            _(
                "No se puede admitir: el foro ya tiene %(taken)s de %(max)s asientos con voto "
                "para «%(type)s». Puede admitirse como observador o esperar una vacante."
            )
            % {"taken": taken, "max": rule.max_seats, "type": label}
        )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


@transaction.atomic
def membership_add(
    *,
    actor: User | None,
    system: bool = False,
    forum: Forum,
    organisation: MemberOrganisation,
    vote: str = VoteStatus.VOZ_Y_VOTO,
    term_start: date | None = None,
    term_end: date | None = None,
    admission: AdmissionRequest | None = None,
    is_demo: bool = False,
) -> ForumMembership:
    """Gives an organisation a seat (or an observer place) for one term; refuses what would
    pass the forum's maximum for its stakeholder type."""
    if not system:
        _ensure_secretariat(actor, forum)
    if vote not in VoteStatus.values:
        raise DomainError(_("Indique si participa con voz y voto o como observador."))
    # Lock the forum row so that two admissions cannot both take the last seat.
    Forum.objects.select_for_update().filter(pk=forum.pk).first()
    start = term_start or timezone.localdate()
    end = term_end or _add_months(start, forum.term_months) - timedelta(days=1)
    if end < start:
        raise DomainError(_("El fin del mandato no puede ser anterior a su inicio."))
    if ForumMembership.objects.filter(
        forum=forum, organisation=organisation, ended_at__isnull=True
    ).exists():
        raise DomainError(_("La organización ya es miembro de este foro."))
    _check_seat_available(forum, organisation.stakeholder_type, vote, start)
    membership = ForumMembership.objects.create(
        forum=forum,
        organisation=organisation,
        stakeholder_type=organisation.stakeholder_type,
        vote=vote,
        term_start=start,
        term_end=end,
        admission=admission,
        is_demo=is_demo,
    )
    audit_record(
        actor=actor,
        verb="miembro.agregado",
        instance=membership,
        after=snapshot(membership, ["stakeholder_type", "vote", "term_start", "term_end"]),
    )
    return membership


@transaction.atomic
def membership_end(*, actor: User, membership: ForumMembership, reason: str) -> ForumMembership:
    _ensure_secretariat(actor, membership.forum)
    reason = _required(reason, _("el motivo del retiro"))
    if membership.ended_at is not None:
        raise DomainError(_("Esta membresía ya terminó."))
    membership.ended_at = timezone.localdate()
    membership.end_reason = reason
    membership.save(update_fields=["ended_at", "end_reason"])
    membership.representatives.update(is_active=False)
    audit_record(actor=actor, verb="miembro.retirado", instance=membership, reason=reason)
    return membership


@transaction.atomic
def representative_set(
    *,
    actor: User | None,
    system: bool = False,
    membership: ForumMembership,
    role: str,
    full_name: str,
    position: str = "",
    email: str = "",
    user: User | None = None,
    is_demo: bool = False,
) -> Representative:
    """Names the titular or alterno representative; the previous one in that role ends."""
    if not system:
        _ensure_secretariat(actor, membership.forum)
    # The forum's row is locked: two namings at once cannot both pass the one-place check.
    Forum.objects.select_for_update().filter(pk=membership.forum_id).exists()
    if role not in RepresentativeRole.values:
        raise DomainError(_("El representante debe ser titular o alterno."))
    full_name = _required(full_name, _("el nombre del representante"))
    if "@" in full_name:
        # The name is public on the forum page: never an e-mail address (Ley 29733).
        raise DomainError(
            _("Escriba el nombre y apellidos del representante, no un correo electrónico.")
        )
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise DomainError(_("Correo electrónico no válido.")) from exc
    if membership.ended_at is not None:
        raise DomainError(_("La membresía ya terminó."))
    if user is not None:
        # One person, one voice: not titular and alterno at once, nor for two organisations.
        elsewhere = (
            Representative.objects.filter(
                user=user, is_active=True, membership__forum_id=membership.forum_id
            )
            .exclude(membership=membership, role=role)
            .select_related("membership__organisation")
            .first()
        )
        if elsewhere is not None:
            raise DomainError(
                _("Esta persona ya es representante (%(role)s) de %(org)s en este foro.")
                % {
                    "role": elsewhere.get_role_display().lower(),
                    "org": elsewhere.membership.organisation.name,
                }
            )
    membership.representatives.filter(role=role, is_active=True).update(is_active=False)
    representative = Representative.objects.create(
        membership=membership,
        role=role,
        full_name=full_name[:200],
        position=position[:200],
        email=email,
        user=user,
        is_demo=is_demo,
    )
    audit_record(
        actor=actor,
        verb="representante.designado",
        instance=representative,
        after={"rol": role, "membresia": membership.pk},
    )
    return representative


def user_by_login(identifier: str) -> User:
    """The active account whose username or e-mail is ``identifier`` (case-insensitive), for
    the secretariat naming a representative; a Spanish error when there is none or several."""
    identifier = _required(identifier, _("el usuario o correo electrónico del representante"))
    matches = list(
        User.objects.filter(is_active=True).filter(
            Q(username__iexact=identifier) | Q(email__iexact=identifier)
        )[:2]
    )
    if not matches:
        raise DomainError(
            _("No existe una cuenta con el usuario o correo «%(id)s».") % {"id": identifier}
        )
    if len(matches) > 1:
        raise DomainError(
            _("Hay más de una cuenta con «%(id)s»: indique el nombre de usuario.")
            % {"id": identifier}
        )
    return matches[0]


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


@transaction.atomic
def representative_end(*, actor: User, representative: Representative) -> Representative:
    """Ends a representative's mandate (the person stops speaking for the organisation)."""
    _ensure_secretariat(actor, representative.membership.forum)
    if not representative.is_active:
        raise DomainError(_("Este representante ya no está vigente."))
    representative.is_active = False
    representative.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        verb="representante.retirado",
        instance=representative,
        before={"vigente": True},
        after={"vigente": False},
    )
    return representative


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


def term_reminders_send(*, today: date | None = None) -> int:
    """Tells the secretariat and the representatives that a term ends soon (once)."""
    today = today or timezone.localdate()
    sent = 0
    memberships = (
        ForumMembership.objects.current(today)
        .filter(term_reminder_sent_at__isnull=True)
        .select_related("forum", "organisation")
    )
    for membership in memberships:
        if membership.term_end - today > timedelta(days=membership.forum.term_reminder_days):
            continue
        with transaction.atomic():
            users = list(membership.forum.secretariat.all()) + [
                r.user for r in membership.representatives.filter(is_active=True) if r.user
            ]
            notify(
                users=users,
                kind="foro_mandato",
                text=_("El mandato de %(org)s en el %(forum)s termina el %(date)s.")
                % {
                    "org": membership.organisation.name,
                    "forum": membership.forum.name,
                    "date": membership.term_end.strftime("%d/%m/%Y"),
                },
                url=membership.forum.get_absolute_url(),
                dedupe_key=f"mandato-{membership.pk}",
            )
            membership.term_reminder_sent_at = timezone.now()
            membership.save(update_fields=["term_reminder_sent_at"])
            sent += 1
    return sent
