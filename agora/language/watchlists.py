"""Keyword watch-lists: the query language (terms, "phrases", AND, OR, NOT, parentheses), its
compiled matcher, the writes (lists, matches, alerts) and the reads that know who asks.

A list holds one query per line and matches a message when any line does. Terms and phrases
are compared after the classifier's own normalisation (accents, case, elongated letters,
leetspeak, abbreviations), so «corrupción», «CORRUPCION» and «c0rrupciooon» are one term; a
single word also matches its plural.
Terms with digits or «@» (a law number, a handle) are compared on the folded raw text, because
the normaliser turns numbers and mentions into placeholders.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.core.audit import audit_record
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import notify
from agora.core.permissions import user_is_rector
from agora.core.text import fold
from agora.directory import roles
from agora.directory.models import Entity
from agora.inbox.models import Direction, Message
from agora.language import permissions
from agora.language.models import WatchList, WatchMatch
from agora.language.normalize import normalize_many

log = logging.getLogger(__name__)

MAX_LINES = 200
MAX_LINE_LENGTH = 500
MAX_NAME = 120
CHUNK = 1_000
LIMA = ZoneInfo("America/Lima")

# Tokens the normaliser puts in place of numbers, personal data, links and mentions, and the
# markers it appends: a term made of them is compared on the raw text instead.
_PLACEHOLDERS = frozenset(
    {
        "cifra",
        "cifra_corta",
        "ocho_digitos",
        "dinero_cifra",
        "dni_dato",
        "telefono_dato",
        "correo_dato",
        "placa_dato",
        "direccion_dato",
        "mencion",
        "url",
        "url_corto",
    }
)
_OPERATORS = {"AND": "AND", "OR": "OR", "NOT": "NOT"}


# --- the query language --------------------------------------------------------------------


class QueryError(DomainError):
    """A malformed query: the Spanish message names the line and the position."""

    def __init__(self, message: str, *, line: int, column: int) -> None:
        self.line = line
        self.column = column
        super().__init__(
            _("Línea %(line)s, posición %(column)s: %(message)s")
            % {"line": line, "column": column, "message": message}
        )


@dataclass(frozen=True)
class Term:
    source: str  # as the person wrote it (phrases without their quotes)
    tokens: tuple[str, ...]  # normalised; empty when ``raw`` is used
    raw: str = ""  # folded text, for terms with digits or «@»


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


@dataclass(frozen=True)
class _Token:
    kind: str  # TERM, PHRASE, AND, OR, NOT, LPAREN, RPAREN, END
    text: str
    column: int  # 1-based


def _tokenize(line: str, number: int) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token("LPAREN" if ch == "(" else "RPAREN", ch, i + 1))
            i += 1
        elif ch in '"“”«»':
            closing = {"“": "”", "«": "»"}.get(ch, ch)
            closers = {closing, '"'}
            end = next((j for j in range(i + 1, len(line)) if line[j] in closers), -1)
            if end < 0:
                raise QueryError(_("faltan las comillas de cierre."), line=number, column=i + 1)
            text = line[i + 1 : end].strip()
            if not text:
                raise QueryError(
                    _("la frase entre comillas está vacía."), line=number, column=i + 1
                )
            tokens.append(_Token("PHRASE", text, i + 1))
            i = end + 1
        else:
            start = i
            while i < len(line) and not line[i].isspace() and line[i] not in '()"“”«»':
                i += 1
            word = line[start:i]
            tokens.append(_Token(_OPERATORS.get(word, "TERM"), word, start + 1))
    tokens.append(_Token("END", "", len(line) + 1))
    return tokens


def _term(text: str, column: int, number: int) -> Term:
    tokens = [
        t
        for t in normalize_many([text.lower()])[0]
        if not t.startswith("lex_") and t != "mayusculas"
    ]
    if not any(any(ch.isalnum() for ch in t) for t in tokens):
        raise QueryError(
            _("«%(term)s» no tiene letras ni números que buscar.") % {"term": text},
            line=number,
            column=column,
        )
    if any(ch.isdigit() or ch == "@" for ch in text) or _PLACEHOLDERS.intersection(tokens):
        return Term(source=text, tokens=(), raw=fold(text))
    return Term(source=text, tokens=tuple(tokens))


class _Parser:
    """Recursive descent. Precedence: NOT over AND over OR; two terms side by side are joined
    by AND."""

    def __init__(self, line: str, number: int) -> None:
        self.tokens = _tokenize(line, number)
        self.pos = 0
        self.number = number

    def _peek(self) -> _Token:
        return self.tokens[self.pos]

    def _next(self) -> _Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _error(self, message: str, token: _Token) -> QueryError:
        return QueryError(message, line=self.number, column=token.column)

    def parse(self) -> Node:
        node = self._or()
        token = self._peek()
        if token.kind == "RPAREN":
            raise self._error(_("hay un paréntesis de cierre sin su apertura."), token)
        if token.kind != "END":  # pragma: no cover - every other token starts an operand
            raise self._error(_("no se esperaba «%(text)s».") % {"text": token.text}, token)
        return node

    def _or(self) -> Node:
        children = [self._and()]
        while self._peek().kind == "OR":
            self._next()
            children.append(self._and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def _and(self) -> Node:
        children = [self._not()]
        while True:
            kind = self._peek().kind
            if kind == "AND":
                self._next()
            elif kind not in ("TERM", "PHRASE", "NOT", "LPAREN"):
                break
            children.append(self._not())
        return children[0] if len(children) == 1 else And(tuple(children))

    def _not(self) -> Node:
        if self._peek().kind == "NOT":
            self._next()
            return Not(self._not())
        return self._primary()

    def _primary(self) -> Node:
        token = self._next()
        if token.kind in ("TERM", "PHRASE"):
            return _term(token.text, token.column, self.number)
        if token.kind == "LPAREN":
            if self._peek().kind == "RPAREN":
                raise self._error(_("los paréntesis están vacíos."), token)
            node = self._or()
            closing = self._next()
            if closing.kind != "RPAREN":
                raise self._error(_("falta cerrar el paréntesis abierto aquí."), token)
            return node
        if token.kind == "END":
            previous = self.tokens[self.pos - 2] if self.pos >= 2 else None
            if previous is not None and previous.kind in ("AND", "OR", "NOT"):
                raise self._error(
                    _("falta un término después de «%(op)s».") % {"op": previous.text}, token
                )
            raise self._error(_("la consulta está vacía."), token)
        if token.kind in ("AND", "OR"):
            raise self._error(_("falta un término antes de «%(op)s».") % {"op": token.text}, token)
        raise self._error(_("hay un paréntesis de cierre sin su apertura."), token)


def _evaluate(node: Node, present: Any) -> bool:
    if isinstance(node, Term):
        return bool(present(node))
    if isinstance(node, Not):
        return not _evaluate(node.child, present)
    if isinstance(node, And):
        return all(_evaluate(child, present) for child in node.children)
    return any(_evaluate(child, present) for child in node.children)


def _positive_terms(node: Node, negated: bool = False) -> Iterable[Term]:
    """Terms whose presence can make the query true (not under an odd number of NOTs)."""
    if isinstance(node, Term):
        if not negated:
            yield node
    elif isinstance(node, Not):
        yield from _positive_terms(node.child, not negated)
    else:
        for child in node.children:
            yield from _positive_terms(child, negated)


def parse_query(line: str, *, number: int = 1) -> Node:
    """One query. Raises :class:`QueryError` with the position of the first problem."""
    if len(line) > MAX_LINE_LENGTH:
        raise QueryError(
            _("la consulta pasa de %(max)s caracteres.") % {"max": MAX_LINE_LENGTH},
            line=number,
            column=MAX_LINE_LENGTH + 1,
        )
    node = _Parser(line, number).parse()
    # A query true when none of its terms is present would match almost every message; it is
    # also what lets the matcher look only at lists that share a word with the message.
    if _evaluate(node, lambda term: False):
        raise QueryError(
            _(
                "la consulta solo excluye términos (NOT) y coincidiría con casi todos los "
                "mensajes; agregue al menos un término que deba aparecer."
            ),
            line=number,
            column=1,
        )
    return node


def parse_queries(text: str) -> list[Node]:
    """Every non-empty line of a list, parsed. The first error stops (nothing is saved)."""
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines:
        raise DomainError(_("Escriba al menos un término o una consulta."))
    if len(lines) > MAX_LINES:
        raise DomainError(
            _("Una lista admite hasta %(max)s consultas (una por línea).") % {"max": MAX_LINES}
        )
    return [parse_query(line, number=n) for n, line in lines]


# --- the matcher ---------------------------------------------------------------------------


@dataclass
class CompiledList:
    id: int
    entity_id: int | None
    name: str
    queries: list[Node]
    keys: set[str] = field(default_factory=set)  # first tokens of the positive token terms
    has_raw: bool = False

    @classmethod
    def build(cls, *, id: int, entity_id: int | None, name: str, text: str) -> CompiledList:
        try:
            queries = parse_queries(text)
        except DomainError:
            # Saved lists were validated; one made invalid by a normaliser change matches nothing.
            log.warning("Lista de vigilancia %s no se pudo compilar", id)
            queries = []
        compiled = cls(id=id, entity_id=entity_id, name=name, queries=queries)
        for query in queries:
            for term in _positive_terms(query):
                if term.raw:
                    compiled.has_raw = True
                elif len(term.tokens) == 1:
                    word = term.tokens[0]
                    compiled.keys.update((word, word + "s", word + "es"))
                else:
                    compiled.keys.add(term.tokens[0])
        return compiled


@dataclass
class _Text:
    """A message as the matcher sees it: its token set, its tokens joined (for phrases) and,
    only when a raw term asks, its folded raw text."""

    original: str
    tokens: list[str]
    present: set[str] = field(init=False)
    joined: str = field(init=False)
    _folded: str | None = None

    def __post_init__(self) -> None:
        self.present = set(self.tokens)
        self.joined = " " + " ".join(self.tokens) + " "

    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.original)
        return self._folded

    def has(self, term: Term) -> bool:
        if term.raw:
            return _raw_pattern(term.raw).search(self.folded()) is not None
        if len(term.tokens) == 1:
            # A single word also matches its plural: «obra» finds «obras», «red» «redes».
            word = term.tokens[0]
            present = self.present
            return word in present or word + "s" in present or word + "es" in present
        if term.tokens[0] not in self.present:
            return False
        return " " + " ".join(term.tokens) + " " in self.joined


_RAW_PATTERNS: dict[str, re.Pattern[str]] = {}


def _raw_pattern(raw: str) -> re.Pattern[str]:
    pattern = _RAW_PATTERNS.get(raw)
    if pattern is None:
        pattern = re.compile(r"(?<!\w)" + re.escape(raw) + r"(?!\w)")
        _RAW_PATTERNS[raw] = pattern
    return pattern


@dataclass(frozen=True)
class _Entry:
    """One query of one list, as the index sees it."""

    list: CompiledList
    node: Node
    positives: tuple[Term, ...]
    # A lone one-word term: reaching it through the index already means it matched.
    simple: bool


class Matcher:
    """Every query of every active list, indexed by the first word of each term that can make
    it true: a message is checked only against the queries that share a word with it (plus the
    few with raw terms), and a lone word needs no evaluation at all."""

    def __init__(self, lists: Sequence[CompiledList]) -> None:
        self.lists = list(lists)
        self.entries: list[_Entry] = []
        self.index: dict[str, list[int]] = defaultdict(list)
        self.raw: list[int] = []
        for compiled in self.lists:
            for node in compiled.queries:
                positives = tuple(dict.fromkeys(_positive_terms(node)))
                simple = isinstance(node, Term) and not node.raw and len(node.tokens) == 1
                number = len(self.entries)
                self.entries.append(_Entry(compiled, node, positives, simple))
                if any(term.raw for term in positives):
                    self.raw.append(number)
                    continue
                keys: set[str] = set()
                for term in positives:
                    word = term.tokens[0]
                    keys.add(word)
                    if len(term.tokens) == 1:
                        keys.update((word + "s", word + "es"))
                for key in keys:
                    self.index[key].append(number)

    def match_texts(
        self, texts: Sequence[str], entity_ids: Sequence[int]
    ) -> list[list[tuple[CompiledList, list[str]]]]:
        """For each text, the lists it matches (those of its entity and the global ones) and
        the terms found."""
        if not self.entries:
            return [[] for _text in texts]
        results: list[list[tuple[CompiledList, list[str]]]] = []
        index, entries = self.index, self.entries
        for original, tokens, entity_id in zip(
            texts, normalize_many(texts), entity_ids, strict=True
        ):
            text = _Text(original, tokens)
            candidates = set(self.raw)
            for token in text.present:
                numbers = index.get(token)
                if numbers:
                    candidates.update(numbers)
            if not candidates:
                results.append([])
                continue
            found: dict[int, tuple[CompiledList, set[str]]] = {}
            for number in sorted(candidates):
                entry = entries[number]
                owner = entry.list.entity_id
                if owner is not None and owner != entity_id:
                    continue
                if entry.simple:
                    terms = {entry.positives[0].source}
                elif _evaluate(entry.node, text.has):
                    terms = {t.source for t in entry.positives if text.has(t)}
                else:
                    continue
                if entry.list.id in found:
                    found[entry.list.id][1].update(terms)
                else:
                    found[entry.list.id] = (entry.list, terms)
            results.append(
                [(compiled, sorted(terms, key=str.lower)) for compiled, terms in found.values()]
            )
        return results


# Keyed on (revision, updated_at): ids can be reused after a rolled-back transaction.
_COMPILED: dict[int, tuple[tuple[int, datetime], CompiledList]] = {}
_MATCHER: tuple[tuple[tuple[int, int, datetime], ...], Matcher] | None = None


def matcher_current() -> Matcher:
    """The matcher for the active lists, rebuilt only when a list changed (one small query per
    call); each list is compiled once per revision and process."""
    global _MATCHER
    rows = list(
        WatchList.objects.filter(is_active=True)
        .order_by("id")
        .values_list("id", "revision", "updated_at")
    )
    key = tuple(rows)
    if _MATCHER is not None and _MATCHER[0] == key:
        return _MATCHER[1]
    versions = {pk: (revision, updated) for pk, revision, updated in rows}
    stale = [pk for pk, version in versions.items() if _COMPILED.get(pk, (None,))[0] != version]
    if stale:
        for pk, revision, updated, entity_id, name, text in WatchList.objects.filter(
            pk__in=stale
        ).values_list("id", "revision", "updated_at", "entity_id", "name", "queries"):
            _COMPILED[pk] = (
                (revision, updated),
                CompiledList.build(id=pk, entity_id=entity_id, name=name, text=text),
            )
    for pk in list(_COMPILED):
        if pk not in versions:
            del _COMPILED[pk]
    matcher = Matcher([_COMPILED[pk][1] for pk in versions if pk in _COMPILED])
    _MATCHER = (key, matcher)
    return matcher


# --- permissions ---------------------------------------------------------------------------


def watchlist_can_edit(*, user: User, entity: Entity | None) -> bool:
    """The rector office edits the global lists; an entity's managers edit its lists."""
    return permissions.may_edit_watchlist(user, entity)


