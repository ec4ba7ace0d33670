"""Co-creation workshops of an action plan and the organisations that took part, per type."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from agora.commitments.models import (
    ActionPlan,
    OrganisationType,
    Workshop,
    WorkshopParticipation,
)
from agora.commitments.services._common import _require_rector
from agora.core.audit import audit_record
from agora.core.errors import DomainError
from agora.core.models import User


def workshop_check(
    *,
    label: str,
    place: str,
    people: int | None = None,
    participation: Mapping[str, int | None] | Iterable[tuple[str, int | None]] | None = None,
) -> dict[str, int]:
    """The rules of a workshop, shared by :func:`workshop_record` and the admin: a place and
    an identifier, known organisation types each counted once, no negative counts. Returns
    the participation as ``{type: count}``."""
    if not (place or "").strip() or not (label or "").strip():
        raise DomainError(_("Indique el lugar y el identificador del taller."))
    if people is not None and int(people) < 0:
        raise DomainError(_("El número de participantes no puede ser negativo."))
    rows = participation.items() if isinstance(participation, Mapping) else participation or ()
    valid = set(OrganisationType.values)
    counts: dict[str, int] = {}
    for kind, count in rows:
        if kind not in valid:
            raise DomainError(_("Tipo de organización desconocido: %(kind)s.") % {"kind": kind})
        if kind in counts:
            raise DomainError(
                _("El tipo de organización «%(label)s» figura más de una vez.")
                % {"label": OrganisationType(kind).label}
            )
        if count is None or int(count) < 0:
            raise DomainError(_("El número de organizaciones no puede ser negativo."))
        counts[kind] = int(count)
    return counts


@transaction.atomic
def workshop_record(
    *,
    actor: User | None,
    plan: ActionPlan,
    label: str,
    place: str,
    date: datetime.date | None = None,
    date_text: str = "",
    people: int | None = None,
    participation: Mapping[str, int] | None = None,
    notes: str = "",
    system: bool = False,
) -> Workshop:
    """Creates or updates a workshop with its organisations per type."""
    if not system:
        _require_rector(actor)
    participation = workshop_check(
        label=label, place=place, people=people, participation=participation
    )
    workshop, created = Workshop.objects.update_or_create(
        plan=plan,
        label=label.strip(),
        defaults={
            "place": place.strip(),
            "date": date,
            "date_text": date_text,
            "people": people,
            "notes": notes,
        },
    )
    for kind, count in participation.items():
        WorkshopParticipation.objects.update_or_create(
            workshop=workshop, organisation_type=kind, defaults={"count": int(count)}
        )
    audit_record(
        actor=actor,
        verb="taller.creado" if created else "workshop_updated",
        instance=workshop,
        after={"people": people, "participation": participation},
    )
    return workshop
