"""Every read of the training registry: the public list of workshops (numbers only, never
attendees' names), the coverage of entities by level of government, and the staff pages'
workshops and attendance scoped to who asks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity, Level
from agora.training import permissions
from agora.training.models import Attendance, AttendeeRole, TrainingMaterial, TrainingSession

# Who runs an entity's accounts: attending as one of these roles covers the entity.
ACCOUNT_HOLDER_ROLES = (AttendeeRole.GESTOR, AttendeeRole.COMUNICADOR)


def today() -> datetime.date:
    return timezone.localdate()


# --- public ----------------------------------------------------------------------------------


def sessions_public() -> QuerySet[TrainingSession]:
    """Every workshop with its materials, how many entities and people attended (counts only)."""
    return (
        TrainingSession.objects.annotate(
            entity_count=Count("attendances__entity", distinct=True),
            attendee_count=Count("attendances", distinct=True),
        )
        .prefetch_related(Prefetch("materials", queryset=TrainingMaterial.objects.order_by("pk")))
        .order_by("-date", "pk")
    )


def material_get_public(pk: int) -> TrainingMaterial:
    material = TrainingMaterial.objects.filter(pk=pk).exclude(file="").first()
    if material is None:
        raise Http404(_("No existe ese material."))
    return material


def has_demo_data() -> bool:
    return TrainingSession.objects.filter(is_demo=True).exists()


def _covering_attendances(on: datetime.date) -> QuerySet[Attendance]:
    """Attendances that make their entity covered: an account holder who completed a
    workshop already held."""
    return Attendance.objects.filter(
        role__in=ACCOUNT_HOLDER_ROLES, completed=True, session__date__lte=on
    )


@dataclass
class CoveredEntity:
    code: str
    name: str
    acronym: str
    level: str
    first: datetime.date
    last: datetime.date
    people: int
    in_directory: bool
    verified_count: int = 0


@dataclass
class LevelCoverage:
    level: str
    label: str
    entities: int = 0  # the denominator: entities with a verified account
    covered: int = 0  # of those, covered
    first: datetime.date | None = None
    last: datetime.date | None = None
    rows: list[CoveredEntity] = field(default_factory=list)
    outside: int = 0  # covered entities without a verified account (not in the share)

    @property
    def share(self) -> float | None:
        return None if not self.entities else round(100 * self.covered / self.entities, 1)


@dataclass
class Coverage:
    levels: list[LevelCoverage]
    total: LevelCoverage
    on: datetime.date


def _covered_by_entity(on: datetime.date) -> dict[int, dict[str, Any]]:
    return {
        row["entity_id"]: row
        for row in _covering_attendances(on)
        .values("entity_id")
        .annotate(
            first=Min("session__date"),
            last=Max("session__date"),
            people=Count("pk"),
        )
        .order_by()
    }


def coverage(on: datetime.date | None = None) -> Coverage:
    """The share of entities covered by level of government, on ``on`` (today by default).
    The denominator is the entities with at least one verified account in the directory;
    covered entities without one are counted apart (``outside``)."""
    on = on or today()
    covered = _covered_by_entity(on)
    denominator = dict(
        Entity.objects.filter(verified_count__gt=0)
        .values("level")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("level", "n")
    )
    levels = {
        value: LevelCoverage(level=value, label=str(label), entities=denominator.get(value, 0))
        for value, label in Level.choices
    }
    entities = Entity.objects.filter(pk__in=covered).only(
        "code", "name", "acronym", "level", "verified_count"
    )
    for entity in entities:
        facts = covered[entity.pk]
        row = CoveredEntity(
            code=entity.code,
            name=entity.name,
            acronym=entity.acronym,
            level=entity.level,
            first=facts["first"],
            last=facts["last"],
            people=facts["people"],
            in_directory=entity.verified_count > 0,
            verified_count=entity.verified_count,
        )
        level = levels.get(entity.level)
        if level is None:
            continue
        if not row.in_directory:
            level.outside += 1
            continue
        level.covered += 1
        level.rows.append(row)
        level.first = min(filter(None, [level.first, row.first]))
        level.last = max(filter(None, [level.last, row.last]))
    total = LevelCoverage(level="", label=_("Todos los niveles"))
    for level in levels.values():
        level.rows.sort(key=lambda r: (-r.last.toordinal(), r.name))
        total.entities += level.entities
        total.covered += level.covered
        total.outside += level.outside
        dates = [d for d in (total.first, level.first) if d]
        total.first = min(dates) if dates else None
        dates = [d for d in (total.last, level.last) if d]
        total.last = max(dates) if dates else None
    return Coverage(levels=list(levels.values()), total=total, on=on)


def coverage_csv_rows(on: datetime.date | None = None) -> list[list[Any]]:
    """One row per entity in the denominator or covered: open data, no person's name."""
    on = on or today()
    covered = _covered_by_entity(on)
    sessions = dict(
        _covering_attendances(on)
        .values("entity_id")
        .annotate(n=Count("session", distinct=True))
        .order_by()
        .values_list("entity_id", "n")
    )
    labels = dict(Level.choices)
    rows = []
    for entity in (
        Entity.objects.filter(Q(verified_count__gt=0) | Q(pk__in=covered))
        .only("code", "name", "acronym", "level", "verified_count")
        .order_by("level", "name")
    ):
        facts = covered.get(entity.pk)
        rows.append(
            [
                entity.code,
                entity.name,
                entity.acronym,
                str(labels.get(entity.level, entity.level)),
                entity.verified_count,
                _("sí") if facts else _("no"),
                facts["first"].isoformat() if facts else "",
                facts["last"].isoformat() if facts else "",
                facts["people"] if facts else 0,
                sessions.get(entity.pk, 0),
            ]
        )
    return rows


