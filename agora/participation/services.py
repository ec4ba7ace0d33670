"""Every write of the participation app: forums and seats, admissions and memberships,
sessions and minutes, agreements, consultations and comments, citizens and subscriptions.

Each function validates first and raises ``DomainError`` with a Spanish message, so bad input
writes nothing; each write is atomic and audited."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agora.core import registries
from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.files import upload_is
from agora.core.models import User
from agora.core.notifications import mail_each_on_commit, notify
from agora.core.permissions import user_is_rector
from agora.core.siteurl import site_url
from agora.directory import roles
from agora.participation import documents
from agora.participation.models import (
    AdmissionDocument,
    AdmissionRequest,
    AdmissionStatus,
    Agreement,
    AgreementStatus,
    AnswerOutcome,
    Attendance,
    CitizenVerification,
    Comment,
    CommentStatus,
    Consultation,
    DecisionDirection,
    DecisionKind,
    DocumentVersion,
    Forum,
    ForumMembership,
    ForumSession,
    ForumStatus,
    MemberOrganisation,
    MinutesStatus,
    OpportunitySubscription,
    Paragraph,
    Representative,
    RepresentativeRole,
    Scope,
    SeatRule,
    Section,
    SessionStatus,
    StakeholderType,
    VoteStatus,
)

if TYPE_CHECKING:
    from agora.directory.models import Entity


MAX_COMMENT_CHARS = 3000
# Shorter than this (after trimming) says nothing the secretariat could answer ("ok", "sí").
MIN_COMMENT_CHARS = 10
COMMENT_RATE_LIMIT = 5  # comments ...
COMMENT_RATE_WINDOW = 600  # ... per person in this many seconds
HELD_FLAGS = {"insulto", "spam", "amenaza"}
DOCUMENT_TYPES = {"application/pdf", "image/png", "image/jpeg"}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
VERIFY_SALT = "agora.participation.citizen"
SUBSCRIBE_SALT = "agora.participation.subscription"
TOKEN_MAX_AGE = 3 * 24 * 3600


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Falta %(field)s.") % {"field": label})
    return value


def _ensure_secretariat(actor: User | None, forum: Forum) -> None:
    if actor is None or not forum.is_secretariat(actor):
        raise PermissionDeniedError(_("Solo la secretaría técnica del foro puede hacer esto."))


def _ensure_rector(actor: User | None) -> None:
    if actor is None or not user_is_rector(actor):
        raise PermissionDeniedError(_("Solo el personal del ente rector puede hacer esto."))


def _send_mail(subject: str, body: str, recipients: list[str]) -> None:
    """One e-mail per address, after commit (``agora.core.notifications.mail_each``)."""
    mail_each_on_commit(subject, body, recipients)


# --- Forums and seats ----------------------------------------------------------------------

FORUM_FIELDS = [
    "name",
    "sector",
    "scope",
    "region",
    "purpose",
    "status",
    "commitments_reference",
    "requirements",
    "term_months",
    "term_reminder_days",
    "convocation_days",
    "quorum_percent",
    "is_published",
]


def _forum_validate(data: dict[str, Any]) -> None:
    _required(str(data.get("name", "")), _("el nombre del foro"))
    _required(str(data.get("sector", "")), _("el sector"))
    _required(str(data.get("purpose", "")), _("la finalidad"))
    if data.get("scope") not in Scope.values:
        raise DomainError(_("Ámbito desconocido: use nacional, regional o local."))
    if data.get("scope") != Scope.NACIONAL and not str(data.get("region", "")).strip():
        raise DomainError(_("Un foro regional o local debe indicar su región o localidad."))
    if data.get("status", ForumStatus.PILOTO) not in ForumStatus.values:
        raise DomainError(_("Estado del foro desconocido."))
    requirements = data.get("requirements", [])
    if not isinstance(requirements, list) or not all(
        isinstance(r, str) and r.strip() for r in requirements
    ):
        raise DomainError(_("Los requisitos deben ser una lista de textos no vacíos."))
    for key in ("term_months", "convocation_days"):
        if key in data and not (1 <= int(data[key]) <= 120):
            raise DomainError(_("Los plazos deben estar entre 1 y 120."))
    if "quorum_percent" in data:
        percent = data["quorum_percent"]
        if isinstance(percent, bool) or not isinstance(percent, int) or not 1 <= percent <= 100:
            raise DomainError(
                _("El porcentaje del quórum debe ser un número entero entre 1 y 100.")
            )


@transaction.atomic
def forum_save(
    *, actor: User, forum: Forum | None = None, secretariat: Iterable[User] = (), **data: Any
) -> Forum:
    """Creates a forum (rector staff) or edits one (its secretariat)."""
    if forum is None:
        _ensure_rector(actor)
    else:
        _ensure_secretariat(actor, forum)
    unknown = set(data) - set(FORUM_FIELDS) - {"slug", "lead_entity", "source", "is_demo"}
    if unknown:
        raise DomainError(_("Campos desconocidos: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    merged = {f: getattr(forum, f) for f in FORUM_FIELDS} if forum else {}
    merged.update(data)
    _forum_validate(merged)
    members = list(secretariat)
    if any(not user_is_rector(u) for u in members):
        raise DomainError(
            _("La secretaría técnica solo puede integrarla personal del ente rector.")
        )
    before = snapshot(forum, FORUM_FIELDS) if forum else None
    if forum is None:
        slug = data.pop("slug", "") or slugify(data["name"])[:80]
        if Forum.objects.filter(slug=slug).exists():
            raise DomainError(_("Ya existe un foro con el identificador «%(s)s».") % {"s": slug})
        forum = Forum.objects.create(slug=slug, **data)
        forum.secretariat.add(*(members or [actor]))
        verb = "foro.crear"
    else:
        for key, value in data.items():
            setattr(forum, key, value)
        forum.save()
        if members:
            forum.secretariat.set(members)
        verb = "foro.editar"
    audit_record(
        actor=actor,
        verb=verb,
        instance=forum,
        before=before,
        after=snapshot(forum, FORUM_FIELDS),
    )
    return forum


@transaction.atomic
def seat_rule_set(
    *, actor: User, forum: Forum, stakeholder_type: str, min_seats: int, max_seats: int
) -> SeatRule:
    _ensure_secretariat(actor, forum)
    if stakeholder_type not in StakeholderType.values:
        raise DomainError(_("Tipo de actor desconocido."))
    if min_seats < 0 or max_seats < 0 or min_seats > max_seats:
        raise DomainError(_("El mínimo de asientos no puede ser mayor que el máximo."))
    current = _seats_taken(forum, stakeholder_type)
    if max_seats < current:
        raise DomainError(
            _("Ya hay %(n)s miembros con voto de este tipo: el máximo no puede ser menor.")
            % {"n": current}
        )
    rule, _created = SeatRule.objects.update_or_create(
        forum=forum,
        stakeholder_type=stakeholder_type,
        defaults={"min_seats": min_seats, "max_seats": max_seats},
    )
    audit_record(
        actor=actor,
        verb="foro.asientos_cambiados",
        instance=forum,
        after={"tipo": stakeholder_type, "min": min_seats, "max": max_seats},
    )
    return rule


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def forums_load(*, rows: Sequence[dict[str, Any]]) -> LoadResult:
    """Loads the real forums (idempotent: by slug; only changed fields are written). Seat
    rules are created when missing and never overwrite what the secretariat has set."""
    from agora.directory.models import Entity

    result = LoadResult()
    for row in rows:
        data = {k: row[k] for k in [*FORUM_FIELDS, "source"] if k in row}
        _forum_validate({**data, "scope": row["scope"]})
        lead = Entity.objects.filter(code=row.get("lead_entity", "")).first()
        forum = Forum.objects.filter(slug=row["slug"]).first()
        if forum is None:
            forum = Forum.objects.create(slug=row["slug"], lead_entity=lead, **data)
            result.created += 1
            audit_record(actor=None, verb="foro.cargado", instance=forum, after=data)
        else:
            changed = {k: v for k, v in data.items() if getattr(forum, k) != v}
            if lead is not None and forum.lead_entity_id != lead.pk:
                forum.lead_entity = lead
                changed["lead_entity"] = lead.code
            if changed:
                for key, value in changed.items():
                    if key != "lead_entity":
                        setattr(forum, key, value)
                forum.save()
                result.updated += 1
                audit_record(actor=None, verb="foro.cargado", instance=forum, after=changed)
            else:
                result.unchanged += 1
        for kind, (low, high) in row.get("seats", {}).items():
            SeatRule.objects.get_or_create(
                forum=forum, stakeholder_type=kind, defaults={"min_seats": low, "max_seats": high}
            )
    return result


# --- Membership protocol -------------------------------------------------------------------


def _seats_taken(forum: Forum, stakeholder_type: str, on: date | None = None) -> int:
    return (
        ForumMembership.objects.current(on)
        .voting()
        .filter(forum=forum, stakeholder_type=stakeholder_type)
        .count()
    )


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


def _verified_citizen(user: User) -> bool:
    return CitizenVerification.objects.filter(user=user, verified_at__isnull=False).exists()


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
    if not actor.is_authenticated or not (_verified_citizen(actor) or user_is_rector(actor)):
        raise PermissionDeniedError(
            _("Para solicitar la admisión debe ingresar con un correo electrónico verificado.")
        )
    if forum.status == ForumStatus.CERRADO or not forum.is_published:
        raise DomainError(_("Este foro no recibe solicitudes de admisión."))
    name = _required(organisation_name, _("el nombre de la organización"))[:200]
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


# --- Sessions ------------------------------------------------------------------------------


@transaction.atomic
def session_schedule(
    *,
    actor: User | None,
    system: bool = False,
    forum: Forum,
    title: str,
    starts_at: datetime,
    agenda: str,
    place: str = "",
    is_public: bool = True,
    convocation_days: int | None = None,
    is_demo: bool = False,
) -> ForumSession:
    if not system:
        _ensure_secretariat(actor, forum)
        if starts_at <= timezone.now():
            raise DomainError(_("La sesión debe programarse en una fecha futura."))
    title = _required(title, _("el título de la sesión"))[:200]
    agenda = _required(agenda, _("la agenda"))
    days = forum.convocation_days if convocation_days is None else convocation_days
    if not 0 <= days <= 60:
        raise DomainError(_("La convocatoria se envía entre 0 y 60 días antes."))
    Forum.objects.select_for_update().filter(pk=forum.pk).first()
    number = (forum.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    session = ForumSession.objects.create(
        forum=forum,
        number=number,
        title=title,
        starts_at=starts_at,
        agenda=agenda,
        place=place[:300],
        is_public=is_public,
        convocation_days=days,
        is_demo=is_demo,
    )
    audit_record(actor=actor, verb="sesion.programada", instance=session)
    return session


def convocations_send(*, now: datetime | None = None) -> int:
    """Sends the convocation of every scheduled session whose notice period has begun."""
    now = now or timezone.now()
    sent = 0
    sessions = ForumSession.objects.filter(
        status=SessionStatus.PROGRAMADA, convocation_sent_at__isnull=True, starts_at__gt=now
    ).select_related("forum")
    for session in sessions:
        if session.starts_at - timedelta(days=session.convocation_days) > now:
            continue
        with transaction.atomic():
            session_convoke(session=session, now=now)
            sent += 1
    return sent


def session_convoke(*, session: ForumSession, now: datetime | None = None) -> None:
    forum = session.forum
    representatives = Representative.objects.filter(
        is_active=True, membership__in=forum.current_memberships()
    )
    users = [r.user for r in representatives if r.user] + list(forum.secretariat.all())
    when = timezone.localtime(session.starts_at).strftime("%d/%m/%Y %H:%M")
    text = _("Convocatoria: %(forum)s, sesión %(n)s «%(title)s», %(when)s.") % {
        "forum": forum.name,
        "n": session.number,
        "title": session.title,
        "when": when,
    }
    notify(
        users=users,
        kind="foro_convocatoria",
        text=text,
        url=session.get_absolute_url(),
        dedupe_key=f"convocatoria-{session.pk}",
    )
    # Representatives without an account get the e-mail only.
    _send_mail(
        f"[Ágora] {text[:120]}",
        text
        + "\n\n"
        + _("Agenda:")
        + "\n"
        + session.agenda
        + "\n\n"
        + site_url(session.get_absolute_url()),
        sorted({r.email for r in representatives if r.email and r.user is None}),
    )
    session.convocation_sent_at = now or timezone.now()
    session.save(update_fields=["convocation_sent_at"])
    audit_record(actor=None, verb="sesion.convocada", instance=session)


def quorum_for(voting_members: int, percent: int = 50) -> int:
    """More than ``percent`` % of the voting members: floor(n·percent/100) + 1. The default
    (50) is half plus one (10 → 6, 9 → 5); never more than the members there are (100 %
    means all of them), and at least one."""
    required = voting_members * percent // 100 + 1
    return min(required, voting_members) if voting_members else required


@transaction.atomic
def attendance_record(
    *, actor: User | None, system: bool = False, session: ForumSession, present: Iterable[int]
) -> list[Attendance]:
    """Records who attended (membership ids); members not listed are recorded absent."""
    if not system:
        _ensure_secretariat(actor, session.forum)
    if session.status == SessionStatus.CANCELADA:
        raise DomainError(_("La sesión fue cancelada."))
    day = timezone.localdate(session.starts_at)
    members = {m.pk: m for m in session.forum.memberships.current(day)}
    present_ids = set(present)
    unknown = present_ids - set(members)
    if unknown:
        raise DomainError(_("Solo pueden registrarse como asistentes los miembros vigentes."))
    session.attendance.all().delete()
    rows = Attendance.objects.bulk_create(
        [
            Attendance(session=session, membership=m, present=pk in present_ids)
            for pk, m in members.items()
        ]
    )
    audit_record(
        actor=actor,
        verb="sesion.asistencia_registrada",
        instance=session,
        after={"presentes": sorted(present_ids)},
    )
    return rows


def session_quorum(session: ForumSession) -> tuple[int, int, int]:
    """(voting members present, voting members, quorum required) on the session's day."""
    day = timezone.localdate(session.starts_at)
    voting = session.forum.memberships.current(day).voting().count()
    present = session.attendance.filter(
        present=True, membership__vote=VoteStatus.VOZ_Y_VOTO
    ).count()
    return present, voting, quorum_for(voting, session.forum.quorum_percent)


