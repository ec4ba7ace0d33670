"""The crisis banner: insults and threats of the last hour against an entity's usual rate,
and its crisis checklist."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.inbox.models import (
    CrisisChecklist,
    Direction,
    Message,
)
from agora.inbox.moderation.flags import INSULT, THREAT, _flag_match
from agora.inbox.moderation.policy import policies_for, user_manages

CHECKLIST_MAX_ITEMS = 30
CHECKLIST_ITEM_MAX = 300


DEFAULT_CHECKLIST: tuple[str, ...] = (
    "Avisar de inmediato al responsable de comunicaciones y a la Alta Dirección.",
    "Escuchar primero: revisar los mensajes y entender qué pasó antes de responder.",
    "No borrar comentarios: ocultar solo insultos y spam, y dejar constancia del motivo.",
    "Conservar como evidencia las amenazas y comunicarlas a la autoridad competente.",
    "Verificar los hechos con el área responsable y obtener el respaldo oficial del mensaje.",
    "Responder pronto, con seriedad, en primera persona plural y sin ambigüedades.",
    "Publicar la misma versión oficial en todas las cuentas de la entidad.",
    "Coordinar con los aliados e influenciadores identificados para difundir la información.",
    "No usar memes, bromas ni mensajes jocosos durante la crisis.",
    "Cambiar las contraseñas si se sospecha que una cuenta oficial fue comprometida.",
    "Al cerrar la crisis, registrar lo ocurrido y actualizar el manual de crisis.",
)


@dataclass(frozen=True)
class Crisis:
    """An entity whose insults and threats of the last hour reached the crisis threshold."""

    entity: Entity
    last_hour: int
    usual_per_hour: float
    threshold: float
    checklist: list[str]
    can_edit: bool


def _crisis_count(entity_ids: Iterable[int], start: datetime, end: datetime) -> dict[int, int]:
    rows = (
        Message.objects.filter(
            entity_id__in=list(entity_ids),
            direction=Direction.ENTRANTE,
            sent_at__gte=start,
            sent_at__lt=end,
        )
        .filter(_flag_match(INSULT) | _flag_match(THREAT))
        .order_by()
        .values_list("entity_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def crises_for(
    *, user: User, entity_ids: Sequence[int] | None = None, now: datetime | None = None
) -> list[Crisis]:
    """The entities in crisis among the person's (or ``entity_ids``, within them): insults and
    threats in the last hour ≥ max(minimum, multiplier × mean hourly rate over the previous
    days). One grouped query over the last hour; the usual rate only for candidates."""
    now = now or timezone.now()
    scope = Entity.objects.for_staff(user)
    if entity_ids is not None:
        scope = scope.filter(pk__in=list(entity_ids))
    hour_ago = now - timedelta(hours=1)
    last_hour = (
        Message.objects.filter(
            entity__in=scope,
            direction=Direction.ENTRANTE,
            sent_at__gte=hour_ago,
            sent_at__lte=now,
        )
        .filter(_flag_match(INSULT) | _flag_match(THREAT))
        .order_by()
        .values_list("entity_id")
        .annotate(n=Count("id"))
    )
    counts = dict(last_hour)
    if not counts:
        return []
    policies = policies_for(counts)
    candidates = [pk for pk, n in counts.items() if n >= policies[pk].crisis_min_messages]
    crises: list[Crisis] = []
    if not candidates:
        return crises
    entities = Entity.objects.in_bulk(candidates)
    checklists = {
        c.entity_id: list(c.items) for c in CrisisChecklist.objects.filter(entity_id__in=candidates)
    }
    for pk in sorted(candidates, key=lambda k: -counts[k]):
        policy = policies[pk]
        days = max(1, policy.crisis_baseline_days)
        usual = _crisis_count([pk], hour_ago - timedelta(days=days), hour_ago).get(pk, 0)
        usual_per_hour = usual / (days * 24)
        threshold = max(
            float(policy.crisis_min_messages), float(policy.crisis_multiplier) * usual_per_hour
        )
        if counts[pk] >= threshold:
            crises.append(
                Crisis(
                    entity=entities[pk],
                    last_hour=counts[pk],
                    usual_per_hour=usual_per_hour,
                    threshold=threshold,
                    checklist=checklists.get(pk) or list(DEFAULT_CHECKLIST),
                    can_edit=user_manages(user, pk),
                )
            )
    return crises


def crisis_checklist_get(entity: Entity) -> list[str]:
    found = CrisisChecklist.objects.filter(entity=entity).first()
    return list(found.items) if found and found.items else list(DEFAULT_CHECKLIST)


def crisis_checklist_update(*, actor: User, entity: Entity, text: str) -> CrisisChecklist:
    """Sets an entity's crisis checklist: one step per line (its managers or the rector)."""
    if not user_manages(actor, entity.pk):
        raise PermissionDeniedError(
            _("Solo los responsables de la entidad cambian su lista de crisis.")
        )
    items = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not items:
        raise DomainError(_("Escriba al menos un paso, uno por línea."))
    if len(items) > CHECKLIST_MAX_ITEMS:
        raise DomainError(_("La lista admite hasta %(max)s pasos.") % {"max": CHECKLIST_MAX_ITEMS})
    long = [i for i, item in enumerate(items, 1) if len(item) > CHECKLIST_ITEM_MAX]
    if long:
        raise DomainError(
            _("El paso %(line)s supera los %(max)s caracteres.")
            % {"line": long[0], "max": CHECKLIST_ITEM_MAX}
        )
    with transaction.atomic():
        checklist, _created = CrisisChecklist.objects.select_for_update().get_or_create(
            entity=entity
        )
        before = list(checklist.items)
        checklist.items = items
        checklist.updated_by = actor
        checklist.save()
        audit_record(
            actor=actor,
            verb="crisis.lista_actualizada",
            instance=checklist,
            scope=entity.code,
            before={"items": before},
            after={"items": items},
        )
    return checklist