# --- staff -----------------------------------------------------------------------------------


def staff_scope(user: User) -> tuple[bool, set[int]]:
    """(is rector staff, entities the person manages); a 403 for anyone else."""
    rector = permissions.may_register_workshops(user)
    managed = set() if rector else permissions.entities_managed_by(user)
    if not rector and not managed:
        raise PermissionDeniedError(
            _(
                "El registro de capacitación es para el personal del ente rector y los "
                "responsables de comunicaciones de las entidades."
            )
        )
    return rector, managed


def sessions_for_staff(user: User) -> QuerySet[TrainingSession]:
    rector, managed = staff_scope(user)
    mine = Q() if rector else Q(attendances__entity__in=managed)
    return TrainingSession.objects.annotate(
        entity_count=Count("attendances__entity", distinct=True),
        attendee_count=Count("attendances", distinct=True),
        mine_count=Count("attendances", filter=mine, distinct=True),
        material_count=Count("materials", distinct=True),
    ).order_by("-date", "pk")


def session_get_for_staff(user: User, pk: int) -> TrainingSession:
    staff_scope(user)
    session = TrainingSession.objects.filter(pk=pk).first()
    if session is None:
        raise Http404(_("No existe ese taller."))
    return session


def attendances_for_staff(user: User, session: TrainingSession) -> QuerySet[Attendance]:
    """A workshop's attendance: all of it for rector staff, a manager's own entities' people
    for a manager (names are never shown across entities)."""
    rector, managed = staff_scope(user)
    rows = Attendance.objects.filter(session=session).select_related("entity", "user")
    if not rector:
        rows = rows.filter(entity__in=managed)
    return rows.order_by("entity__name", "name")


def attendance_get_for_staff(user: User, pk: int) -> Attendance:
    rector, managed = staff_scope(user)
    rows = Attendance.objects.select_related("entity", "session")
    if not rector:
        rows = rows.filter(entity__in=managed)
    attendance = rows.filter(pk=pk).first()
    if attendance is None:
        raise Http404(_("No existe ese registro de asistencia."))
    return attendance


def material_get_for_staff(user: User, pk: int) -> TrainingMaterial:
    staff_scope(user)
    material = TrainingMaterial.objects.select_related("session").filter(pk=pk).first()
    if material is None:
        raise Http404(_("No existe ese material."))
    return material


def attendance_entities(user: User) -> QuerySet[Entity]:
    """The entities whose attendance this person may register."""
    rector, managed = staff_scope(user)
    entities = Entity.objects.all() if rector else Entity.objects.filter(pk__in=managed)
    return entities.only("code", "name", "level").order_by("name")
