"""Topics that grew and the questions most asked: word and phrase counts over normalised
message text (agora.language.normalize), Spanish stop words removed, compared between two
periods with scikit-learn's CountVectorizer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from agora.language.normalize import normalize_many
from agora.language.rules import mask_personal_data

_STOP_TEXT = """
a al algo algun alguna algunas alguno algunos ante antes aqui asi aun aunque bien buen
buena buenas bueno buenos cada como con contra cual cuales cuando cuanto d de del desde
dia dias donde dos el ella ellas ello ellos en entonces entre era eran es esa esas ese
eso esos esta estaba estan estar estas este estimado estimados esto estos estoy favor
fue fueron gracias ha hace hacen hacer han hasta hay he hola k la las le les lo los mas
me mi mis mismo mucho muy nada ni no noche noches nos nosotros nuestra nuestro o ok otra
otras otro otros para pero poco por porfa porque pq pues q que quien quienes saludos se
sea ser señor señora si sido sin sobre solo son sr sra su sus tal tambien tan tanto
tarde tardes te tiene tienen todo todos tu tus un una unas uno unos usted ustedes va van
vez x xfa ya yo
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"^[a-zñ]{3,}$")


def _clean(texts: Sequence[str]) -> list[str]:
    """Normalised words (no placeholders, markers, numbers or stop words), space-joined."""
    return [
        " ".join(t for t in tokens if _WORD.match(t) and t not in STOP_WORDS)
        for tokens in normalize_many(list(texts))
    ]


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
        if count < min_count:
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
