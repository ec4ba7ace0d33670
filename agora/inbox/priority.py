"""The priority of a conversation follows written rules, each with the reason staff read
("Alta: vence en 1 h 20 min hábiles"), instead of a blanket raise. The rules, first match wins:

1. an open threat alert on the conversation → **urgente**;
2. the response is due within N working hours (``ResponsePolicy.priority_hours``, default 2),
   or is already overdue → **alta**;
3. the citizen wrote in ``REPEAT_CONVERSATIONS`` or more conversations with the entity in the
   last ``REPEAT_DAYS`` days and this one is not closed → **alta**;
4. otherwise → **normal**.

A priority set by hand wins (``priority_manual``) until someone gives it back to the rules.
The rules run in bulk where their inputs change: ingestion and confirmed answers (the
receivers in agora/inbox/receivers.py), status changes, threat alerts raised or attended,
policy changes, and the periodic deadline job (time passing brings deadlines closer).
The public methodology page (/bandeja/metodologia/) shows :data:`RULES`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from agora.inbox.bulk_sql import execute, in_list
from agora.inbox.counts import counts_changed
from agora.inbox.deadlines import Deadlines, deadlines_cached
from agora.inbox.models import (
    AlertStatus,
    Conversation,
    Priority,
    PriorityReason,
    Status,
    ThreatAlert,
)

REPEAT_CONVERSATIONS = 3
REPEAT_DAYS = 7
CHUNK = 500

# The rules as the methodology page shows them (code, resulting priority, description).
RULES: list[tuple[str, Any, Any]] = [
    (
        PriorityReason.AMENAZA,
        Priority.URGENTE.label,
        gettext_lazy(
            "Un mensaje de la conversación fue detectado como amenaza y la alerta sigue "
            "abierta: los responsables de la entidad deben revisarla de inmediato."
        ),
    ),
    (
        PriorityReason.PLAZO,
        Priority.ALTA.label,
        gettext_lazy(
            "El plazo de respuesta vence dentro de las próximas horas hábiles que fija la "
            "política de la entidad, o ya venció."
        ),
    ),
    (
        PriorityReason.RECURRENTE,
        Priority.ALTA.label,
        gettext_lazy(
            "La misma persona escribió en 3 o más conversaciones con la entidad en los "
            "últimos 7 días y esta no está cerrada: insiste porque algo no se resolvió."
        ),
    ),
    (
        PriorityReason.NINGUNA,
        Priority.NORMAL.label,
        gettext_lazy("Ninguna de las reglas anteriores se cumple."),
    ),
]


def _threshold(deadlines: Deadlines, now: datetime) -> datetime:
    """The latest due time that counts as "due soon": N working hours after now."""
    return deadlines.calendar.add(now, float(deadlines.priority_hours) * 3600)


def decide(
    *,
    threat: bool,
    due_at: datetime | None,
    due_soon_until: datetime,
    repeated: bool,
    status: str,
) -> tuple[str, str]:
    """(priority, reason) under the written rules, first match wins."""
    if threat:
        return Priority.URGENTE, PriorityReason.AMENAZA
    if due_at is not None and due_at <= due_soon_until:
        return Priority.ALTA, PriorityReason.PLAZO
    if repeated and status != Status.CERRADO:
        return Priority.ALTA, PriorityReason.RECURRENTE
    return Priority.NORMAL, PriorityReason.NINGUNA


def _deadlines(entity_ids: set[int]) -> dict[int, Deadlines]:
    return deadlines_cached(entity_ids)


def priorities_refresh(*, conversation_ids: Iterable[int], now: datetime | None = None) -> int:
    """Applies the rules to these conversations (those set by hand are left alone), a few
    queries per chunk of ``CHUNK``. Returns how many changed."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    now = now or timezone.now()
    changed = 0
    for start in range(0, len(ids), CHUNK):
        changed += _refresh_chunk(ids[start : start + CHUNK], now)
    if changed:
        counts_changed()
    return changed


