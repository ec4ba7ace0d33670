"""Topics that grew and the questions most asked: word and phrase counts over normalised
message text (agora.language.normalize), Spanish stop words removed (the curated list in
``stopwords_es.txt``), compared between two periods with scikit-learn's CountVectorizer, and
shown with the spelling people used ("vacunación", not the folded "vacunacion")."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from agora.language.normalize import normalize_many
from agora.language.rules import mask_personal_data

_STOP_FILE = Path(__file__).with_name("stopwords_es.txt")


def _stop_words() -> frozenset[str]:
    words: set[str] = set()
    for line in _STOP_FILE.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


STOP_WORDS = _stop_words()
_WORD = re.compile(r"^[a-zñ]{3,}$")


# Words a phrase may skip ("cita de pediatría" → "cita pediatria"); any other removed word
# breaks it, so that "influenza? Nadie responde" gives no phrase "influenza responde".
CONNECTORS = frozenset(
    [
        "a",
        "al",
        "de",
        "del",
        "el",
        "la",
        "las",
        "los",
        "en",
        "para",
        "por",
        "con",
        "sin",
        "sobre",
        "y",
    ]
)
BARRIER = "_"


def _clean(texts: Sequence[str]) -> list[str]:
    """Normalised words (no placeholders, markers, numbers or stop words), space-joined, with
    a barrier token where a removed word (other than a connector) stood."""
    docs = []
    for tokens in normalize_many(list(texts)):
        words: list[str] = []
        for token in tokens:
            if _WORD.match(token) and token not in STOP_WORDS:
                words.append(token)
            elif token not in CONNECTORS and words and words[-1] != BARRIER:
                words.append(BARRIER)
        docs.append(" ".join(words))
    return docs


def _crosses_barrier(term: str) -> bool:
    return BARRIER in term.split()


@dataclass
class Topic:
    term: str
    count: int
    previous: int
    change: float | None  # percent change of the share of messages that mention it


def clean_texts(texts: Sequence[str]) -> list[str]:
    """What ``grown_topics`` and ``frequent_questions`` read: normalise once, use twice."""
    return _clean(texts)


def grown_topics(
    current: Sequence[str],
    previous: Sequence[str],
    *,
    limit: int = 10,
    min_count: int = 3,
    cleaned: tuple[list[str], list[str]] | None = None,
) -> list[Topic]:
    """Terms and two-word phrases whose share of messages grew the most (``cleaned``: the
    texts already passed through ``clean_texts``)."""
    docs_now, docs_before = cleaned or (_clean(current), _clean(previous))
    if not any(docs_now):
        return []
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        binary=True,
        token_pattern=r"\S+",  # noqa: S106 min_df=min(min_count, len(docs_now))
    )
    try:
        now = vectorizer.fit_transform(docs_now)
    except ValueError:
        return []
    vocabulary = vectorizer.get_feature_names_out()
    counts_now = np.asarray(now.sum(axis=0)).ravel()
    if any(docs_before):
        counts_before = np.asarray(vectorizer.transform(docs_before).sum(axis=0)).ravel()
    else:
        counts_before = np.zeros_like(counts_now)
    n_now, n_before = max(len(docs_now), 1), max(len(docs_before), 1)
    rate_now = (counts_now + 0.5) / n_now
    rate_before = (counts_before + 0.5) / n_before
    score = np.log(rate_now / rate_before) * np.sqrt(counts_now)
    order = np.argsort(-score, kind="stable")
    topics: list[Topic] = []
    taken: list[set[str]] = []
    for index in order:
        if len(topics) >= limit or score[index] <= 0:
            break
        count = int(counts_now[index])
        if count < min_count or _crosses_barrier(str(vocabulary[index])):
            continue
        words = set(str(vocabulary[index]).split())
        if any(words <= other or other <= words for other in taken):
            continue  # "cita" after "cita pediatria": one of them is enough
        taken.append(words)
        before = int(counts_before[index])
        change = None if before == 0 else 100 * (rate_now[index] / rate_before[index] - 1)
        topics.append(Topic(str(vocabulary[index]), count, before, change))
    return topics


@dataclass
class Question:
    phrase: str
    count: int
    example: str  # masked


def frequent_questions(
    texts: Sequence[str], *, limit: int = 8, cleaned: list[str] | None = None
) -> list[Question]:
    """The phrases most asked about, each with a representative example whose personal
    data (DNI, phones, e-mails, handles, plates, addresses) is masked (``cleaned``: the
    texts already passed through ``clean_texts``)."""
    docs = _clean(texts) if cleaned is None else cleaned
    if not any(docs):
        return []
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        binary=True,
        token_pattern=r"\S+",  # noqa: S106 min_df=min(2, len(docs))
    )
    try:
        matrix = vectorizer.fit_transform(docs).tocsc()
    except ValueError:
        return []
    vocabulary = vectorizer.get_feature_names_out()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    # Phrases first when as frequent: they say more than a lone word.
    weight = counts * np.array([1.5 if " " in str(term) else 1.0 for term in vocabulary])
    order = np.argsort(-weight, kind="stable")
    questions: list[Question] = []
    taken: list[set[str]] = []
    used: set[str] = set()
    for index in order:
        if len(questions) >= limit:
            break
        if _crosses_barrier(str(vocabulary[index])):
            continue
        words = set(str(vocabulary[index]).split())
        if any(words <= other or other <= words for other in taken):
            continue
        taken.append(words)
        rows = matrix[:, index].nonzero()[0]
        candidates = sorted(
            (texts[i] for i in rows[:200]), key=lambda text: (abs(len(text) - 90), text)
        )
        fresh = [text for text in candidates if text not in used]
        if not fresh:
            continue  # the same messages as a phrase already listed
        used.add(fresh[0])
        example = mask_personal_data(fresh[0])
        if len(example) > 220:
            example = example[:219].rstrip() + "…"
        questions.append(Question(str(vocabulary[index]), int(counts[index]), example))
    return questions


@dataclass
class Term:
    term: str
    count: int


def frequent_terms(docs: Sequence[str], *, limit: int = 10, min_count: int = 2) -> list[Term]:
    """The terms and two-word phrases that most messages mention (``docs``: texts passed
    through ``clean_texts``). A phrase as frequent as its words replaces them."""
    if not any(docs):
        return []
    vectorizer = CountVectorizer(ngram_range=(1, 2), binary=True, token_pattern=r"\S+")  # noqa: S106
    try:
        matrix = vectorizer.fit_transform(docs)
    except ValueError:
        return []
    vocabulary = vectorizer.get_feature_names_out()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    # A phrase counts a little more than a word: "cita pediatria" says more than "cita".
    weight = counts * np.array([1.5 if " " in str(term) else 1.0 for term in vocabulary])
    order = np.argsort(-weight, kind="stable")
    terms: list[Term] = []
    taken: list[set[str]] = []
    for index in order:
        count = int(counts[index])
        if len(terms) >= limit or count < min_count:
            break
        if _crosses_barrier(str(vocabulary[index])):
            continue
        words = set(str(vocabulary[index]).split())
        if any(words <= other or other <= words for other in taken):
            continue
        taken.append(words)
        terms.append(Term(str(vocabulary[index]), count))
    return terms


_ORIGINAL_WORD = re.compile(r"[^\W\d_]{3,}")
_FOLD = str.maketrans("áéíóúüñÁÉÍÓÚÜÑ", "aeiouunAEIOUUN")


class SurfaceForms:
    """The most common spelling (lower case, with its accents) of each folded word."""

    def __init__(self, forms: dict[str, str]) -> None:
        self.forms = forms

    def display(self, term: str) -> str:
        return " ".join(self.forms.get(word, word) for word in term.split())


def surface_forms(texts: Sequence[str]) -> SurfaceForms:
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for word in _ORIGINAL_WORD.findall(text.lower()):
            seen[word.translate(_FOLD)][word] += 1
    # Prefer an accented spelling when people wrote both ("vacunación" over "vacunacion").
    return SurfaceForms(
        {
            folded: max(
                spellings.items(), key=lambda item: (item[1] + (item[0] != folded), item[0])
            )[0]
            for folded, spellings in seen.items()
        }
    )
