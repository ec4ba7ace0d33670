"""Response deadlines: the policy in force for an entity, its working calendar, and the one
definition of first-response time, resolution time and "within deadline" used everywhere
(inbox, reports, public scoreboard, methodology page).

Definitions (working time counts only the entity's working hours, Peru's national holidays and
the entity's own non-working days excluded; calendar time counts every second):

- **first response time**: from the first citizen message of a conversation to the first answer
  of the entity (sent from Ágora and confirmed by the platform, or written on the platform by
  the entity's own account);
- **resolution time**: from the first citizen message to the moment the conversation was closed,
  minus the working time it spent waiting on the citizen ("en espera");
- **within deadline**: the first response arrived no later than the policy's first-response
  target, counted in working hours from the first citizen message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agora.core.calendar import BusinessCalendar
from agora.directory.models import Entity
from agora.inbox.models import NonWorkingDay, ResponsePolicy

# The definitions as citizens read them (methodology page, reports, scoreboard): the same
# rules the functions below compute.
DEFINITIONS: list[tuple[str, Promise, Promise]] = [
    (
        "primera-respuesta",
        gettext_lazy("Tiempo de primera respuesta"),
        gettext_lazy(
            "Desde el primer mensaje del ciudadano en una conversación hasta la primera "
            "respuesta de la entidad: una respuesta escrita en Ágora y confirmada por la "
            "plataforma, o escrita directamente en la plataforma desde la cuenta oficial de la "
            "entidad. Una respuesta que aún no se envía o cuyo envío falló no cuenta."
        ),
    ),
    (
        "resolucion",
        gettext_lazy("Tiempo de resolución"),
        gettext_lazy(
            "Desde el primer mensaje del ciudadano hasta que la conversación se cierra, "
            "descontando el tiempo hábil en que estuvo «en espera del ciudadano»."
        ),
    ),
    (
        "dentro-del-plazo",
        gettext_lazy("Dentro del plazo"),
        gettext_lazy(
            "La primera respuesta llegó antes de que venciera el plazo de primera respuesta "
            "de la política vigente, contado en horas hábiles desde el primer mensaje del "
            "ciudadano."
        ),
    ),
    (
        "tiempo-habil",
        gettext_lazy("Tiempo hábil y tiempo calendario"),
        gettext_lazy(
            "El tiempo hábil cuenta solo la jornada de la entidad, sin feriados nacionales ni "
            "sus días no laborables; el tiempo calendario cuenta todas las horas. Ágora "
            "publica ambos."
        ),
    ),
]

DEFAULTS = {
    "first_response_hours": Decimal("8"),
    "next_response_hours": Decimal("8"),
    "resolution_hours": Decimal("45"),
}


@dataclass(frozen=True)
class Deadlines:
    """The policy in force for one entity, resolved against the rector office's default."""

    first_response_hours: Decimal
    next_response_hours: Decimal
    resolution_hours: Decimal
    calendar: BusinessCalendar
    # agora/inbox/priority.py: due within this many working hours → priority "alta".
    priority_hours: Decimal = Decimal(2)

    def first_due(self, since: datetime) -> datetime:
        return self.calendar.add(since, float(self.first_response_hours) * 3600)

    def next_due(self, since: datetime) -> datetime:
        return self.calendar.add(since, float(self.next_response_hours) * 3600)

    def resolution_due(self, since: datetime, paused_seconds: float = 0) -> datetime:
        return self.calendar.add(since, float(self.resolution_hours) * 3600 + paused_seconds)


def default_policy() -> ResponsePolicy:
    policy = ResponsePolicy.objects.filter(entity__isnull=True).first()
    return policy or ResponsePolicy(entity=None, **DEFAULTS)


def policies_version() -> tuple[object, ...]:
    """Changes whenever a policy or a non-working day is added, edited or removed."""
    policies = ResponsePolicy.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    days = NonWorkingDay.objects.aggregate(n=Count("id"), last=Max("id"), total=Sum("id"))
    return (policies["n"], policies["last"], days["n"], days["last"], days["total"])


def deadlines_for_many(entity_ids: Iterable[int]) -> dict[int, Deadlines]:
    """Deadlines of several entities in a few queries (ingestion computes them per batch)."""
    ids = set(entity_ids)
    base = default_policy()
    own = {p.entity_id: p for p in ResponsePolicy.objects.filter(entity_id__in=ids)}
    closed: dict[int, list[date]] = {}
    for entity_id, day in NonWorkingDay.objects.filter(entity_id__in=ids).values_list(
        "entity_id", "day"
    ):
        closed.setdefault(entity_id, []).append(day)
    return {i: _deadlines(own.get(i) or base, base, closed.get(i, [])) for i in ids}


def deadlines_for(entity: Entity | int) -> Deadlines:
    """The stricter of the entity's policy and the default, on the entity's calendar."""
    entity_id = entity if isinstance(entity, int) else entity.pk
    return deadlines_for_many([entity_id])[entity_id]


