"""Forum sessions: scheduling and convocation, attendance and quorum, closing or cancelling,
and the minutes from draft to published."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.notifications import notify
from agora.core.siteurl import site_url
from agora.participation.models import (
    Attendance,
    Forum,
    ForumSession,
    MinutesStatus,
    Representative,
    SessionStatus,
    VoteStatus,
)
from agora.participation.services._common import _ensure_secretariat, _required, _send_mail


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
