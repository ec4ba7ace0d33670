"""Full-text search of the inbox for staff: the words typed, the conversations whose messages
(citizens', answers and internal notes, hidden ones too) contain all of them, scoped to the
entities the person works for, ranked by relevance or by due time, each with a snippet of its
best matching message.

Matching ignores case and accents ("vacunacion" finds "Vacunación"); every word must appear,
the last one, from three letters, as a prefix (results while typing). The index is
agora/inbox/search_index.py: SQLite FTS5 by default, PostgreSQL full-text search at scale; both
fold words the same way.

A common word may match hundreds of thousands of messages: the search reads at most
``MAX_MATCHES`` of them, newest first (the index walks them in that order and stops), and ranks
the conversations among those; the page says so when the limit was reached.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Prefetch
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from agora.core.errors import DomainError
from agora.core.models import User
from agora.core.permissions import user_is_rector
from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox import search_index
from agora.inbox.models import Conversation, Label, Message, Status
from agora.inbox.selectors import LIST_FIELDS, PAGE_SIZE, InboxFilters, conversations_filtered

MIN_CHARS = 2
MAX_CHARS = 200
MAX_TERMS = 8
# A last word shorter than this is matched whole: two letters as a prefix match a large part of
# the vocabulary, and the index keeps no prefix tables (they slowed every insert threefold).
PREFIX_MIN = 3
MAX_MATCHES = 1000
SNIPPET_BEFORE = 60
SNIPPET_AFTER = 160

ORDER_RELEVANCE = "relevancia"
ORDER_DUE = "vence"
ORDERS = (ORDER_RELEVANCE, ORDER_DUE)

# Letters and digits: what both indexes call a word. Everything else (quotes, *, -, parentheses,
# NEAR's syntax) separates words and never reaches the index's query language.
_WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case without accents, as the indexes fold words ("Vacunación" → "vacunacion")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class SearchQueryError(DomainError):
    """Words that cannot be searched (too short, too long, none at all)."""


@dataclass(frozen=True)
class SearchQuery:
    """The folded words of a search; the last one matched as a prefix when ``prefix``."""

    terms: tuple[str, ...]
    prefix: bool

    @classmethod
    def parse(cls, raw: str) -> SearchQuery:
        text = unicodedata.normalize("NFC", raw or "").strip()
        if len(text) > MAX_CHARS:
            raise SearchQueryError(
                _("La búsqueda es demasiado larga: escriba como máximo %(max)s caracteres.")
                % {"max": MAX_CHARS}
            )
        terms: list[str] = []
        for word in _WORD.findall(text):
            folded = fold(word)
            if folded and folded not in terms:
                terms.append(folded)
        if sum(len(term) for term in terms) < MIN_CHARS:
            raise SearchQueryError(
                _("Escriba al menos %(min)s letras o números para buscar.") % {"min": MIN_CHARS}
            )
        if len(terms) > MAX_TERMS:
            raise SearchQueryError(
                _("La búsqueda tiene demasiadas palabras: use como máximo %(max)s.")
                % {"max": MAX_TERMS}
            )
        return cls(terms=tuple(terms), prefix=len(terms[-1]) >= PREFIX_MIN)

    def fts5(self) -> str:
        """SQLite FTS5: each word quoted (a literal, never an operator), all required."""
        parts = [f'"{term}"' for term in self.terms]
        if self.prefix:
            parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self) -> str:
        """PostgreSQL ``to_tsquery``: each word quoted, joined by ``&``, the last as a prefix."""
        parts = [f"'{term}'" for term in self.terms]
        if self.prefix:
            parts[-1] += ":*"
        return " & ".join(parts)

    def matches(self, word: str) -> bool:
        """Whether one folded word of a text is one of the searched words."""
        if word in self.terms:
            return True
        return self.prefix and word.startswith(self.terms[-1])


@dataclass
class SearchHit:
    """A conversation found, with the message that matched best."""

    conversation: Conversation
    message_id: int
    direction: str
    hidden: bool
    snippet: SafeString


@dataclass
class SearchResults:
    hits: list[SearchHit]
    counts: dict[str, int]  # matching conversations per status (and "todas")
    total: int  # under the status filter
    page: int
    has_next: bool
    capped: bool  # more than MAX_MATCHES messages matched: only the newest were ranked
    order: str
    query: SearchQuery


def _scope_ids(user: User, filters: InboxFilters) -> list[int] | None:
    """The entities whose messages may be read (None: every entity, for rector staff)."""
    if user_is_rector(user):
        if filters.entity:
            chosen = roles.entity_by_code(filters.entity)
            return [chosen.pk] if chosen is not None else []
        return None
    entities = Entity.objects.for_staff(user)
    if filters.entity:
        entities = entities.filter(code=filters.entity)
    ids = list(entities.values_list("pk", flat=True))
    if not ids and not filters.entity:
        raise PermissionDenied(_("La búsqueda es solo para el personal de las entidades."))
    return ids


Match = tuple[int, int, float, str, Any]


def _matches(query: SearchQuery, entity_ids: list[int] | None) -> list[Match]:
    """(message id, conversation id, score: higher is better, the conversation's status and
    due time as the database gives them) of the newest ``MAX_MATCHES + 1`` matching messages
    of the entities' conversations in the inbox, in one query that the index answers newest
    first. Conversion to Python values is left out: sorting does not need it."""
    params: list[Any] = []
    if connection.vendor == "postgresql":
        vector = f"to_tsvector('{search_index.PG_CONFIG}'::regconfig, m.text)"
        tsquery = f"to_tsquery('{search_index.PG_CONFIG}'::regconfig, %s)"
        sql = (
            f"SELECT m.id, m.conversation_id, ts_rank({vector}, {tsquery}), c.status, c.due_at "  # noqa: S608
            "FROM inbox_message m JOIN inbox_conversation c ON c.id = m.conversation_id "
            f"WHERE {vector} @@ {tsquery}"
        )
        params += [query.tsquery(), query.tsquery()]
        order = "m.id"
    else:
        table = search_index.FTS_TABLE
        # CROSS JOIN keeps the index outermost, walked newest first; bm25 is lower for better.
        sql = (
            # due_at || '': a text no converter parses (ISO strings sort as the times do).
            "SELECT m.id, m.conversation_id, -f.rank, c.status, c.due_at || '' "  # noqa: S608
            f"FROM {table} AS f CROSS JOIN inbox_message AS m ON m.id = f.rowid "
            "CROSS JOIN inbox_conversation AS c ON c.id = m.conversation_id "
            f"WHERE f.{table} MATCH %s"
        )
        params.append(query.fts5())
        order = "f.rowid"
    # Conversations without a citizen message (an entity's own post) are not in the inbox.
    sql += " AND c.last_inbound_at IS NOT NULL"
    if entity_ids is not None:
        if not entity_ids:
            return []
        sql += f" AND m.entity_id IN ({', '.join(['%s'] * len(entity_ids))})"
        params += entity_ids
    sql += f" ORDER BY {order} DESC LIMIT %s"
    params.append(MAX_MATCHES + 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(a), int(b), float(c), d, e) for a, b, c, d, e in cursor.fetchall()]


def _narrowed(filters: InboxFilters) -> bool:
    """Whether the list's filters narrow the conversations beyond the entities and status."""
    return bool(
        filters.account
        or filters.platform
        or filters.kind
        or filters.flag
        or filters.assignee
        or filters.overdue
    )