def priorities_refresh_with_authors(
    *,
    conversation_ids: Iterable[int],
    now: datetime | None = None,
    decided: Collection[int] = (),
) -> int:
    """``priorities_refresh`` of these conversations and of their authors' other
    conversations not closed (``same_author_ids``: a new conversation may raise the author's
    earlier ones too), with the authors' activity in the repeat window read once for both
    (what ingestion does after every batch). ``decided``: conversations among them created
    with the rules' priority at this ``now`` (``messages_ingest`` writes it with the row: no
    threat alert yet, the deadline rule computed): read again only when their author turns
    out to be repeated. Returns how many changed."""
    ids = sorted(set(conversation_ids))
    if not ids:
        return 0
    now = now or timezone.now()
    authors = _authors_of(ids)
    active = _active_of_authors(set(authors.values()), now - timedelta(days=REPEAT_DAYS))
    counted = Counter(
        (entity_id, platform, author) for _pk, entity_id, platform, author, _s in active
    )
    repeated = {key for key, n in counted.items() if n >= REPEAT_CONVERSATIONS}
    unchanged = {pk for pk in decided if authors.get(pk) not in repeated}
    everyone = sorted(
        (set(ids) | {pk for pk, *_rest, status in active if status != Status.CERRADO}) - unchanged
    )
    changed = 0
    for start in range(0, len(everyone), CHUNK):
        changed += _refresh_chunk(everyone[start : start + CHUNK], now, repeated)
    if changed:
        counts_changed()
    return changed


def _refresh_chunk(
    ids: Sequence[int], now: datetime, repeated_known: set[tuple[int, str, str]] | None = None
) -> int:
    """``repeated_known``: the repeated (entity, platform, author) among every author of these
    conversations, when the caller read them already."""
    rows = list(
        Conversation.objects.filter(pk__in=ids, priority_manual=False).values_list(
            "id",
            "entity_id",
            "platform",
            "author_id",
            "status",
            "due_at",
            "priority",
            "priority_reason",
        )
    )
    if not rows:
        return 0
    threats = set(
        ThreatAlert.objects.filter(
            conversation_id__in=[r[0] for r in rows], status=AlertStatus.ABIERTA
        ).values_list("conversation_id", flat=True)
    )
    repeated = (
        repeated_known
        if repeated_known is not None
        else _repeated_authors(
            {(e, platform, author) for _pk, e, platform, author, *_ in rows if author}, now
        )
    )
    deadlines = _deadlines({r[1] for r in rows})
    until = {entity_id: _threshold(d, now) for entity_id, d in deadlines.items()}
    updates: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pk, entity_id, platform, author, status, due_at, priority, reason in rows:
        wanted = decide(
            threat=pk in threats,
            due_at=due_at,
            due_soon_until=until[entity_id],
            repeated=(entity_id, platform, author) in repeated,
            status=status,
        )
        if wanted != (priority, reason):
            updates[wanted].append(pk)
    for (priority, reason), pks in updates.items():
        # priority_manual=False again: a person may have set it by hand meanwhile.
        Conversation.objects.filter(pk__in=pks, priority_manual=False).update(
            priority=priority, priority_reason=reason
        )
    return sum(len(pks) for pks in updates.values())


# Authors per query in the lookups below: 3 parameters each stays far below SQLite's 32,766
# and PostgreSQL's 65,535 parameters per statement.
AUTHORS_CHUNK = 2_000


