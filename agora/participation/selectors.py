"""Every read of the participation app, with who may see what decided here: the public sees
what is published, members also see internal drafts, the secretariat sees everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.core.models import User
from agora.participation import permissions
from agora.participation.models import (
    AdmissionDocument,
    AdmissionRequest,
    AdmissionStatus,
    Agreement,
    AgreementStatus,
    AnswerOutcome,
    Attendance,
    Comment,
    CommentStatus,
    Consultation,
    DocumentVersion,
    Forum,
    ForumMembership,
    ForumSession,
    MinutesStatus,
    Paragraph,
    Representative,
    Section,
    SessionStatus,
    StakeholderType,
    VoteStatus,
)
from agora.participation.services import session_quorum

PUBLIC, MEMBER, SECRETARIAT = "publico", "miembro", "secretaria"


def forum_role(user: Any, forum: Forum) -> str:
    """Who ``user`` is for ``forum``: secretariat, member (an active representative of a
    current member organisation) or public."""
    if permissions.may_manage_forum(user, forum):
        return SECRETARIAT
    if permissions.is_forum_member(user, forum):
        return MEMBER
    return PUBLIC


def forum_list(user: Any) -> QuerySet[Forum]:
    forums = (
        Forum.objects.all() if permissions.may_see_unpublished(user) else Forum.objects.public()
    )
    return forums.annotate(
        members=Count(
            "memberships",
            filter=Q(
                memberships__ended_at__isnull=True,
                memberships__term_start__lte=timezone.localdate(),
                memberships__term_end__gte=timezone.localdate(),
            ),
        )
    ).order_by("name")


def forum_get(user: Any, slug: str) -> Forum:
    forum = Forum.objects.select_related("lead_entity").filter(slug=slug).first()
    if forum is None or (not forum.is_published and not permissions.may_see_unpublished(user)):
        raise Http404
    return forum


@dataclass
class SeatStatus:
    stakeholder_type: str
    label: str
    min_seats: int
    max_seats: int
    taken: int
    observers: int

    @property
    def missing(self) -> int:
        return max(0, self.min_seats - self.taken)

    @property
    def full(self) -> bool:
        return self.taken >= self.max_seats


def forum_seats(forum: Forum) -> list[SeatStatus]:
    """Seats per stakeholder type: rule, voting members and observers today."""
    counts: dict[tuple[str, str], int] = {}
    for row in (
        forum.memberships.current().values("stakeholder_type", "vote").annotate(n=Count("id"))
    ):
        counts[(row["stakeholder_type"], row["vote"])] = row["n"]
    rules = {r.stakeholder_type: r for r in forum.seat_rules.all()}
    result = []
    for kind in StakeholderType:
        rule = rules.get(kind.value)
        result.append(
            SeatStatus(
                stakeholder_type=kind.value,
                label=str(kind.label),
                min_seats=rule.min_seats if rule else 0,
                max_seats=rule.max_seats if rule else 0,
                taken=counts.get((kind.value, VoteStatus.VOZ_Y_VOTO), 0),
                observers=counts.get((kind.value, VoteStatus.OBSERVADOR), 0),
            )
        )
    return result


def forum_members(forum: Forum) -> list[ForumMembership]:
    """Current members with their active representatives (names of representatives are
    public: they act on behalf of organisations in a public body)."""
    return list(
        forum.current_memberships()
        .prefetch_related("representatives")
        .order_by("stakeholder_type", "organisation__name")
    )


def forum_action_plans(forum: Forum) -> list[Any]:
    """The Open Government action plans that this forum follows as their commission, newest
    first, each with its commitments (``plan.forum_commitments``). Plans and commitments
    are public records of the commitments app; two queries whatever their number."""
    from django.db.models import Prefetch

    from agora.commitments.models import ActionPlan, Commitment

    return list(
        ActionPlan.objects.filter(commission=forum)
        .order_by("-cycle")
        .prefetch_related(
            Prefetch(
                "commitments",
                queryset=Commitment.objects.order_by("code"),
                to_attr="forum_commitments",
            )
        )
    )


def forum_sessions(user: Any, forum: Forum) -> QuerySet[ForumSession]:
    sessions = forum.sessions.order_by("-starts_at")
    if forum_role(user, forum) == PUBLIC:
        sessions = sessions.filter(is_public=True)
    return sessions


def session_get(user: Any, forum: Forum, number: int) -> ForumSession:
    session = forum_sessions(user, forum).filter(number=number).first()
    if session is None:
        raise Http404
    return session


def minutes_visible(user: Any, session: ForumSession) -> bool:
    """The public reads published minutes; members and the secretariat read drafts too."""
    if not session.minutes_md:
        return False
    if session.minutes_status == MinutesStatus.PUBLICADA:
        return True
    return forum_role(user, session.forum) in (MEMBER, SECRETARIAT)


def session_attendance(session: ForumSession) -> list[Attendance]:
    return list(
        session.attendance.select_related("membership__organisation").order_by(
            "membership__stakeholder_type", "membership__organisation__name"
        )
    )


def session_quorum_status(session: ForumSession) -> dict[str, int]:
    present, voting, required = session_quorum(session)
    return {"present": present, "voting": voting, "required": required}


def forum_agreements(user: Any, forum: Forum) -> QuerySet[Agreement]:
    agreements = forum.agreements.select_related("session__forum", "responsible_entity").order_by(
        "number"
    )
    if forum_role(user, forum) == PUBLIC:
        agreements = agreements.filter(is_public=True)
    return agreements


def agreement_summary(agreements: QuerySet[Agreement]) -> dict[str, int]:
    today = timezone.localdate()
    totals = agreements.aggregate(
        total=Count("id"),
        pendiente=Count("id", filter=Q(status=AgreementStatus.PENDIENTE)),
        en_curso=Count("id", filter=Q(status=AgreementStatus.EN_CURSO)),
        cumplido=Count("id", filter=Q(status=AgreementStatus.CUMPLIDO)),
        incumplido=Count("id", filter=Q(status=AgreementStatus.INCUMPLIDO)),
        vencido=Count(
            "id",
            filter=Q(
                status__in=[AgreementStatus.PENDIENTE, AgreementStatus.EN_CURSO],
                due_date__lt=today,
            ),
        ),
    )
    return {k: int(v or 0) for k, v in totals.items()}


def admission_requests_pending(user: Any, forum: Forum) -> QuerySet[AdmissionRequest]:
    if forum_role(user, forum) != SECRETARIAT:
        return AdmissionRequest.objects.none()
    return (
        forum.admission_requests.filter(status=AdmissionStatus.PENDIENTE)
        .select_related("organisation", "requested_by")
        .prefetch_related("documents")
        .order_by("created_at")
    )


def admission_document_get(user: Any, forum: Forum, pk: int) -> AdmissionDocument:
    """An admission document, only for the forum's secretariat, rector staff and the person
    who sent the request; 404 for everyone else (its existence is not revealed)."""
    document = (
        AdmissionDocument.objects.select_related("request")
        .filter(pk=pk, request__forum=forum)
        .first()
    )
    if document is None or not permissions.may_see_admission_document(user, forum, document):
        raise Http404
    return document


# --- Consultations -------------------------------------------------------------------------


def consultations_visible(user: Any) -> QuerySet[Consultation]:
    """Published consultations; drafts also for rector staff and for members of the forum
    that runs them."""
    if permissions.may_see_unpublished(user):
        return Consultation.objects.all()
    visible = Q(is_published=True)
    if user.is_authenticated:
        forum_ids = Representative.objects.filter(
            user=user, is_active=True, membership__in=ForumMembership.objects.current()
        ).values("membership__forum_id")
        visible |= Q(forum_id__in=forum_ids)
    return Consultation.objects.filter(visible)


def consultation_get(user: Any, slug: str) -> Consultation:
    consultation = consultations_visible(user).select_related("forum").filter(slug=slug).first()
    if consultation is None:
        raise Http404
    return consultation


def consultation_version(consultation: Consultation, number: int | None = None) -> DocumentVersion:
    versions = consultation.versions.order_by("-number")
    version = versions.filter(number=number).first() if number else versions.first()
    if version is None:
        raise Http404
    return version


@dataclass
class DocumentBlock:
    section: Section
    paragraphs: list[tuple[Paragraph, int]]


@dataclass
class DocumentView:
    version: DocumentVersion
    blocks: list[DocumentBlock]
    counts: dict[int | None, int]
    total_comments: int

    @property
    def general_count(self) -> int:
        return self.counts.get(None, 0)


def consultation_document(consultation: Consultation, version: DocumentVersion) -> DocumentView:
    """The document with published-comment counts per paragraph, in three queries whatever
    the number of comments."""
    blocks = {s.pk: DocumentBlock(s, []) for s in version.sections.order_by("number")}
    counts: dict[int | None, int] = {}
    for row in (
        Comment.objects.filter(
            consultation=consultation, version=version, status=CommentStatus.PUBLICADO
        )
        .order_by()
        .values("paragraph_id")
        .annotate(n=Count("id"))
    ):
        counts[row["paragraph_id"]] = row["n"]
    for paragraph in version.paragraphs.order_by("position"):
        blocks[paragraph.section_id].paragraphs.append((paragraph, counts.get(paragraph.pk, 0)))
    return DocumentView(version, list(blocks.values()), counts, sum(counts.values()))


def paragraph_get(version: DocumentVersion, label: str) -> Paragraph | None:
    if not label:
        return None
    paragraph = version.paragraphs.filter(label=label).first()
    if paragraph is None:
        raise Http404
    return paragraph


def comments_public(
    consultation: Consultation, *, paragraph: Paragraph | None, general: bool = False
) -> QuerySet[Comment]:
    """Published comments of one paragraph, the general ones, or all; author pseudonyms only."""
    comments = Comment.objects.filter(
        consultation=consultation, status=CommentStatus.PUBLICADO
    ).select_related("paragraph")
    if paragraph is not None:
        comments = comments.filter(paragraph=paragraph)
    elif general:
        comments = comments.filter(paragraph__isnull=True)
    return comments.only(
        "id",
        "author_label",
        "body",
        "created_at",
        "answer_outcome",
        "answer_reason",
        "answered_at",
        "paragraph__label",
        "is_demo",
    ).order_by("created_at", "id")


FLAG_LABELS = {
    "insulto": _("insultos"),
    "spam": _("publicidad o spam"),
    "amenaza": _("amenazas"),
}


def flag_labels(flags: list[str]) -> list[str]:
    """What the language filter found, in words a citizen reads."""
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags]


def comments_own_unpublished(
    user: Any, consultation: Consultation, *, paragraph: Paragraph | None, general: bool = False
) -> list[Comment]:
    """The signed-in citizen's own comments here that the public does not see (in review or
    hidden), so that they know where each one stands; nobody else's."""
    if not getattr(user, "is_authenticated", False) or (paragraph is None and not general):
        return []
    comments = Comment.objects.filter(consultation=consultation, author=user).exclude(
        status=CommentStatus.PUBLICADO
    )
    if paragraph is not None:
        comments = comments.filter(paragraph=paragraph)
    else:
        comments = comments.filter(paragraph__isnull=True)
    return list(comments.order_by("created_at", "id")[:20])