def conversations_search(
    *,
    user: User,
    q: str,
    filters: InboxFilters,
    order: str = ORDER_RELEVANCE,
    page: int = 1,
) -> SearchResults:
    """The conversations of the person's entities with a message containing every word of
    ``q`` (see the module's docstring), under the list's other filters, one page of them.

    Hidden conversations and messages are found (and marked); the status filter narrows the
    page while ``counts`` give every status. Raises ``SearchQueryError`` for words that cannot
    be searched and ``PermissionDenied`` for someone who works for no entity. Five queries,
    six with filters beyond the entity and status.
    """
    query = SearchQuery.parse(q)
    found, best, counts, capped, order = _found(
        user=user, query=query, filters=filters, order=order
    )
    page = max(1, page)
    start = (page - 1) * PAGE_SIZE
    page_ids = found[start : start + PAGE_SIZE]
    rows = (
        Conversation.objects.select_related("entity", "account", "assignee")
        .only(*LIST_FIELDS)
        .prefetch_related(Prefetch("labels", queryset=Label.objects.order_by("name")))
        .in_bulk(page_ids)
    )
    messages = Message.objects.only("id", "text", "direction", "hidden_at").in_bulk(
        [best[pk][1] for pk in page_ids]
    )
    hits = []
    for pk in page_ids:
        conversation = rows.get(pk)
        message = messages.get(best[pk][1])
        if conversation is None or message is None:
            continue  # deleted meanwhile
        hits.append(
            SearchHit(
                conversation=conversation,
                message_id=message.pk,
                direction=message.direction,
                hidden=message.hidden_at is not None,
                snippet=highlight(message.text, query),
            )
        )
    return SearchResults(
        hits=hits,
        counts=counts,
        total=len(found),
        page=page,
        has_next=start + PAGE_SIZE < len(found),
        capped=capped,
        order=order,
        query=query,
    )