def _active_of_authors(
    authors: set[tuple[int, str, str]], since: datetime
) -> list[tuple[int, int, str, str, str]]:
    """(id, entity, platform, author, status) of the conversations of these (entity, platform,
    author) active since ``since``. One query per ``AUTHORS_CHUNK`` authors, joining their
    list to index inbox_conv_author (entity, platform, author_id, last_inbound_at): ingestion
    asks this for thousands of authors of a batch at once, and one ORM query per entity and
    platform cost more than the messages' insert (bench/ingest.py)."""
    table = Conversation._meta.db_table
    found: list[tuple[int, int, str, str, str]] = []
    ordered = sorted(authors)
    with connection.cursor() as cursor:
        for start in range(0, len(ordered), AUTHORS_CHUNK):
            chunk = ordered[start : start + AUTHORS_CHUNK]
            values = ", ".join(["(%s, %s, %s)"] * len(chunk))
            cursor.execute(
                # Fixed identifiers; every value is a parameter.
                f"WITH wanted (entity_id, platform, author_id) AS (VALUES {values}) "  # noqa: S608
                f"SELECT c.id, c.entity_id, c.platform, c.author_id, c.status FROM wanted w "
                f"JOIN {table} c ON c.entity_id = w.entity_id AND c.platform = w.platform "
                "AND c.author_id = w.author_id AND c.last_inbound_at >= %s",
                [*(value for triple in chunk for value in triple), since],
            )
            found.extend(cursor.fetchall())
    return found


def _repeated_authors(
    authors: set[tuple[int, str, str]], now: datetime
) -> set[tuple[int, str, str]]:
    """The (entity, platform, author) among ``authors`` with ``REPEAT_CONVERSATIONS`` or more
    conversations active in the last ``REPEAT_DAYS`` days."""
    if not authors:
        return set()
    counted: Counter[tuple[int, str, str]] = Counter(
        (entity_id, platform, author)
        for _pk, entity_id, platform, author, _status in _active_of_authors(
            authors, now - timedelta(days=REPEAT_DAYS)
        )
    )
    return {key for key, n in counted.items() if n >= REPEAT_CONVERSATIONS} & authors


def _authors_of(ids: Sequence[int]) -> dict[int, tuple[int, str, str]]:
    """The (entity, platform, author) of these conversations, by id (those with an author)."""
    table = Conversation._meta.db_table
    triples: dict[int, tuple[int, str, str]] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), AUTHORS_CHUNK):
            wanted, params = in_list(ids[start : start + AUTHORS_CHUNK], "bigint")
            rows = execute(
                cursor,
                # Fixed identifiers; every value is a parameter.
                f"SELECT id, entity_id, platform, author_id FROM {table} "  # noqa: S608
                f"WHERE id {wanted} AND author_id <> ''",
                params,
            )
            for pk, entity_id, platform, author in rows:
                triples[pk] = (entity_id, platform, author)
    return triples


def same_author_ids(conversation_ids: Iterable[int], now: datetime | None = None) -> set[int]:
    """The conversations, not closed, of the authors of these conversations that were active
    in the repeat window: a new conversation may raise the author's earlier ones too."""
    ids = list(conversation_ids)
    if not ids:
        return set()
    now = now or timezone.now()
    triples = set(_authors_of(ids).values())
    if not triples:
        return set()
    return {
        pk
        for pk, _entity, _platform, _author, status in _active_of_authors(
            triples, now - timedelta(days=REPEAT_DAYS)
        )
        if status != Status.CERRADO
    }


