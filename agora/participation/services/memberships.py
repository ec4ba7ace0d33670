"""The membership protocol: seats taken for a term, representatives, and the reminder that
a term ends."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.notifications import notify
from agora.participation.models import (
    AdmissionRequest,
    Forum,
    ForumMembership,
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