@transaction.atomic
def session_close(
    *, actor: User | None, system: bool = False, session: ForumSession, valid: bool
) -> ForumSession:
    """Marks the session held; marking it valid requires the quorum."""
    if not system:
        _ensure_secretariat(actor, session.forum)
    if session.status != SessionStatus.PROGRAMADA:
        raise DomainError(_("La sesión ya fue cerrada o cancelada."))
    if session.starts_at > timezone.now():
        raise DomainError(_("La sesión aún no se ha realizado."))
    present, voting, required = session_quorum(session)
    if valid and present < required:
        raise DomainError(
            _(
                "No hay quórum: asistieron %(present)s de %(voting)s miembros con voto y se "
                "requieren %(required)s. La sesión no puede marcarse como válida."
            )
            % {"present": present, "voting": voting, "required": required}
        )
    session.status = SessionStatus.REALIZADA
    session.quorum_required = required
    session.is_valid = valid
    session.save(update_fields=["status", "quorum_required", "is_valid"])
    audit_record(
        actor=actor,
        verb="sesion.cerrada",
        instance=session,
        after={"valida": valid, "presentes": present, "quorum": required},
    )
    return session


@transaction.atomic
def session_cancel(*, actor: User, session: ForumSession, reason: str) -> ForumSession:
    _ensure_secretariat(actor, session.forum)
    reason = _required(reason, _("el motivo de la cancelación"))
    if session.status != SessionStatus.PROGRAMADA:
        raise DomainError(_("Solo se puede cancelar una sesión programada."))
    session.status = SessionStatus.CANCELADA
    session.save(update_fields=["status"])
    audit_record(actor=actor, verb="sesion.cancelada", instance=session, reason=reason)
    return session