def comments_for_review(consultation: Consultation) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(consultation=consultation, status=CommentStatus.EN_REVISION)
        .select_related("paragraph")
        .order_by("created_at")
    )


def comments_unanswered(consultation: Consultation) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(consultation=consultation, answer_outcome="")
        .exclude(status=CommentStatus.EN_REVISION)
        .select_related("paragraph")
        .order_by("created_at", "id")
    )


def consultation_report_summary(consultation: Consultation) -> dict[str, int]:
    """Counts for the report: one query."""
    totals = Comment.objects.filter(consultation=consultation).aggregate(
        total=Count("id"),
        publicados=Count("id", filter=Q(status=CommentStatus.PUBLICADO)),
        en_revision=Count("id", filter=Q(status=CommentStatus.EN_REVISION)),
        ocultos=Count("id", filter=Q(status=CommentStatus.OCULTO)),
        respondidos=Count("id", filter=~Q(answer_outcome="")),
        acogidos=Count("id", filter=Q(answer_outcome=AnswerOutcome.ACOGIDO)),
        parciales=Count("id", filter=Q(answer_outcome=AnswerOutcome.PARCIAL)),
        no_acogidos=Count("id", filter=Q(answer_outcome=AnswerOutcome.NO_ACOGIDO)),
        generales=Count("id", filter=Q(paragraph__isnull=True)),
    )
    return {k: int(v or 0) for k, v in totals.items()}


