"""Where a conversation stands in the list it was opened from: the conversations before and
after it in that list's filters and order ("Anterior"/"Siguiente", the j/k keys) and the next
one still awaiting an answer ("Responder y pasar a la siguiente").

Each is one keyset query on the list's own queryset and order (``selectors.conversations_listed``
and ``selectors.list_order``): the list is never loaded, and whatever order the list takes, the
neighbours follow it. The conversation itself need not be in the list any more (answering one
in a list of new conversations takes it out): its position is computed from its own values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Exists, Expression, F, OuterRef, Q
from django.db.models.expressions import OrderBy

from agora.core.models import User
from agora.inbox import selectors
from agora.inbox.models import (
    Conversation,
    ConversationQuerySet,
    Direction,
    Message,
    SendStatus,
    Status,
)

# "Still awaiting an answer", for "answer and go to next": a new or open conversation whose
# citizen's last message has no answer on its way yet (a colleague's answer waiting to be
# published counts: nobody is sent to answer it a second time).
AWAITING = (Status.NUEVO, Status.ABIERTO)


@dataclass(frozen=True)
class _Key:
    """One term of the order: the name it is filtered by, its direction and where NULLs go."""

    name: str
    descending: bool
    nulls_last: bool
    expression: Any  # an F or any other expression (annotated under ``name``)
    nullable: bool = True

    def reversed(self) -> _Key:
        return _Key(
            self.name, not self.descending, not self.nulls_last, self.expression, self.nullable
        )


def _nulls_last_by_default(descending: bool) -> bool:
    # PostgreSQL sorts NULLs as the largest value, SQLite (and MySQL) as the smallest.
    if connection.vendor == "postgresql":
        return not descending
    return descending


def _keys(order: tuple[OrderBy, ...]) -> list[_Key]:
    keys = []
    for index, term in enumerate(order):
        inner = term.expression
        name = inner.name if isinstance(inner, F) else f"_orden_{index}"
        if term.nulls_first:
            nulls_last = False
        elif term.nulls_last:
            nulls_last = True
        else:
            nulls_last = _nulls_last_by_default(term.descending)
        keys.append(_Key(name, term.descending, nulls_last, inner, _nullable(inner)))
    return keys


def _nullable(expression: Any) -> bool:
    if not isinstance(expression, F):
        return True
    try:
        return bool(getattr(Conversation._meta.get_field(expression.name), "null", True))
    except FieldDoesNotExist:
        return True


def _order_by(keys: list[_Key]) -> list[OrderBy]:
    """The order of ``keys``, naming where NULLs go only where that is not the database's
    default (an explicit NULLS clause can keep SQLite from walking an index)."""
    terms = []
    for key in keys:
        explicit = key.nulls_last != _nulls_last_by_default(key.descending)
        terms.append(
            OrderBy(
                F(key.name),
                descending=key.descending,
                nulls_last=True if explicit and key.nulls_last else None,
                nulls_first=True if explicit and not key.nulls_last else None,
            )
        )
    return terms


NOTHING = Q(pk__in=[])


def _beyond(key: _Key, value: Any) -> Q:
    """Rows strictly after ``value`` on one term (NULLs included where they sort after)."""
    if value is None:
        return NOTHING if key.nulls_last else Q(**{f"{key.name}__isnull": False})
    beyond = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
    if key.nulls_last and key.nullable:
        beyond |= Q(**{f"{key.name}__isnull": True})
    return beyond


def _same(key: _Key, value: Any) -> Q:
    return Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})


def _after(keys: list[_Key], values: list[Any]) -> Q:
    """Rows strictly after the position ``values`` in the order ``keys`` (a keyset)."""
    result = NOTHING
    equal_so_far = Q()
    for key, value in zip(keys, values, strict=True):
        result |= equal_so_far & _beyond(key, value)
        equal_so_far &= _same(key, value)
    return result


def _segments(keys: list[_Key], values: list[Any]) -> list[Q]:
    """``_after`` cut into consecutive regions of the order, each an index range: the rows
    that share the leading value or pass it with a value, then (where they sort after) the
    rows whose leading value is NULL. The first region that holds a row holds the answer."""
    first, value = keys[0], values[0]
    tail = _after(keys[1:], values[1:]) if len(keys) > 1 else NOTHING
    if value is None:
        regions = [_same(first, None) & tail]
        if not first.nulls_last:
            regions.append(Q(**{f"{first.name}__isnull": False}))
        return regions
    op = "lt" if first.descending else "gt"
    bound = Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": value})
    regions = [bound & (Q(**{f"{first.name}__{op}": value}) | (Q(**{first.name: value}) & tail))]
    if first.nulls_last and first.nullable:
        regions.append(Q(**{f"{first.name}__isnull": True}))
    return regions


def _position(conversation: Conversation, keys: list[_Key]) -> list[Any]:
    """The conversation's values of the order's terms (read again when one is not a field)."""
    annotations = {k.name: k.expression for k in keys if not isinstance(k.expression, F)}
    if not annotations:
        return [getattr(conversation, k.name) for k in keys]
    row = (
        Conversation.objects.filter(pk=conversation.pk)
        .annotate(**annotations)
        .values(*[k.name for k in keys])
        .first()
    )
    return [row[k.name] if row else None for k in keys]


def _annotated(qs: ConversationQuerySet, keys: list[_Key]) -> ConversationQuerySet:
    annotations: dict[str, Expression] = {
        k.name: k.expression for k in keys if not isinstance(k.expression, F)
    }
    return qs.annotate(**annotations) if annotations else qs


def _step(
    qs: ConversationQuerySet, conversation: Conversation, keys: list[_Key], position: list[Any]
) -> int | None:
    ordered = _annotated(qs, keys).exclude(pk=conversation.pk).order_by(*_order_by(keys))
    for region in _segments(keys, position):
        found: int | None = ordered.filter(region).values_list("pk", flat=True).first()
        if found is not None:
            return found
    return None


@dataclass(frozen=True)
class Neighbours:
    previous: int | None
    next: int | None


def conversation_neighbours(
    *,
    user: User,
    conversation: Conversation,
    filters: selectors.InboxFilters,
    entity_ids: list[int] | None = None,
) -> Neighbours:
    """The ids of the conversations just before and just after ``conversation`` in the list
    under ``filters`` (None at either end). Two queries."""
    qs = selectors.conversations_listed(user=user, filters=filters, entity_ids=entity_ids)
    keys = _keys(selectors.list_order(filters))
    position = _position(conversation, keys)
    return Neighbours(
        previous=_step(qs, conversation, [k.reversed() for k in keys], position),
        next=_step(qs, conversation, keys, position),
    )


def conversation_next_awaiting(
    *,
    user: User,
    conversation: Conversation,
    filters: selectors.InboxFilters,
    entity_ids: list[int] | None = None,
) -> int | None:
    """The id of the first conversation after ``conversation`` in the list under ``filters``
    that still awaits an answer (new or open); None when there is none left."""
    qs = selectors.conversations_listed(user=user, filters=filters, entity_ids=entity_ids)
    keys = _keys(selectors.list_order(filters))
    return _step(_awaiting(qs), conversation, keys, _position(conversation, keys))


def _awaiting(qs: Any) -> Any:
    answer_on_its_way = Message.objects.filter(
        conversation=OuterRef("pk"),
        direction=Direction.SALIENTE,
        # Waiting, being published, or published but to be checked: all on their way.
        send_status__in=[SendStatus.PENDIENTE, SendStatus.ENVIANDO, SendStatus.VERIFICAR],
        sent_at__gte=OuterRef("last_inbound_at"),
    )
    return qs.filter(status__in=AWAITING).exclude(Exists(answer_on_its_way))


# --- a list given as ids (search results, ordered by the search) -------------------------------


def neighbours_among(ids: list[int], conversation_id: int) -> Neighbours:
    """Before and after ``conversation_id`` in ``ids`` (None at either end, or both when it is
    not among them)."""
    try:
        at = ids.index(conversation_id)
    except ValueError:
        return Neighbours(previous=None, next=None)
    return Neighbours(
        previous=ids[at - 1] if at > 0 else None,
        next=ids[at + 1] if at + 1 < len(ids) else None,
    )


def next_awaiting_among(ids: list[int], conversation_id: int) -> int | None:
    """The first conversation after ``conversation_id`` in ``ids`` still awaiting an answer
    (from the start when it is not among them). One query; ``ids`` were scoped by the search."""
    after = ids[ids.index(conversation_id) + 1 :] if conversation_id in ids else ids
    if not after:
        return None
    waiting = set(_awaiting(Conversation.objects.filter(pk__in=after)).values_list("pk", flat=True))
    return next((pk for pk in after if pk in waiting), None)