@transaction.atomic
def minutes_save(
    *, actor: User | None, system: bool = False, session: ForumSession, text: str
) -> ForumSession:
    if not system:
        _ensure_secretariat(actor, session.forum)
    text = _required(text, _("el texto del acta"))
    if len(text) > 200_000:
        raise DomainError(_("El acta es demasiado extensa."))
    if session.status != SessionStatus.REALIZADA:
        raise DomainError(_("El acta se redacta después de realizada la sesión."))
    if session.minutes_status in (MinutesStatus.APROBADA, MinutesStatus.PUBLICADA):
        raise DomainError(_("El acta ya fue aprobada: no puede modificarse."))
    session.minutes_md = text
    session.minutes_status = MinutesStatus.BORRADOR
    session.save(update_fields=["minutes_md", "minutes_status"])
    audit_record(actor=actor, verb="acta.redactada", instance=session)
    return session


@transaction.atomic
def minutes_approve(
    *, actor: User | None, system: bool = False, session: ForumSession
) -> ForumSession:
    if not system:
        _ensure_secretariat(actor, session.forum)
    if session.minutes_status != MinutesStatus.BORRADOR:
        raise DomainError(_("Solo se aprueba un acta en borrador."))
    session.minutes_status = MinutesStatus.APROBADA
    session.minutes_approved_at = timezone.now()
    session.save(update_fields=["minutes_status", "minutes_approved_at"])
    audit_record(actor=actor, verb="acta.aprobada", instance=session)
    return session