def watchlist_editable(*, user: User) -> tuple[bool, set[int]]:
    """Whether this person edits the global lists, and the ids of the entities whose lists
    they edit (one query, for list pages)."""
    if not user.is_authenticated or not user.is_active:
        return False, set()
    managed = set(roles.managed_by(user).values_list("pk", flat=True))
    return permissions.may_edit_watchlist(user, None), managed


def watchlist_owner_choices(*, user: User) -> list[tuple[str, str]]:
    """Where this person may create a list: "" (global) for the rector office, and the codes
    of the entities they manage."""
    choices: list[tuple[str, str]] = []
    if permissions.may_edit_watchlist(user, None):
        choices.append(("", _("Ente rector (lista global, todas las entidades)")))
    managed = roles.managed_by(user)
    choices += [(e.code, e.name) for e in managed]
    return choices


# --- writes --------------------------------------------------------------------------------


def _clean(*, name: str, description: str, queries: str) -> tuple[str, str, str]:
    name = " ".join(name.split())
    if not name:
        raise DomainError(_("Escriba un nombre para la lista."))
    if len(name) > MAX_NAME:
        raise DomainError(_("El nombre admite hasta %(max)s caracteres.") % {"max": MAX_NAME})
    lines = [line.strip() for line in queries.splitlines() if line.strip()]
    text = "\n".join(lines)
    parse_queries(text)
    return name, description.strip(), text


