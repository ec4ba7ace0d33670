"""Forums and their seats: creation and edits, seat rules per stakeholder type, and the
idempotent load of the real forums."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agora.core.audit import audit_record, snapshot
from agora.core.errors import DomainError
from agora.core.models import User
from agora.directory import roles
from agora.participation import permissions
from agora.participation.models import Forum, ForumStatus, Scope, SeatRule, StakeholderType
from agora.participation.services._common import (
    _ensure_rector,
    _ensure_secretariat,
    _required,
    _seats_taken,
)

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
    if any(not permissions.is_rector_staff(u) for u in members):
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

    result = LoadResult()
    for row in rows:
        data = {k: row[k] for k in [*FORUM_FIELDS, "source"] if k in row}
        _forum_validate({**data, "scope": row["scope"]})
        lead = roles.entity_by_code(row.get("lead_entity", ""))
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