@transaction.atomic
def minutes_publish(
    *, actor: User | None, system: bool = False, session: ForumSession
) -> ForumSession:
    if not system:
        _ensure_secretariat(actor, session.forum)
    if session.minutes_status != MinutesStatus.APROBADA:
        raise DomainError(_("El acta solo se publica después de aprobada."))
    session.minutes_status = MinutesStatus.PUBLICADA
    session.minutes_published_at = timezone.now()
    session.save(update_fields=["minutes_status", "minutes_published_at"])
    audit_record(actor=actor, verb="acta.publicada", instance=session)
    return session


# --- Agreements ----------------------------------------------------------------------------


def entity_by_code(code: str) -> Entity:
    """The directory entity with this code, for naming the entity responsible for an
    agreement; a Spanish error when there is none."""
    code = (code or "").strip().lower()
    entity = roles.entity_by_code(code)
    if entity is None:
        raise DomainError(
            _("No existe en el directorio una entidad con el código «%(code)s».") % {"code": code}
        )
    return entity


def _decision_validate(kind: str, reference: str, url: str, direction: str = "") -> None:
    if kind not in DecisionKind.values:
        raise DomainError(_("Tipo de decisión desconocido: use norma, resolución o documento."))
    if direction not in DecisionDirection.values:
        raise DomainError(
            _("Indique si el acuerdo proviene de la decisión de gobierno o conduce a ella.")
        )
    if direction and not kind:
        raise DomainError(
            _("Indique el tipo de decisión de gobierno a la que se vincula el acuerdo.")
        )
    if kind and not reference.strip():
        raise DomainError(_("Indique la norma, resolución o documento vinculado."))
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise DomainError(_("El enlace a la decisión no es una dirección válida.")) from exc