def _snapshot(watch_list: WatchList) -> dict[str, Any]:
    return {
        "name": watch_list.name,
        "description": watch_list.description,
        "queries": watch_list.queries,
        "is_active": watch_list.is_active,
        "revision": watch_list.revision,
    }


def _save(watch_list: WatchList) -> None:
    try:
        with transaction.atomic():
            watch_list.save()
    except IntegrityError as exc:
        raise DomainError(
            _("Ya existe una lista llamada «%(name)s» para este propietario.")
            % {"name": watch_list.name}
        ) from exc


@transaction.atomic
def watchlist_create(
    *,
    actor: User,
    entity: Entity | None,
    name: str,
    queries: str,
    description: str = "",
    is_active: bool = True,
) -> WatchList:
    """A new list of the entity (its managers) or, without entity, a global one (rector)."""
    if not permissions.may_edit_watchlist(actor, entity):
        raise PermissionDeniedError(_("No puede crear listas de vigilancia para este propietario."))
    name, description, text = _clean(name=name, description=description, queries=queries)
    watch_list = WatchList(
        entity=entity,
        name=name,
        description=description,
        queries=text,
        is_active=is_active,
        created_by=actor,
    )
    _save(watch_list)
    audit_record(
        actor=actor,
        verb="vigilancia.lista_creada",
        instance=watch_list,
        scope=entity.code if entity else "",
        after=_snapshot(watch_list),
    )
    return watch_list


