"""Every non-trivial read of the inbox for signed-in staff: the list with its filters, counts
and keyset pagination, one conversation with its thread, the author's history, the library of
approved answers, notifications, and the querysets of the API. Scoping happens here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, Prefetch, Q, QuerySet, When
from django.db.models.expressions import OrderBy
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agora.core.calendar import peru_holidays
from agora.core.models import Notification, User
from agora.directory.models import (
    AccountStatus,
    Entity,
    EntityQuerySet,
    Membership,
    SocialAccount,
)
from agora.inbox import priority
from agora.inbox.counts import counts_cached
from agora.inbox.deadlines import DEFAULTS, DEFINITIONS, default_policy
from agora.inbox.models import (
    Attachment,
    CannedAnswer,
    Conversation,
    ConversationQuerySet,
    Label,
    Message,
    MessageRevision,
    Status,
)

PAGE_SIZE = 25
THREAD_LIMIT = 500
HISTORY_LIMIT = 20
NOTIFICATIONS_LIMIT = 100
CHOICES_LIMIT = 300

# Kinds and alert flags written by the language module; the inbox filters on these values.
KINDS: list[tuple[str, Any]] = [
    ("consulta", _("Consulta")),
    ("queja", _("Queja o reclamo")),
    ("denuncia", _("Denuncia")),
    ("sugerencia", _("Sugerencia")),
    ("felicitacion", _("Felicitación")),
    ("otro", _("Otro")),
]
FLAGS: list[tuple[str, Any]] = [
    ("insulto", _("Insulto")),
    ("spam", _("Spam")),
    ("amenaza", _("Amenaza")),
    ("datos_personales", _("Datos personales")),
    ("oculto", _("Oculto por moderación")),
]


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CursorError(ValueError):
    """A pagination cursor that was not produced by ``cursor_encode``."""


# The list's orders: by due time (default: the next deadline first, conversations without a
# pending deadline after them, newest activity first) or by newest citizen activity.
ORDER_DUE = "vence"
ORDER_RECENT = "recientes"
ORDERS: list[tuple[str, Any]] = [
    (ORDER_DUE, _("Vence antes")),
    (ORDER_RECENT, _("Más recientes")),
]


@dataclass(frozen=True)
class InboxFilters:
    """Valid filters of the inbox list; empty values mean "any"."""

    entity: str = ""
    status: str = ""
    account: int | None = None
    platform: str = ""
    kind: str = ""
    flag: str = ""
    assignee: str = ""  # "" any | "yo" me | "nadie" unassigned | a user id
    overdue: bool = False
    send_failed: bool = False  # only conversations with an answer whose send failed
    hidden: bool = False  # "mostrar ocultos": also conversations hidden by moderation
    cursor: str = ""
    queue: str = ""  # a work queue of agora/inbox/queues.py ("mias", "vencidas"...)
    order: str = ORDER_DUE


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def cursor_encode(conversation: Conversation, order: str = ORDER_RECENT) -> str:
    """The position after ``conversation``: "<µs>-<id>" in (last_inbound_at, id) descending
    order; in the due-time order "v<µs>-<id>" on (due_at, id) ascending while rows have a due
    time, then "n<µs>-<id>" on the rest by last activity."""
    if order == ORDER_DUE and conversation.due_at is not None:
        return f"v{_micros(conversation.due_at)}-{conversation.pk}"
    moment = conversation.last_inbound_at
    assert moment is not None
    prefix = "n" if order == ORDER_DUE else ""
    return f"{prefix}{_micros(moment)}-{conversation.pk}"


def cursor_parse(cursor: str) -> tuple[str, datetime, int]:
    """(segment, moment, id): segment "" (most recent order), "v" or "n" (due-time order)."""
    segment = cursor[:1] if cursor[:1] in ("v", "n") else ""
    try:
        micros_text, pk_text = cursor[len(segment) :].split("-", 1)
        micros, pk = int(micros_text), int(pk_text)
        moment = EPOCH + timedelta(microseconds=micros)
    except (ValueError, OverflowError) as exc:
        raise CursorError(cursor) from exc
    if pk <= 0:
        raise CursorError(cursor)
    return segment, moment, pk


def cursor_decode(cursor: str, order: str = ORDER_RECENT) -> tuple[datetime, int]:
    """The cursor's (moment, id); ``CursorError`` if it is not one of ``order``'s."""
    segment, moment, pk = cursor_parse(cursor)
    if (segment == "") != (order == ORDER_RECENT):
        raise CursorError(cursor)
    return moment, pk


def _scope(*, user: User, entity: str = "") -> ConversationQuerySet:
    """Conversations the person may see, narrowed to one entity when asked (or when they work
    for exactly one, so that the planner walks the ``inbox_conv_recent`` index in order)."""
    qs = Conversation.objects.for_staff(user)
    if entity:
        return qs.filter(entity__code=entity)
    return qs


def entities_for_inbox(*, user: User) -> EntityQuerySet:
    return Entity.objects.for_staff(user).order_by("name")


def conversations_filtered(
    *, user: User, filters: InboxFilters, entity_ids: list[int] | None = None
) -> ConversationQuerySet:
    """The scoped and filtered conversations, without status and cursor (the counts use it).

    Conversations without any citizen message (an entity's own post) are not in the inbox:
    nothing there awaits an answer, and the keyset stays free of NULLs.
    """
    qs = _scope(user=user, entity=filters.entity)
    if entity_ids is not None and len(entity_ids) == 1 and not filters.entity:
        qs = qs.filter(entity_id=entity_ids[0])
    qs = qs.filter(last_inbound_at__isnull=False)
    if not filters.hidden and filters.flag not in ("oculto", "insulto", "spam"):
        # Moderation (agora/inbox/moderation/): a conversation whose every citizen message
        # is hidden (insults, spam) is marked hidden (and flagged "oculto") and leaves the
        # default view; asking for insults or spam shows them, hidden or not.
        # "IN (false)", not "NOT hidden" (what Django writes for =False on SQLite): an
        # equality the planner can use on the list's indexes, which lead with (entity, hidden).
        qs = qs.filter(hidden__in=[False])
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    if filters.platform:
        qs = qs.filter(platform=filters.platform)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.flag:
        # flags is a JSON list of fixed slugs: a quoted match works on SQLite and PostgreSQL.
        qs = qs.filter(flags__icontains=f'"{filters.flag}"')
    if filters.assignee == "yo":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "nadie":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.overdue:
        qs = qs.filter(due_at__lt=timezone.now())
    if filters.send_failed:  # failed, or to check on the platform: both need a person
        qs = qs.filter(Q(failed_sends__gt=0) | Q(sends_to_check__gt=0))
    if filters.queue:
        from agora.inbox.queues import queue_filter  # queues counts through this function

        qs = queue_filter(qs, key=filters.queue, user=user)
    return qs


def list_order(filters: InboxFilters) -> tuple[OrderBy, ...]:
    """The list's order, ending with the primary key so that every position is unique. The
    export and the previous/next conversation (agora/inbox/navigation.py) read it here; the
    list's pages (``_page_ids``) walk the same order in two index ranges.

    By due time (default): the conversations with a due time by (due_at, id) ascending, then
    the others by (last_inbound_at, id) descending. Most recent: (last_inbound_at, id)
    descending."""
    if filters.order == ORDER_RECENT:
        return (F("last_inbound_at").desc(), F("id").desc())
    undated = Q(due_at__isnull=True)
    return (
        F("due_at").asc(nulls_last=True),
        Case(When(undated, then=F("last_inbound_at"))).desc(nulls_last=True),
        Case(When(~undated, then=F("id"))).asc(nulls_last=True),
        F("id").desc(),
    )


def conversations_listed(
    *, user: User, filters: InboxFilters, entity_ids: list[int] | None = None
) -> ConversationQuerySet:
    """Every conversation the list shows under ``filters`` (all its pages; unordered)."""
    qs = conversations_filtered(user=user, filters=filters, entity_ids=entity_ids)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


def status_counts(qs: QuerySet[Conversation]) -> dict[str, int]:
    """Conversations per status in one grouped query; every status is present."""
    rows = qs.order_by().values_list("status").annotate(n=Count("id"))
    counts = dict.fromkeys(Status.values, 0)
    for status, n in rows:
        counts[status] = n
    counts["todas"] = sum(counts[s] for s in Status.values)
    return counts


# What a list row shows (agora/inbox/rendering.py): the rest of the row is not read.
LIST_FIELDS = (
    "id",
    "entity_id",
    "account_id",
    "assignee_id",
    "thread_kind",
    "subject",
    "author_name",
    "status",
    "priority",
    "priority_reason",
    "priority_manual",
    "escalated_at",
    "escalated_to_id",
    "kind",
    "flags",
    "last_inbound_at",
    "due_at",
    "message_count",
    "failed_sends",
    "sends_to_check",
    "is_demo",
    "entity__name",
    "entity__acronym",
    "entity__code",
    "account__platform",
    "account__handle",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "escalated_to__username",
    "escalated_to__first_name",
    "escalated_to__last_name",
)


def conversations_for_staff(
    *, user: User, filters: InboxFilters, entity_ids: list[int] | None = None
) -> tuple[list[Conversation], str, dict[str, int]]:
    """One page of the inbox (by due time, or newest citizen activity first), the cursor of the
    next page ("" on the last one), and the counts per status under the other filters.

    Four or five queries: counts, the page ids (two in the due-time order where the dated
    conversations end), its rows (entity, account, assignee joined) and the labels of the
    page. The Message table is never read. Raises ``CursorError`` on a bad cursor.
    """
    base = conversations_filtered(user=user, filters=filters, entity_ids=entity_ids)
    scope = (
        user.pk,
        tuple(entity_ids) if entity_ids is not None else None,
        filters.entity,
        filters.account,
        filters.platform,
        filters.kind,
        filters.flag,
        filters.assignee,
        filters.overdue,
        filters.hidden,
        filters.send_failed,
        filters.queue,
    )
    counts = counts_cached(scope, lambda: status_counts(base))
    qs = base
    if filters.status:
        qs = qs.filter(status=filters.status)
    ids = _page_ids(qs, filters, PAGE_SIZE + 1)
    by_id = (
        Conversation.objects.select_related("entity", "account", "assignee", "escalated_to")
        .only(*LIST_FIELDS)
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
        .in_bulk(ids)
    )
    rows = [by_id[pk] for pk in ids if pk in by_id]
    next_cursor = cursor_encode(rows[PAGE_SIZE - 1], filters.order) if len(rows) > PAGE_SIZE else ""
    return rows[:PAGE_SIZE], next_cursor, counts


def _after_recent(qs: ConversationQuerySet, moment: datetime, pk: int) -> ConversationQuerySet:
    # The plain bound lets the planner range-scan the index; the OR breaks ties.
    return qs.filter(last_inbound_at__lte=moment).filter(
        Q(last_inbound_at__lt=moment) | Q(last_inbound_at=moment, id__lt=pk)
    )


def _page_ids(qs: ConversationQuerySet, filters: InboxFilters, limit: int) -> list[int]:
    """The ids of one page in the chosen order, from the cursor on. Index-only queries the
    planner answers from a covering index whatever the filters; the due-time order reads
    the dated conversations first (``inbox_conv_due_list``/``_status``) and, when the page
    is not full, the undated ones by last activity."""
    if filters.order == ORDER_RECENT:
        if filters.cursor:
            qs = _after_recent(qs, *cursor_decode(filters.cursor, ORDER_RECENT))
        recent = qs.order_by("-last_inbound_at", "-id").values_list("id", flat=True)
        return list(recent[:limit])
    segment, moment, pk = ("v", None, 0) if not filters.cursor else cursor_parse(filters.cursor)
    if segment not in ("v", "n"):
        raise CursorError(filters.cursor)
    ids: list[int] = []
    if segment == "v":
        dated = qs.filter(due_at__isnull=False)
        if moment is not None:
            dated = dated.filter(due_at__gte=moment).filter(
                Q(due_at__gt=moment) | Q(due_at=moment, id__gt=pk)
            )
        ids = list(dated.order_by("due_at", "id").values_list("id", flat=True)[:limit])
    if len(ids) < limit and not filters.overdue:
        undated = qs.filter(due_at__isnull=True)
        if segment == "n" and moment is not None:
            undated = _after_recent(undated, moment, pk)
        rest = undated.order_by("-last_inbound_at", "-id").values_list("id", flat=True)
        ids += list(rest[: limit - len(ids)])
    return ids


def conversations_export(*, user: User, filters: InboxFilters) -> ConversationQuerySet:
    """Every conversation of the filtered list, for the CSV export (streamed in chunks)."""
    qs = conversations_listed(user=user, filters=filters)
    return qs.select_related("entity", "account", "assignee").order_by(*list_order(filters))


def conversation_get_for_staff(*, user: User, pk: int) -> Conversation:
    """One conversation of the person's entities; 404 for any other, so that a guessed id
    tells nothing about whether it exists."""
    conversation = (
        Conversation.objects.for_staff(user)
        .select_related("entity", "account", "assignee", "post", "escalated_to")
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
        .filter(pk=pk)
        .first()
    )
    if conversation is None:
        raise Http404
    return conversation


def conversation_thread(*, conversation: Conversation) -> tuple[list[Message], bool]:
    """The messages of the thread in order (the latest ``THREAD_LIMIT``), each with its
    earlier versions; and whether older ones were left out."""
    qs = (
        Message.objects.filter(conversation=conversation)
        .select_related("author_user")
        .prefetch_related(
            Prefetch("revisions", queryset=MessageRevision.objects.order_by("replaced_at")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("position")),
        )
        .order_by("-sent_at", "-id")
    )
    rows = list(qs[: THREAD_LIMIT + 1])
    truncated = len(rows) > THREAD_LIMIT
    rows = rows[:THREAD_LIMIT]
    rows.reverse()
    return rows, truncated


def author_history(*, conversation: Conversation) -> list[Conversation]:
    """The same citizen's earlier conversations with this entity (any of its accounts on the
    same platform), newest first."""
    if not conversation.author_id:
        return []
    return list(
        Conversation.objects.filter(
            entity_id=conversation.entity_id,
            platform=conversation.platform,
            author_id=conversation.author_id,
        )
        .exclude(pk=conversation.pk)
        .select_related("account")
        .order_by("-last_inbound_at", "-id")[:HISTORY_LIMIT]
    )


def canned_answers_for(entity: Entity) -> QuerySet[CannedAnswer]:
    """Approved answers of the entity's library and the general ones (archived ones are kept
    for their history but no longer offered)."""
    return CannedAnswer.objects.filter(
        Q(entity=entity) | Q(entity__isnull=True),
        approved_at__isnull=False,
        archived_at__isnull=True,
    ).order_by("title", "id")


def canned_answer_get(*, entity: Entity, pk: int) -> CannedAnswer:
    answer = canned_answers_for(entity).filter(pk=pk).first()
    if answer is None:
        raise Http404
    return answer


def entity_staff(*, entity_id: int) -> list[User]:
    """People who may be assigned a conversation of the entity (active members)."""
    ids = Membership.objects.active().filter(entity_id=entity_id).values("user_id")
    return list(
        User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "username")[
            :CHOICES_LIMIT
        ]
    )


def entity_labels(*, entity_id: int) -> QuerySet[Label]:
    return Label.objects.filter(entity_id=entity_id).order_by("name")


def filter_accounts(*, user: User, entity_ids: list[int]) -> list[SocialAccount]:
    """Verified accounts offered in the list filter (of the chosen entities)."""
    if not entity_ids:
        return []
    return list(
        SocialAccount.objects.for_staff(user)
        .filter(entity_id__in=entity_ids, status=AccountStatus.VERIFICADA)
        .select_related("entity")
        .order_by("platform", "handle")[:CHOICES_LIMIT]
    )


def filter_assignees(*, entity_ids: list[int]) -> list[User]:
    if not entity_ids:
        return []
    ids = Membership.objects.active().filter(entity_id__in=entity_ids).values("user_id")
    return list(
        User.objects.filter(pk__in=ids, is_active=True).order_by("first_name", "username")[
            :CHOICES_LIMIT
        ]
    )


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-last_at", "-id")


def notifications_unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# --- API -------------------------------------------------------------------------------------


def api_conversations(*, user: User) -> ConversationQuerySet:
    return (
        Conversation.objects.for_staff(user)
        .filter(last_inbound_at__isnull=False)
        .select_related("entity", "account", "assignee")
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
        .order_by("-last_inbound_at", "-id")
    )


def api_conversation_messages(*, user: User, pk: int) -> QuerySet[Message]:
    conversation = conversation_get_for_staff(user=user, pk=pk)
    return (
        Message.objects.filter(conversation=conversation)
        .select_related("author_user")
        .prefetch_related(
            "revisions", Prefetch("attachments", queryset=Attachment.objects.order_by("position"))
        )
        .order_by("sent_at", "id")
    )


# --- public methodology ----------------------------------------------------------------------


def _plain(value: Decimal) -> Decimal:
    """8.00 → 8, 4.50 → 4.5 (never 4E+1)."""
    value = Decimal(value)
    return value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()


def methodology_context() -> dict[str, Any]:
    """The general policy in force (or the defaults) and this year's national holidays."""
    policy = default_policy()
    year = timezone.localdate().year
    return {
        "policy": policy,
        "hours": {
            name: _plain(getattr(policy, name))
            for name in ("first_response_hours", "next_response_hours", "resolution_hours")
        },
        "defaults": DEFAULTS,
        "definitions": DEFINITIONS,
        "year": year,
        "holidays": sorted(peru_holidays(year).items()),
        # agora/inbox/priority.py: the written rules of the inbox's priorities.
        "priority_rules": priority.RULES,
        "priority_hours": _plain(policy.priority_hours),
        "repeat_conversations": priority.REPEAT_CONVERSATIONS,
        "repeat_days": priority.REPEAT_DAYS,
    }