def _agreement_core_check(
    forum_id: int,
    text: str,
    responsible: str,
    responsible_entity: Entity | None,
    session: ForumSession | None,
) -> tuple[str, str]:
    """What every agreement needs (creation and edit): its text, someone responsible, and a
    session of its own forum. Returns the cleaned text and responsible."""
    text = _required(text, _("el texto del acuerdo"))
    responsible = (responsible or "").strip()[:200]
    if not responsible and responsible_entity is None:
        raise DomainError(_("Indique la entidad responsable o la persona responsable."))
    if session is not None and session.forum_id != forum_id:
        raise DomainError(_("La sesión no pertenece a este foro."))
    return text, responsible


@transaction.atomic
def agreement_create(
    *,
    actor: User | None,
    system: bool = False,
    forum: Forum,
    text: str,
    responsible: str,
    due_date: date,
    responsible_entity: Entity | None = None,
    session: ForumSession | None = None,
    decision_kind: str = "",
    decision_direction: str = "",
    decision_reference: str = "",
    decision_url: str = "",
    is_public: bool = True,
    is_demo: bool = False,
) -> Agreement:
    """Records an agreement: who must fulfil it (a directory entity, a person or unit, or
    both), by when, the session that adopted it and the government decision it comes from
    or leads to."""
    if not system:
        _ensure_secretariat(actor, forum)
    text, responsible = _agreement_core_check(
        forum.pk, text, responsible, responsible_entity, session
    )
    _decision_validate(decision_kind, decision_reference, decision_url, decision_direction)
    Forum.objects.select_for_update().filter(pk=forum.pk).first()
    number = (forum.agreements.aggregate(n=Max("number"))["n"] or 0) + 1
    agreement = Agreement.objects.create(
        forum=forum,
        session=session,
        number=number,
        text=text,
        responsible=responsible,
        responsible_entity=responsible_entity,
        due_date=due_date,
        decision_kind=decision_kind,
        decision_direction=decision_direction,
        decision_reference=decision_reference.strip()[:300],
        decision_url=decision_url,
        is_public=is_public,
        is_demo=is_demo,
    )
    audit_record(actor=actor, verb="acuerdo.creado", instance=agreement)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    actor: User | None,
    system: bool = False,
    agreement: Agreement,
    status: str,
    fulfilled_on: date | None = None,
    decision_kind: str | None = None,
    decision_reference: str | None = None,
    decision_url: str | None = None,
) -> Agreement:
    if not system:
        _ensure_secretariat(actor, agreement.forum)
    if status not in AgreementStatus.values:
        raise DomainError(_("Estado del acuerdo desconocido."))
    kind = agreement.decision_kind if decision_kind is None else decision_kind
    reference = agreement.decision_reference if decision_reference is None else decision_reference
    url = agreement.decision_url if decision_url is None else decision_url
    _decision_validate(kind, reference, url)
    if status == AgreementStatus.CUMPLIDO:
        fulfilled_on = fulfilled_on or timezone.localdate()
        if fulfilled_on > timezone.localdate():
            raise DomainError(_("La fecha de cumplimiento no puede ser futura."))
    else:
        fulfilled_on = None
    before = snapshot(agreement, ["status", "fulfilled_on", "decision_reference"])
    agreement.status = status
    agreement.fulfilled_on = fulfilled_on
    agreement.decision_kind = kind
    agreement.decision_reference = reference.strip()[:300]
    agreement.decision_url = url
    agreement.save()
    audit_record(
        actor=actor,
        verb="acuerdo.actualizado",
        instance=agreement,
        before=before,
        after=snapshot(agreement, ["status", "fulfilled_on", "decision_reference"]),
    )
    return agreement


