"""Look-alike (impostor) detection for "¿Es oficial esta cuenta?".

Impostors copy an official handle and decorate it ("minsa.peru-oficial", "Minsa_Pe", "gob_minsa")
or swap look-alike characters ("m1nsa", "rninsa"). As in typosquatting detection, each handle is
reduced to its *core*: accents and confusable characters folded, separators, digits and words
that name no one (oficial, perú, gob, …) stripped. A pasted handle is compared with the cores of
every verified account and of the acronyms of the entities that have one; an entity is named
only when it alone matches best, otherwise the look-up says it resembles several.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from agora.core.text import fold

# Words that identify no entity: impostors add them to look official.
DECORATION_WORDS = frozenset(
    {
        "oficial",
        "oficiales",
        "official",
        "ofical",
        "oficialperu",
        "peru",
        "pe",
        "gob",
        "gobpe",
        "gobierno",
        "gov",
        "govpe",
        "real",
        "verificado",
        "verificada",
        "verified",
        "page",
        "pagina",
        "fanpage",
        "info",
        "noticias",
        "news",
        "tv",
        "demo",
        "cuenta",
        "account",
        "el",
        "la",
        "de",
        "del",
        "the",
        "ok",
        "ayuda",
        "soporte",
        "help",
        "support",
        "atencion",
    }
)
# Glued to the core with no separator ("minsaperuoficial"): stripped from the end or the start
# while a core of at least MIN_CORE characters remains.
DECORATION_SUFFIXES = sorted(
    DECORATION_WORDS - {"el", "la", "de", "del", "the", "ok"}, key=len, reverse=True
)
DECORATION_PREFIXES = sorted(
    {"oficial", "official", "gobierno", "gob", "real", "el", "la", "the"}, key=len, reverse=True
)
MIN_CORE = 3

# Characters that read as another (digits for letters, Cyrillic and Greek for Latin).
_CONFUSABLE = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "$": "s",
        "@": "a",
        "|": "i",
        "!": "i",
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "к": "k",
        "м": "m",
        "т": "t",
        "н": "h",
        "в": "b",
        "α": "a",
        "ο": "o",
        "ρ": "p",
        "ν": "v",
        "ι": "i",
        "κ": "k",
    }
)
_SEPARATORS = re.compile(r"[\s._\-]+")
_EDGE_DIGITS = re.compile(r"^\d+|\d+$")


def _shape(text: str) -> str:
    """Letters as they look: 'rn' reads 'm', 'vv' reads 'w', 'l' reads 'i' (as in TR39's
    skeletons); applied to both sides of a comparison, so it only ever adds matches."""
    return text.replace("rn", "m").replace("vv", "w").replace("cl", "d").replace("l", "i")


def tokens(handle: str) -> list[str]:
    """The words of a handle, folded and with confusable characters read as letters;
    numbers alone (years, counters) are dropped."""
    words = []
    for word in _SEPARATORS.split(fold(handle).lstrip("@")):
        if not word or word.isdigit():
            continue
        word = _EDGE_DIGITS.sub("", word) or word
        words.append(word.translate(_CONFUSABLE))
    return words


def core(handle: str) -> str:
    """What identifies the account: 'minsa.peru-oficial', 'Minsa_Pe' and 'minsaperu2024' all
    give 'minsa'; 'onpe' stays 'onpe' (a core is never shorter than MIN_CORE)."""
    words = tokens(handle)
    kept = [w for w in words if w not in DECORATION_WORDS]
    text = "".join(kept) if kept else "".join(words)
    changed = True
    while changed:
        changed = False
        for suffix in DECORATION_SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= MIN_CORE:
                text = text[: -len(suffix)]
                changed = True
        for prefix in DECORATION_PREFIXES:
            if text.startswith(prefix) and len(text) - len(prefix) >= MIN_CORE:
                text = text[len(prefix) :]
                changed = True
    return _shape(text)


def max_distance(length: int) -> int:
    """Edits allowed between cores: none for three letters (MEF, PCM), one up to five, two
    beyond."""
    if length <= 3:
        return 0
    if length <= 5:
        return 1
    return 2


@dataclass(frozen=True)
class Target:
    """One official name to protect: a verified account's handle or its entity's acronym."""

    entity_id: int
    account_id: int | None  # None for an acronym
    core: str
    flat: str  # the whole handle, separators removed and shaped


def target_for(entity_id: int, account_id: int | None, handle: str) -> Target | None:
    flat = _shape("".join(tokens(handle)))
    value = core(handle)
    if len(value) < MIN_CORE:
        return None
    return Target(entity_id=entity_id, account_id=account_id, core=value, flat=flat)


@dataclass(frozen=True)
class Candidate:
    """A pasted handle, read once: its core, its words and the whole of it."""

    core: str
    words: frozenset[str]
    flat: str

    @classmethod
    def read(cls, handle: str) -> Candidate:
        words = tokens(handle)
        return cls(
            core=core(handle),
            words=frozenset(_shape(w) for w in words),
            flat=_shape("".join(words)),
        )


def score(handle: str | Candidate, target: Target) -> int | None:
    """How close ``handle`` is to ``target`` (lower is closer), or None if it is not a
    look-alike: 0 same core, 1 contains the core as a word or a long part, 2 + edits."""
    candidate = handle if isinstance(handle, Candidate) else Candidate.read(handle)
    value = candidate.core
    if len(value) < MIN_CORE:
        return None
    if value == target.core:
        return 0
    if target.core in candidate.words or (len(target.core) >= 5 and target.core in value):
        return 1
    best = None
    limit = max_distance(len(target.core))
    if limit:
        distance = Levenshtein.distance(value, target.core, score_cutoff=limit)
        if distance <= limit:
            best = 2 + distance
    # The whole handle too, decorations included: '@MinsaPeru_' is one edit from '@Minsa_Peru'.
    limit = max_distance(len(target.flat))
    if target.account_id is not None and len(candidate.flat) >= 4 and limit:
        distance = Levenshtein.distance(candidate.flat, target.flat, score_cutoff=limit)
        if distance <= limit and (best is None or 2 + distance < best):
            best = 2 + distance
    return best


@dataclass
class Match:
    entity_ids: list[int]  # the entities that match best (one: unambiguous)
    account_ids: list[int]  # the matching accounts, best first
    score: int


def best_match(handle: str, targets: list[Target]) -> Match | None:
    """The entities ``handle`` imitates best. Several entities tie: ambiguous."""
    by_entity: dict[int, int] = {}
    accounts: list[tuple[int, int]] = []
    candidate = Candidate.read(handle)
    if len(candidate.core) < MIN_CORE:
        return None
    for target in targets:
        value = score(candidate, target)
        if value is None:
            continue
        if value < by_entity.get(target.entity_id, 99):
            by_entity[target.entity_id] = value
        if target.account_id is not None:
            accounts.append((value, target.account_id))
    if not by_entity:
        return None
    top = min(by_entity.values())
    entity_ids = sorted(e for e, v in by_entity.items() if v == top)
    accounts.sort()
    return Match(entity_ids=entity_ids, account_ids=[a for _, a in accounts], score=top)