def conversations_found_ids(*, user: User, q: str, filters: InboxFilters, order: str) -> list[int]:
    """Every conversation the search finds, in the order of its pages (a conversation page
    opened from search results steps through them: "Anterior", "Siguiente")."""
    query = SearchQuery.parse(q)
    return _found(user=user, query=query, filters=filters, order=order)[0]


def _found(
    *, user: User, query: SearchQuery, filters: InboxFilters, order: str
) -> tuple[list[int], dict[int, tuple[float, int]], dict[str, int], bool, str]:
    """The conversations found in order, the best message of each (score, id), the counts per
    status, whether the match limit was reached, and the order applied."""
    entity_ids = _scope_ids(user, filters)
    matches = _matches(query, entity_ids)
    capped = len(matches) > MAX_MATCHES
    matches = matches[:MAX_MATCHES]
    best: dict[int, tuple[float, int]] = {}
    info: dict[int, tuple[str, Any]] = {}
    for message_id, conversation_id, score, status, due in matches:
        current = best.get(conversation_id)
        if current is None or score > current[0]:
            best[conversation_id] = (score, message_id)
        info[conversation_id] = (status, due)
    if _narrowed(filters):
        # The list's own filters, on the conversations found only (ids: no row is converted).
        wide = replace(filters, status="", cursor="", hidden=True)
        kept = set(
            conversations_filtered(user=user, filters=wide)
            .filter(pk__in=list(info))
            .values_list("pk", flat=True)
        )
        info = {pk: row for pk, row in info.items() if pk in kept}
    counts = dict.fromkeys(Status.values, 0)
    for status, _due in info.values():
        counts[status] = counts.get(status, 0) + 1
    counts["todas"] = len(info)
    found = [pk for pk, row in info.items() if not filters.status or row[0] == filters.status]
    if order == ORDER_DUE:
        # Soonest deadline first; conversations without one after; then the newest match.
        found.sort(key=lambda pk: -best[pk][1])
        found.sort(key=lambda pk: (info[pk][1] is None, info[pk][1] or 0))
    else:
        order = ORDER_RELEVANCE
        found.sort(key=lambda pk: (-best[pk][0], -best[pk][1]))
    return found, best, counts, capped, order


def conversation_ids_matching(*, user: User, q: str, filters: InboxFilters) -> list[int]:
    """The ids of the conversations found (the API narrows its list with them)."""
    query = SearchQuery.parse(q)
    matches = _matches(query, _scope_ids(user, filters))[:MAX_MATCHES]
    return list(dict.fromkeys(match[1] for match in matches))


def highlight(text: str, query: SearchQuery) -> SafeString:
    """A short excerpt of ``text`` around its first matching word, escaped, every matching
    word in ``<mark>``."""
    words = [m for m in _WORD.finditer(text) if query.matches(fold(m.group()))]
    if words:
        first = words[0].start()
        start = max(0, first - SNIPPET_BEFORE)
        if start:
            space = text.find(" ", start, first)
            start = space + 1 if space != -1 else start
    else:
        start = 0
    end = min(len(text), start + SNIPPET_BEFORE + SNIPPET_AFTER)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    out = ["…" if start else ""]
    position = start
    for word in words:
        if word.start() < start:
            continue
        if word.end() > end:
            break
        out.append(escape(text[position : word.start()]))
        out.append(f"<mark>{escape(word.group())}</mark>")
        position = word.end()
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 - every piece of the text is escaped