AGREEMENT_EDIT_FIELDS = [
    "text",
    "responsible",
    "responsible_entity",
    "due_date",
    "session",
    "decision_kind",
    "decision_direction",
    "decision_reference",
    "decision_url",
]


@transaction.atomic
def agreement_edit(
    *,
    actor: User | None,
    system: bool = False,
    agreement: Agreement,
    text: str,
    responsible: str,
    due_date: date,
    responsible_entity: Entity | None = None,
    session: ForumSession | None = None,
    decision_kind: str = "",
    decision_direction: str = "",
    decision_reference: str = "",
    decision_url: str = "",
) -> Agreement:
    """Corrects what an agreement says after it was recorded: its text, who must fulfil it,
    by when, the session that adopted it and the government decision it comes from or leads
    to (its status changes through ``agreement_update``). Same rules as ``agreement_create``;
    when nothing differs nothing is written, otherwise the audit log keeps the changed fields
    before and after."""
    from agora.directory.models import Entity

    if not system:
        _ensure_secretariat(actor, agreement.forum)
    text, responsible = _agreement_core_check(
        agreement.forum_id, text, responsible, responsible_entity, session
    )
    if responsible_entity is not None and (
        responsible_entity.pk is None
        or not Entity.objects.filter(pk=responsible_entity.pk).exists()
    ):
        raise DomainError(_("La entidad responsable no existe en el directorio."))
    if due_date is None:
        raise DomainError(_("Indique la fecha límite del acuerdo."))
    decision_kind = decision_kind or ""
    decision_direction = decision_direction or ""
    decision_url = (decision_url or "").strip()
    decision_reference = (decision_reference or "").strip()[:300]
    _decision_validate(decision_kind, decision_reference, decision_url, decision_direction)
    # The row as stored now (not the caller's possibly stale copy), locked until commit.
    current = Agreement.objects.select_for_update().get(pk=agreement.pk)
    before = snapshot(current, AGREEMENT_EDIT_FIELDS)
    current.text = text
    current.responsible = responsible
    current.responsible_entity = responsible_entity
    current.due_date = due_date
    current.session = session
    current.decision_kind = decision_kind
    current.decision_direction = decision_direction
    current.decision_reference = decision_reference
    current.decision_url = decision_url
    after = snapshot(current, AGREEMENT_EDIT_FIELDS)
    changed = [name for name in AGREEMENT_EDIT_FIELDS if before[name] != after[name]]
    if not changed:
        agreement.refresh_from_db()
        return agreement
    current.save()
    audit_record(
        actor=actor,
        verb="acuerdo.editado",
        instance=current,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    agreement.refresh_from_db()
    return agreement


def agreements_overdue_remind(*, today: date | None = None, every_days: int = 7) -> int:
    """Reminds the secretariat of overdue agreements, at most once every ``every_days``."""
    today = today or timezone.localdate()
    overdue = Agreement.objects.filter(
        status__in=[AgreementStatus.PENDIENTE, AgreementStatus.EN_CURSO], due_date__lt=today
    ).select_related("forum")
    sent = 0
    for agreement in overdue:
        last = agreement.overdue_reminded_on
        if last is not None and (today - last).days < every_days:
            continue
        with transaction.atomic():
            notify(
                users=agreement.forum.secretariat.all(),
                kind="foro_acuerdo_vencido",
                text=_("Acuerdo %(n)s del %(forum)s vencido desde el %(date)s: %(text)s")
                % {
                    "n": agreement.number,
                    "forum": agreement.forum.name,
                    "date": agreement.due_date.strftime("%d/%m/%Y"),
                    "text": agreement.text[:120],
                },
                url=reverse("participation:agreements", kwargs={"slug": agreement.forum.slug}),
                dedupe_key=f"acuerdo-vencido-{agreement.pk}-{today.isoformat()}",
            )
            agreement.overdue_reminded_on = today
            agreement.save(update_fields=["overdue_reminded_on"])
            sent += 1
    return sent


# --- Consultations -------------------------------------------------------------------------


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
    if not _verified_citizen(actor):
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


# --- Citizens ------------------------------------------------------------------------------


@transaction.atomic
def citizen_register(
    *, email: str, password: str, password_confirm: str, next_url: str = ""
) -> User | None:
    """Creates a citizen account (no staff role, no second factor) and sends the link that
    verifies the e-mail address; the link carries ``next_url``, the page the citizen came
    from, to take them back there.

    An address that already has an account gets, instead, an e-mail saying so with the way
    to recover the password, and the caller gets ``None``: the page answers the same either
    way, so nobody learns from it whether someone has an account (Ley 29733)."""
    from django.contrib.auth.password_validation import validate_password

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(_("Escriba un correo electrónico válido.")) from exc
    if password != password_confirm:
        raise DomainError(_("Las contraseñas no coinciden."))
    user = User(username=email, email=email)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        _send_mail(
            _("[Ágora] Ya tiene una cuenta con este correo"),
            _(
                "Alguien (probablemente usted) intentó crear una cuenta en Ágora con este "
                "correo, pero ya tiene una. Si olvidó su contraseña, elija una nueva aquí:"
            )
            + "\n\n"
            + site_url(reverse("account:password_reset"))
            + "\n\n"
            + _("Si no fue usted, ignore este mensaje: su cuenta no cambia."),
            [email],
        )
        return None
    user.set_password(password)
    try:
        user.save()
    except IntegrityError as exc:  # pragma: no cover - concurrent registration
        raise DomainError(_("Ya existe una cuenta con ese correo.")) from exc
    CitizenVerification.objects.create(user=user, email=email)
    audit_record(actor=user, verb="ciudadano.registrado", instance=user)
    citizen_verification_send(user=user, next_url=next_url)
    return user


def citizen_verification_send(*, user: User, next_url: str = "") -> None:
    payload: dict[str, Any] = {"u": user.pk, "e": user.email}
    if next_url.startswith("/") and not next_url.startswith("//"):
        payload["n"] = next_url[:500]
    token = signing.dumps(payload, salt=VERIFY_SALT)
    url = site_url(reverse("participation:verify", kwargs={"token": token}))
    _send_mail(
        _("[Ágora] Verifique su correo electrónico"),
        _("Para comentar en las consultas públicas de Ágora, abra este enlace (vale 3 días):")
        + f"\n\n{url}\n",
        [user.email],
    )


@transaction.atomic
def citizen_verify(*, token: str) -> User:
    return citizen_verify_first(token=token)[0]


@transaction.atomic
def citizen_verify_first(*, token: str) -> tuple[User, bool]:
    """Verifies the address of the link; says whether this was the first time (a link that
    already verified is not a way in: the page then asks to sign in)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise DomainError(
            _("El enlace venció. Ingrese y pida uno nuevo en «Mis datos» o al comentar.")
        ) from exc
    except signing.BadSignature as exc:
        raise DomainError(_("El enlace de verificación no es válido.")) from exc
    verification = (
        CitizenVerification.objects.select_for_update()
        .select_related("user")
        .filter(user_id=data.get("u"), email=data.get("e"))
        .first()
    )
    if verification is None or not verification.user.is_active:
        raise DomainError(_("El enlace de verificación no es válido."))
    if verification.verified_at is not None:
        return verification.user, False
    verification.verified_at = timezone.now()
    verification.save(update_fields=["verified_at"])
    audit_record(actor=verification.user, verb="ciudadano.verificado", instance=verification)
    return verification.user, True


def citizen_verification_next(*, token: str) -> str:
    """The page a verification link takes the citizen back to ("" if none or not valid)."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return ""
    return str(data.get("n") or "")


# --- Opportunities: subscriptions ----------------------------------------------------------


@transaction.atomic
def subscription_request(*, email: str) -> OpportunitySubscription:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainError(_("Escriba un correo electrónico válido.")) from exc
    subscription, _created = OpportunitySubscription.objects.get_or_create(email=email)
    if subscription.unsubscribed_at is not None:
        subscription.unsubscribed_at = None
        subscription.confirmed_at = None
        subscription.save(update_fields=["unsubscribed_at", "confirmed_at"])
    if subscription.confirmed_at is None:
        token = signing.dumps({"s": subscription.pk, "e": email}, salt=SUBSCRIBE_SALT)
        url = site_url(reverse("participation:subscription_confirm", kwargs={"token": token}))
        _send_mail(
            _("[Ágora] Confirme su suscripción a oportunidades de participación"),
            _("Abra este enlace para recibir avisos de consultas y sesiones públicas:")
            + f"\n\n{url}\n",
            [email],
        )
    return subscription


def _subscription_from_token(token: str, max_age: int | None) -> OpportunitySubscription:
    try:
        data = signing.loads(token, salt=SUBSCRIBE_SALT, max_age=max_age)
    except signing.BadSignature as exc:
        raise DomainError(_("El enlace no es válido o venció.")) from exc
    subscription = OpportunitySubscription.objects.filter(
        pk=data.get("s"), email=data.get("e")
    ).first()
    if subscription is None:
        raise DomainError(_("El enlace no es válido o venció."))
    return subscription


@transaction.atomic
def subscription_confirm(*, token: str) -> OpportunitySubscription:
    subscription = _subscription_from_token(token, TOKEN_MAX_AGE)
    subscription.confirmed_at = subscription.confirmed_at or timezone.now()
    subscription.unsubscribed_at = None
    subscription.save(update_fields=["confirmed_at", "unsubscribed_at"])
    return subscription


@transaction.atomic
def subscription_cancel(*, token: str) -> OpportunitySubscription:
    subscription = _subscription_from_token(token, None)
    subscription.unsubscribed_at = timezone.now()
    subscription.save(update_fields=["unsubscribed_at"])
    return subscription


def unsubscribe_url(subscription: OpportunitySubscription) -> str:
    token = signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=SUBSCRIBE_SALT)
    return site_url(reverse("participation:subscription_cancel", kwargs={"token": token}))