@transaction.atomic
def watchlist_update(
    *,
    actor: User,
    watch_list: WatchList,
    name: str,
    queries: str,
    description: str = "",
    is_active: bool = True,
) -> WatchList:
    """Changes a list; its revision goes up so that every process recompiles it."""
    watch_list = (
        WatchList.objects.select_for_update(of=("self",))
        .select_related("entity")
        .get(pk=watch_list.pk)
    )
    if not permissions.may_edit_watchlist(actor, watch_list.entity):
        raise PermissionDeniedError(_("No puede modificar esta lista de vigilancia."))
    name, description, text = _clean(name=name, description=description, queries=queries)
    before = _snapshot(watch_list)
    watch_list.name = name
    watch_list.description = description
    watch_list.queries = text
    watch_list.is_active = is_active
    watch_list.revision += 1
    _save(watch_list)
    audit_record(
        actor=actor,
        verb="vigilancia.lista_modificada",
        instance=watch_list,
        scope=watch_list.entity.code if watch_list.entity else "",
        before=before,
        after=_snapshot(watch_list),
    )
    return watch_list


def _owners(watch_list: CompiledList) -> list[User]:
    if watch_list.entity_id is None:
        return list(User.objects.filter(is_active=True, is_rector=True))
    return list(roles.managers_of(watch_list.entity_id))