def consultation_report_rows(consultation: Consultation) -> QuerySet[Comment]:
    """Every comment with its answer, for the report (hidden comments show their moderation
    reason instead of their text on public outputs)."""
    return (
        Comment.objects.filter(consultation=consultation)
        .select_related("paragraph", "version")
        .only(
            "id",
            "author_label",
            "body",
            "created_at",
            "status",
            "moderation_reason",
            "answer_outcome",
            "answer_reason",
            "answered_at",
            "paragraph__label",
            "version__number",
            "is_demo",
        )
        # Paragraph ids follow document order within a version (created in order): no join
        # is needed to sort, and the (consultation, paragraph, created_at, id) index serves it.
        .order_by("paragraph_id", "created_at", "id")
    )


# --- Calendar of opportunities -------------------------------------------------------------


@dataclass
class Opportunity:
    kind: str  # "consulta" or "sesion"
    uid: str
    title: str
    starts: datetime
    ends: datetime | None
    url: str
    where: str
    forum: str
    is_demo: bool


def opportunities(*, now: datetime | None = None, horizon_days: int = 180) -> list[Opportunity]:
    """Open (or about to open) consultations and upcoming public sessions, by date."""
    now = now or timezone.now()
    items: list[Opportunity] = []
    for c in (
        Consultation.objects.public()
        .filter(closes_at__gt=now, opens_at__lte=now + timedelta(days=horizon_days))
        .select_related("forum")
    ):
        items.append(
            Opportunity(
                "consulta",
                f"consulta-{c.pk}@agora",
                c.title,
                c.opens_at,
                c.closes_at,
                c.get_absolute_url(),
                "",
                c.forum.name if c.forum else "",
                c.is_demo,
            )
        )
    for s in ForumSession.objects.filter(
        is_public=True,
        status=SessionStatus.PROGRAMADA,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(days=horizon_days),
        forum__is_published=True,
    ).select_related("forum"):
        items.append(
            Opportunity(
                "sesion",
                f"sesion-{s.pk}@agora",
                f"{s.forum.name}: {s.title}",
                s.starts_at,
                s.ends_at or s.starts_at + timedelta(hours=2),
                s.get_absolute_url(),
                s.place,
                s.forum.name,
                s.is_demo,
            )
        )
    items.sort(key=lambda o: o.starts)
    return items