def _deadlines(policy: ResponsePolicy, base: ResponsePolicy, closed: Iterable[date]) -> Deadlines:
    return Deadlines(
        first_response_hours=min(policy.first_response_hours, base.first_response_hours),
        next_response_hours=min(policy.next_response_hours, base.next_response_hours),
        resolution_hours=min(policy.resolution_hours, base.resolution_hours),
        # Never a narrower working day than the default's (see policy_validate_stricter): a
        # policy saved before that rule still cannot stretch a deadline.
        calendar=BusinessCalendar.build(
            start=min(policy.workday_start, base.workday_start),
            end=max(policy.workday_end, base.workday_end),
            closed=closed,
        ),
        priority_hours=policy.priority_hours,
    )


def policy_validate_stricter(*, policy: ResponsePolicy) -> None:
    """An entity may make the deadlines stricter, never looser, than the default.

    The rule: every target (first answer, next answer, resolution) is at most the default's,
    and the entity's working day *contains* the default's (it starts no later and ends no
    earlier). Then at every moment the entity has counted at least as much working time as the
    default calendar would have, so each of its deadlines falls no later than the default's for
    any message. (Comparing only the length of the day is not enough: 08:00–09:00 and
    12:00–17:00 both stretch the default's 08:30–17:30; a longer day that starts later, e.g.
    09:00–19:00, still puts a 17:00 message's deadline later.) The entity's own non-working days
    are the one allowed exception: the issue counts deadlines on the entity's calendar.
    """
    if policy.workday_end <= policy.workday_start:
        raise ValidationError(_("La jornada debe terminar después de empezar."))
    if policy.entity_id is None:
        return
    base = default_policy()
    for name, label in [
        ("first_response_hours", _("primera respuesta")),
        ("next_response_hours", _("siguiente respuesta")),
        ("resolution_hours", _("resolución")),
    ]:
        if getattr(policy, name) > getattr(base, name):
            raise ValidationError(
                _(
                    "El plazo de %(what)s (%(value)s horas hábiles) no puede ser mayor que el "
                    "de la política general (%(limit)s horas hábiles)."
                )
                % {"what": label, "value": getattr(policy, name), "limit": getattr(base, name)}
            )
    if policy.workday_start > base.workday_start or policy.workday_end < base.workday_end:
        raise ValidationError(
            _(
                "La jornada de la entidad (%(start)s–%(end)s) no puede empezar más tarde ni "
                "terminar más temprano que la de la política general (%(base_start)s–"
                "%(base_end)s): alargaría los plazos de respuesta."
            )
            % {
                "start": f"{policy.workday_start:%H:%M}",
                "end": f"{policy.workday_end:%H:%M}",
                "base_start": f"{base.workday_start:%H:%M}",
                "base_end": f"{base.workday_end:%H:%M}",
            }
        )


def first_response_seconds(
    first_inbound_at: datetime | None,
    first_response_at: datetime | None,
    calendar: BusinessCalendar | None = None,
) -> float | None:
    """First response time in working seconds (with a calendar) or calendar seconds."""
    if first_inbound_at is None or first_response_at is None:
        return None
    if calendar is None:
        return max(0.0, (first_response_at - first_inbound_at).total_seconds())
    return calendar.between(first_inbound_at, first_response_at)


def resolution_seconds(
    first_inbound_at: datetime | None,
    resolved_at: datetime | None,
    paused_seconds: float,
    calendar: BusinessCalendar | None = None,
) -> float | None:
    if first_inbound_at is None or resolved_at is None:
        return None
    if calendar is None:
        return max(0.0, (resolved_at - first_inbound_at).total_seconds())
    return max(0.0, calendar.between(first_inbound_at, resolved_at) - paused_seconds)


def within_deadline(
    first_inbound_at: datetime | None, first_response_at: datetime | None, deadlines: Deadlines
) -> bool | None:
    """None while unanswered and not yet due is decided by the caller; here: answered in time?"""
    if first_inbound_at is None or first_response_at is None:
        return None
    return first_response_at <= deadlines.first_due(first_inbound_at)


_DEADLINES_CACHE: dict[str, object] = {"version": None, "by_entity": {}}


def deadlines_cached(entity_ids: set[int]) -> dict[int, Deadlines]:
    """Deadlines per entity, kept in this process until any policy or closed day changes."""
    version = policies_version()
    if _DEADLINES_CACHE["version"] != version:
        _DEADLINES_CACHE.update(version=version, by_entity={})
    known: dict[int, Deadlines] = _DEADLINES_CACHE["by_entity"]  # type: ignore[assignment]
    missing = entity_ids - known.keys()
    if missing:
        known.update(deadlines_for_many(missing))
    return {i: known[i] for i in entity_ids}