def opportunities_announce(*, now: datetime | None = None) -> int:
    """E-mails confirmed subscribers, once, each newly open consultation and each upcoming
    public session. Returns the number of opportunities announced."""
    now = now or timezone.now()
    consultations = list(
        Consultation.objects.public().filter(
            announced_at__isnull=True, closes_at__gt=now, opens_at__lte=now + timedelta(days=7)
        )
    )
    sessions = list(
        ForumSession.objects.filter(
            is_public=True,
            announced_at__isnull=True,
            status=SessionStatus.PROGRAMADA,
            starts_at__gt=now,
            forum__is_published=True,
        ).select_related("forum")
    )
    if not consultations and not sessions:
        return 0
    lines = [
        _("Consulta pública: %(title)s (hasta el %(date)s) %(url)s")
        % {
            "title": c.title,
            "date": timezone.localtime(c.closes_at).strftime("%d/%m/%Y"),
            "url": site_url(c.get_absolute_url()),
        }
        for c in consultations
    ] + [
        _("Sesión pública: %(forum)s, «%(title)s», %(date)s %(url)s")
        % {
            "forum": s.forum.name,
            "title": s.title,
            "date": timezone.localtime(s.starts_at).strftime("%d/%m/%Y %H:%M"),
            "url": site_url(s.get_absolute_url()),
        }
        for s in sessions
    ]
    subscribers = OpportunitySubscription.objects.filter(
        confirmed_at__isnull=False, unsubscribed_at__isnull=True
    )
    with transaction.atomic():
        for subscription in subscribers:
            _send_mail(
                _("[Ágora] Nuevas oportunidades de participación"),
                "\n".join(lines)
                + "\n\n"
                + _("Para dejar de recibir estos avisos: %(url)s")
                % {"url": unsubscribe_url(subscription)},
                [subscription.email],
            )
        Consultation.objects.filter(pk__in=[c.pk for c in consultations]).update(announced_at=now)
        ForumSession.objects.filter(pk__in=[s.pk for s in sessions]).update(announced_at=now)
    return len(lines)