def priorities_refresh_due(now: datetime | None = None) -> int:
    """The periodic part (called by the deadline job): conversations a rule raised (checked
    again: an answer, a closed alert or an old conversation may lower them), those whose due
    time has come within their entity's window, and those with an open threat alert not yet
    urgent. Reads only small indexes; the rows a rule raised and that stay raised are not
    read again."""
    now = now or timezone.now()
    horizon = _widest_threshold(now)
    # A deadline rule holds while the due time stays in the window; the other rules depend on
    # the clock (the repeat window) or on alerts: those rows are checked every time.
    raised = Q(priority_reason__in=[PriorityReason.AMENAZA, PriorityReason.RECURRENTE]) | Q(
        Q(due_at__isnull=True) | Q(due_at__gt=horizon), priority_reason=PriorityReason.PLAZO
    )
    candidates: set[int] = set(
        Conversation.objects.filter(raised, priority_manual=False).values_list("id", flat=True)
    )
    candidates.update(
        Conversation.objects.filter(
            # Overdue ones entered the window earlier (or were set by the migration).
            due_at__gt=now - timedelta(days=2),
            due_at__lte=horizon,
            priority_manual=False,
            priority_reason__in=["", PriorityReason.RECURRENTE],
        ).values_list("id", flat=True)
    )
    candidates.update(
        ThreatAlert.objects.filter(status=AlertStatus.ABIERTA)
        .exclude(conversation__priority_reason=PriorityReason.AMENAZA)
        .values_list("conversation_id", flat=True)
    )
    return priorities_refresh(conversation_ids=candidates, now=now)


def _widest_threshold(now: datetime) -> datetime:
    """The latest "due soon" moment of any entity: the default policy's, or that of an entity
    with its own policy or non-working days (few), whichever is later."""
    from agora.inbox.deadlines import deadlines_for
    from agora.inbox.models import NonWorkingDay, ResponsePolicy

    own = set(
        ResponsePolicy.objects.filter(entity__isnull=False).values_list("entity_id", flat=True)
    ) | set(NonWorkingDay.objects.values_list("entity_id", flat=True).distinct())
    base = _threshold(deadlines_for(0), now)  # no such entity: the default policy
    if not own:
        return base
    return max(base, *(_threshold(d, now) for d in _deadlines({int(i) for i in own}).values()))


def priority_entity_refresh(entity_id: int, now: datetime | None = None) -> int:
    """Every conversation of the entity that is not closed (after its policy changed)."""
    ids = list(
        Conversation.objects.filter(entity_id=entity_id)
        .exclude(status=Status.CERRADO)
        .values_list("id", flat=True)
    )
    return priorities_refresh(conversation_ids=ids, now=now)


# --- what staff read -------------------------------------------------------------------------


def _duration(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    if hours:
        return _("%(h)s h") % {"h": hours}
    return _("%(m)s min") % {"m": max(1, minutes)}


def reason_text(
    conversation: Conversation, *, now: datetime, working_seconds_left: float | None = None
) -> str:
    """ "Alta: vence en 1 h 20 min hábiles": the priority and why, for the list and the
    conversation (``working_seconds_left`` when the caller computed it on the calendar)."""
    priority = Priority(conversation.priority).label if conversation.priority else ""
    reason = conversation.priority_reason
    if conversation.priority_manual or reason == PriorityReason.MANUAL:
        why = _("fijada a mano por el personal")
    elif reason == PriorityReason.AMENAZA:
        why = _("alerta de amenaza abierta")
    elif reason == PriorityReason.PLAZO:
        due = conversation.due_at
        if due is not None and due <= now:
            why = _("plazo vencido")
        elif working_seconds_left is not None:
            why = _("vence en %(time)s hábiles") % {"time": _duration(working_seconds_left)}
        else:
            why = _("el plazo vence pronto")
    elif reason == PriorityReason.RECURRENTE:
        why = ngettext(
            "la misma persona escribió en %(n)s conversaciones en %(days)s días",
            "la misma persona escribió en %(n)s o más conversaciones en %(days)s días",
            REPEAT_CONVERSATIONS,
        ) % {"n": REPEAT_CONVERSATIONS, "days": REPEAT_DAYS}
    else:
        why = _("ninguna regla aplica")
    return _("%(priority)s: %(why)s") % {"priority": priority, "why": why}


def working_seconds_left(conversation: Conversation, now: datetime) -> float | None:
    """Working time until the response is due, on the entity's calendar (one conversation)."""
    if conversation.due_at is None or conversation.due_at <= now:
        return None
    deadlines = _deadlines({conversation.entity_id})[conversation.entity_id]
    return deadlines.calendar.between(now, conversation.due_at)