# --- Pilot evaluation ----------------------------------------------------------------------


@dataclass
class Evaluation:
    sessions_held: int
    attendance_present: int
    attendance_expected: int
    agreements_due: int
    agreements_on_time: int
    types_with_minimum: int
    types_meeting_minimum: int
    comments_total: int
    comments_answered: int
    seats: list[SeatStatus]

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100.0 * part / whole, 1) if whole else None

    @property
    def attendance_rate(self) -> float | None:
        return self._rate(self.attendance_present, self.attendance_expected)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.agreements_on_time, self.agreements_due)

    @property
    def representation_rate(self) -> float | None:
        return self._rate(self.types_meeting_minimum, self.types_with_minimum)

    @property
    def answered_rate(self) -> float | None:
        return self._rate(self.comments_answered, self.comments_total)


def forum_evaluation(forum: Forum, *, today: date | None = None) -> Evaluation:
    """The pilot's indicators computed from its records:
    attendance = present / expected over sessions held; agreements on time = fulfilled by
    their due date / agreements already due or closed; representation = stakeholder types
    whose minimum is met / types with a minimum; answers = answered / all comments of the
    forum's consultations."""
    today = today or timezone.localdate()
    attendance = Attendance.objects.filter(
        session__forum=forum, session__status=SessionStatus.REALIZADA
    ).aggregate(expected=Count("id"), present=Count("id", filter=Q(present=True)))
    held = forum.sessions.filter(status=SessionStatus.REALIZADA).count()
    agreements = forum.agreements.aggregate(
        due=Count(
            "id",
            filter=Q(due_date__lt=today)
            | Q(status__in=[AgreementStatus.CUMPLIDO, AgreementStatus.INCUMPLIDO]),
        ),
        on_time=Count(
            "id",
            filter=Q(status=AgreementStatus.CUMPLIDO, fulfilled_on__lte=F("due_date")),
        ),
    )
    seats = forum_seats(forum)
    with_min = [s for s in seats if s.min_seats > 0]
    comments = Comment.objects.filter(consultation__forum=forum).aggregate(
        total=Count("id"), answered=Count("id", filter=~Q(answer_outcome=""))
    )
    return Evaluation(
        sessions_held=held,
        attendance_present=attendance["present"] or 0,
        attendance_expected=attendance["expected"] or 0,
        agreements_due=agreements["due"] or 0,
        agreements_on_time=agreements["on_time"] or 0,
        types_with_minimum=len(with_min),
        types_meeting_minimum=sum(1 for s in with_min if s.missing == 0),
        comments_total=comments["total"] or 0,
        comments_answered=comments["answered"] or 0,
        seats=seats,
    )


def user_forums_as_secretariat(user: User) -> QuerySet[Forum]:
    if not user.is_authenticated:
        return Forum.objects.none()
    if user.is_superuser:
        return Forum.objects.all()
    return Forum.objects.filter(secretariat=user) if user.is_rector else Forum.objects.none()