def _alert(compiled: CompiledList, count: int, now: datetime) -> None:
    """One notification per list and clock hour: a burst of matches does not flood anyone."""
    url = reverse("language:watch_matches") + f"?lista={compiled.id}"
    notify(
        users=_owners(compiled),
        kind="vigilancia",
        text=_("La lista de vigilancia «%(name)s» encontró %(count)s mensaje(s) nuevo(s).")
        % {"name": compiled.name, "count": count},
        url=url,
        dedupe_key=f"vigilancia:{compiled.id}:{now.astimezone(LIMA):%Y%m%d%H}",
    )


def messages_watch(*, message_ids: Sequence[int], now: datetime | None = None) -> int:
    """Matches the citizens' messages among ``message_ids`` against the lists of their entity
    and the global ones; stores each new match once and alerts the lists' owners. Returns how
    many new matches were stored. Replays and edits never duplicate a match."""
    if not message_ids:
        return 0
    now = now or timezone.now()
    matcher = matcher_current()
    if not matcher.lists:
        return 0
    created = 0
    ids = sorted(set(message_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = list(
            Message.objects.filter(
                pk__in=chunk, direction=Direction.ENTRANTE, deleted_at__isnull=True
            )
            .exclude(text="")
            .values_list("id", "entity_id", "text", "is_demo")
        )
        if not rows:
            continue
        results = matcher.match_texts([r[2] for r in rows], [r[1] for r in rows])
        candidates: list[WatchMatch] = []
        for (message_id, entity_id, _text, is_demo), found in zip(rows, results, strict=True):
            for compiled, terms in found:
                candidates.append(
                    WatchMatch(
                        watch_list_id=compiled.id,
                        message_id=message_id,
                        entity_id=entity_id,
                        terms=terms,
                        matched_at=now,
                        is_demo=is_demo,
                    )
                )
        if not candidates:
            continue
        with transaction.atomic():
            existing = set(
                WatchMatch.objects.filter(message_id__in=[r[0] for r in rows]).values_list(
                    "watch_list_id", "message_id"
                )
            )
            new = [m for m in candidates if (m.watch_list_id, m.message_id) not in existing]
            WatchMatch.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
            per_list: dict[int, int] = defaultdict(int)
            for match in new:
                per_list[match.watch_list_id] += 1
            by_id = {c.id: c for c in matcher.lists}
            for list_id, count in per_list.items():
                _alert(by_id[list_id], count, now)
        created += len(new)
    return created


def messages_watch_task(message_ids: list[int], now_iso: str = "") -> int:
    """Background job for large ingestion batches (django-q2)."""
    now = datetime.fromisoformat(now_iso) if now_iso else None
    return messages_watch(message_ids=message_ids, now=now)


# --- reads ---------------------------------------------------------------------------------


def watchlists_for_staff(*, user: User) -> QuerySet[WatchList]:
    """Lists this person may read: every list for the rector office; the lists of the entities
    they work for (managers and communicators) for entity staff."""
    if not user.is_authenticated or not user.is_active:
        return WatchList.objects.none()
    qs = WatchList.objects.select_related("entity")
    if user_is_rector(user):
        return qs.all()
    return qs.filter(entity__in=Entity.objects.for_staff(user))


def watchlist_get_for_staff(*, user: User, pk: int) -> WatchList:
    """Raises ``WatchList.DoesNotExist`` for a list the person may not read."""
    return watchlists_for_staff(user=user).get(pk=pk)


def watch_matches_for_staff(
    *,
    user: User,
    watch_list: WatchList | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet[WatchMatch]:
    """Matches of the lists this person may read (their entity's messages only for entity
    staff), optionally one list's, between two Lima dates inclusive."""
    qs = WatchMatch.objects.filter(watch_list__in=watchlists_for_staff(user=user))
    if not user_is_rector(user):
        qs = qs.filter(entity__in=Entity.objects.for_staff(user))
    if watch_list is not None:
        qs = qs.filter(watch_list=watch_list)
    if start is not None:
        qs = qs.filter(matched_at__gte=datetime.combine(start, datetime.min.time(), LIMA))
    if end is not None:
        qs = qs.filter(
            matched_at__lt=datetime.combine(end + timedelta(days=1), datetime.min.time(), LIMA)
        )
    return qs


@dataclass(frozen=True)
class DayCount:
    day: date
    count: int


def watch_matches_per_day(qs: QuerySet[WatchMatch], *, start: date, end: date) -> list[DayCount]:
    """One row per Lima day of the period, zeros included."""
    counts = dict(
        qs.annotate(day=TruncDate("matched_at", tzinfo=LIMA))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = (end - start).days + 1
    return [
        DayCount(day, counts.get(day, 0))
        for day in (start + timedelta(days=offset) for offset in range(days))
    ]


def watch_matches_latest(qs: QuerySet[WatchMatch], *, limit: int = 50) -> list[WatchMatch]:
    return list(
        qs.select_related("watch_list", "entity", "message").order_by("-matched_at", "-id")[:limit]
    )


def watchlist_match_counts(lists: Iterable[WatchList], *, user: User) -> dict[int, int]:
    """How many matches each list has that this person may see (one query)."""
    ids = [w.pk for w in lists]
    return dict(
        watch_matches_for_staff(user=user)
        .filter(watch_list_id__in=ids)
        .values("watch_list_id")
        .annotate(n=Count("id"))
        .values_list("watch_list_id", "n")
    )
