"""The inbox's work queues: mine, unassigned, due today, overdue and threats. Each is a
condition on the conversations a person may see; the list filters on one (``cola=<key>``),
the list's tabs and the staff home show their counts (one grouped query, cached briefly)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agora.core.models import User
from agora.inbox.counts import versioned_cached
from agora.inbox.models import AlertStatus, ConversationQuerySet, Status, ThreatAlert

LIMA = ZoneInfo("America/Lima")


@dataclass(frozen=True)
class Queue:
    key: str
    label: Promise
    description: Promise


QUEUES: tuple[Queue, ...] = (
    Queue("mias", _("Mías"), _("Asignadas a usted y no cerradas")),
    Queue("sin_asignar", _("Sin asignar"), _("Sin responsable, esperando respuesta")),
    Queue("vencen_hoy", _("Vencen hoy"), _("El plazo de respuesta vence hoy (hora de Lima)")),
    Queue("vencidas", _("Vencidas"), _("El plazo de respuesta ya venció")),
    Queue("amenazas", _("Amenazas"), _("Con una alerta de amenaza abierta")),
)
QUEUE_KEYS = tuple(q.key for q in QUEUES)
QUEUE_CHOICES: list[tuple[str, Any]] = [(q.key, q.label) for q in QUEUES]


def end_of_today(now: datetime) -> datetime:
    """Midnight at the end of ``now``'s day in Lima (deadlines are read in Lima time)."""
    today = timezone.localtime(now, LIMA).date()
    return datetime.combine(today + timedelta(days=1), time.min, tzinfo=LIMA)


def queue_condition(key: str, *, user: User, now: datetime) -> Q:
    """The condition of queue ``key`` on conversations (``ValueError`` for an unknown key)."""
    if key == "mias":
        return Q(assignee=user) & ~Q(status=Status.CERRADO)
    if key == "sin_asignar":
        return Q(assignee__isnull=True, awaiting_since__isnull=False) & ~Q(status=Status.CERRADO)
    if key == "vencen_hoy":
        return Q(due_at__gte=now, due_at__lt=end_of_today(now), breached_at__isnull=True)
    if key == "vencidas":
        # due_at is cleared once answered, closed or waiting on the citizen.
        return Q(due_at__lt=now)
    if key == "amenazas":
        open_alert = ThreatAlert.objects.filter(
            conversation=OuterRef("pk"), status=AlertStatus.ABIERTA
        )
        return Q(Exists(open_alert))
    raise ValueError(key)


def queue_filter(
    qs: ConversationQuerySet, *, key: str, user: User, now: datetime | None = None
) -> ConversationQuerySet:
    return qs.filter(queue_condition(key, user=user, now=now or timezone.now()))


# The queues that only hold conversations waiting for an answer (due_at is set only then):
# counted over the partial index ``inbox_conv_awaiting``, a small part of an entity's rows.
WAITING_KEYS = ("sin_asignar", "vencen_hoy", "vencidas")


def _grouped_counts(
    qs: ConversationQuerySet, *, user: User, now: datetime, by: str | None
) -> dict[Any, dict[str, int]]:
    """Each queue's count, per value of the field ``by`` (or under the key None), in three
    index-driven queries: the waiting conversations (one pass for three queues), the person's
    own (the assignee index) and those with an open threat alert (from the few alerts). One
    aggregate with an OR of every condition would read every conversation of the entity."""
    fields = [by] if by else []
    result: dict[Any, dict[str, int]] = {}

    def add(rows: Any, keys: tuple[str, ...]) -> None:
        for row in rows:
            counts = result.setdefault(row[by] if by else None, dict.fromkeys(QUEUE_KEYS, 0))
            for key in keys:
                counts[key] = int(row[key] or 0)

    waiting = qs.filter(awaiting_since__isnull=False).order_by().values(*fields)
    add(
        waiting.annotate(
            **{
                key: Count("pk", filter=queue_condition(key, user=user, now=now))
                for key in WAITING_KEYS
            }
        )
        if by
        else [
            waiting.aggregate(
                **{
                    key: Count("pk", filter=queue_condition(key, user=user, now=now))
                    for key in WAITING_KEYS
                }
            )
        ],
        WAITING_KEYS,
    )
    mine = qs.filter(queue_condition("mias", user=user, now=now)).order_by().values(*fields)
    add(mine.annotate(mias=Count("pk")) if by else [mine.aggregate(mias=Count("pk"))], ("mias",))
    alerted = (
        qs.filter(
            pk__in=ThreatAlert.objects.filter(status=AlertStatus.ABIERTA).values("conversation_id")
        )
        .order_by()
        .values(*fields)
    )
    add(
        alerted.annotate(amenazas=Count("pk")) if by else [alerted.aggregate(amenazas=Count("pk"))],
        ("amenazas",),
    )
    return result


def queue_counts_of(
    qs: ConversationQuerySet, *, user: User, now: datetime | None = None
) -> dict[str, int]:
    """Conversations of ``qs`` in each queue."""
    counts = _grouped_counts(qs, user=user, now=now or timezone.now(), by=None)
    return counts.get(None, dict.fromkeys(QUEUE_KEYS, 0))


def queue_counts(
    *, user: User, filters: Any = None, entity_ids: list[int] | None = None
) -> dict[str, int]:
    """Each queue's count under the list's other filters (the queue, status and page aside),
    scoped to the person; cached for a few seconds like the status counts."""
    from agora.inbox.selectors import InboxFilters, conversations_filtered

    base_filters = replace(filters or InboxFilters(), queue="", status="", cursor="")
    parts = (user.pk, tuple(entity_ids) if entity_ids is not None else None, base_filters)
    return versioned_cached(
        "queues",
        parts,
        lambda: queue_counts_of(
            conversations_filtered(user=user, filters=base_filters, entity_ids=entity_ids),
            user=user,
        ),
    )


def queue_counts_by_entity(*, user: User, entity_ids: list[int]) -> dict[int, dict[str, int]]:
    """Each queue's count per entity (the staff home), in one grouped query."""
    if not entity_ids:
        return {}
    from agora.inbox.selectors import InboxFilters, conversations_filtered

    def compute() -> dict[int, dict[str, int]]:
        qs = conversations_filtered(user=user, filters=InboxFilters()).filter(
            entity_id__in=entity_ids
        )
        counts = _grouped_counts(qs, user=user, now=timezone.now(), by="entity_id")
        return {pk: counts.get(pk, dict.fromkeys(QUEUE_KEYS, 0)) for pk in entity_ids}

    return versioned_cached("queues_by_entity", (user.pk, tuple(entity_ids)), compute)


def queue_tabs(*, counts: dict[str, int], current: str, query: Any) -> list[dict[str, Any]]:
    """The list's queue links: ``query(key)`` gives each one's query string."""
    return [
        {
            "key": q.key,
            "label": q.label,
            "description": q.description,
            "count": counts.get(q.key, 0),
            "query": query(q.key),
            "current": current == q.key,
        }
        for q in QUEUES
    ]
