"""What the classifier reads of a message: the word, character and signal features, their
vocabulary, and the spam cues."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy import sparse

from agora.language import rules
from agora.language.classifier import PICKLED_AS
from agora.language.normalize import LEXICON, PHRASE_LEXICON, tokenize_many

MAX_MODEL_CHARS = 5_000


#
# Three blocks, all computed from the normalised tokens of a message:
#
# * words: unigrams and bigrams of the training vocabulary, each occurrence weighted by its
#   IDF, the sum divided by sqrt(Σ idf²) over the occurrences (the L2 norm when no feature
#   repeats);
# * characters: each token's character 2–5-grams ("char_wb"), IDF-weighted; the message is
#   the sum over its tokens divided by sqrt(Σ ||token||²) (short, common words weigh little);
# * signals (0 or 1): the rule placeholders (DNI, phone, link…), the words and phrases of the
#   insult, threat and spam lexicons, money amounts, mentions, shouting.
#
# Each block is a sum over token occurrences (or adjacent pairs) divided by a per-message
# factor, and every model is linear, so the score of a message is
#   Σ_tokens s(token) / norm + Σ_pairs s(pair) / norm + signals · w + b
# with s() precomputed per token (and per known bigram) at training time, and computed once
# for a token first seen in production. Classifying a batch is one dict look-up per token
# and a few numpy gathers and segment sums over the whole batch: no sparse matrix and no
# Python loop per message. Training builds the same features as a sparse matrix; a test
# checks that both paths give the same decision values.

NGRAMS = (2, 5)
GRAM_MIN_DF = 2
SEP = "\x00"  # between the texts of a batch (normalize.tokenize_many)
_SIGNALS = (
    "dni_dato",
    "telefono_dato",
    "correo_dato",
    "placa_dato",
    "direccion_dato",
    "url",
    "url_corto",
    "url_oficial",
    "url_guion",
    "dinero_cifra",
    "mencion",
    "lex_spam",
    "lex_insulto",
    "lex_amenaza",
    "lex_amenaza_frase",
    "lex_dirigido",
    "lex_futuro",
    "mayusculas",
    "lex_accion",
    "lex_contacto",
    "contacto_accion",
    "dinero_ganancia",
    "lex_gancho",
    "lex_llamado",
    "lex_dano",
    "llamado_dano",
    "lex_compartir",
)
_PERSONAL_SIGNALS = 5  # the first five signals are personal data
_SIGNAL_INDEX = {name: i for i, name in enumerate(_SIGNALS)}
_SHOUTING = _SIGNAL_INDEX["mayusculas"]
# Signals that are the conjunction of others (computed after the token signals): a way of
# contact (phone, e-mail, link, WhatsApp…) next to a call to action or an offer is how an
# advertisement ends; a money amount next to an offer word is how a scheme begins.
_CONTACT_SIGNALS = [
    _SIGNAL_INDEX[name]
    for name in ("telefono_dato", "correo_dato", "url", "url_corto", "lex_contacto")
]
_OFFER_SIGNALS = [_SIGNAL_INDEX[name] for name in ("lex_accion", "lex_spam")]
_CONTACT_ACTION = _SIGNAL_INDEX["contacto_accion"]
_MONEY_GAIN = _SIGNAL_INDEX["dinero_ganancia"]
_MONEY = _SIGNAL_INDEX["dinero_cifra"]
_SPAM_WORDS = _SIGNAL_INDEX["lex_spam"]


# Spam needs a cue of its own (issue #15: a link, punctuation or a platform word is never spam
# by itself): an offer or a call to action, bait, a way of contact, money, a shortened or
# look-alike link. A message without any of them (nor a repeated promotional text, see
# ``_repeated``) is never flagged spam, whatever its score: its score is kept just under the
# threshold (the model was unsure: the labelling queue offers it). A way of contact alone
# (WhatsApp, Telegram, «inbox») is a platform word: not a cue without an offer.
# A link whose host has a dash is not a cue either: news sites are named so
# («diario-correo.pe», «ojo-publico.com»); a look-alike bonus page comes with bait words.
_SPAM_CUE_SIGNALS = [
    _SIGNAL_INDEX[name]
    for name in (
        "lex_spam",
        "lex_accion",
        "lex_gancho",
        "telefono_dato",
        "correo_dato",
        "dinero_cifra",
        "url_corto",
    )
]
_SHINGLE = 4


def _repeated(text: str) -> bool:
    """The same run of four words twice: a promotional text pasted again and again."""
    words = text.lower().split()
    seen: set[tuple[str, ...]] = set()
    for start in range(len(words) - _SHINGLE + 1):
        shingle = tuple(words[start : start + _SHINGLE])
        if shingle in seen:
            return True
        seen.add(shingle)
    return False


def spam_cues(
    signals: np.ndarray, texts: Sequence[str], rows: np.ndarray | None = None
) -> np.ndarray:
    """Per text (of ``rows`` only, when given): whether it has a spam cue."""
    cue = np.asarray(np.asarray(signals[:, _SPAM_CUE_SIGNALS] != 0).any(axis=1), dtype=bool)
    unsure = np.flatnonzero(~cue) if rows is None else rows[~cue[rows]]
    for index in unsure.tolist():
        if _repeated(texts[index][:MAX_MODEL_CHARS]):
            cue[index] = True
    return cue


# A call or a wish next to harm: «hay que colgarlos», «ojalá se muera», «merece un balazo».
_HARM_SIGNALS = [_SIGNAL_INDEX[name] for name in ("lex_dano", "lex_amenaza", "lex_amenaza_frase")]
_CALL = _SIGNAL_INDEX["lex_llamado"]
_CALL_HARM = _SIGNAL_INDEX["llamado_dano"]


def _combine(signals: np.ndarray) -> None:
    """Sets the conjunction signals of ``signals`` (texts × signals) in place."""
    contact = signals[:, _CONTACT_SIGNALS].any(axis=1)
    offer = signals[:, _OFFER_SIGNALS].any(axis=1)
    signals[:, _CONTACT_ACTION] = contact & offer
    signals[:, _MONEY_GAIN] = (signals[:, _MONEY] > 0) & (signals[:, _SPAM_WORDS] > 0)
    signals[:, _CALL_HARM] = (signals[:, _CALL] > 0) & signals[:, _HARM_SIGNALS].any(axis=1)


SIGNAL_WEIGHT = 1.0
_PAIR_BASE = 1 << 31  # bigram key = row(first) * _PAIR_BASE + row(second)
_TABLE_LIMIT = 400_000  # tokens remembered beyond the vocabulary before starting afresh
_ONE_LETTER_WORDS = frozenset({"y", "o", "a"})


def _grams(token: str) -> list[str]:
    padded = f" {token} "
    low, high = NGRAMS
    return [
        padded[i : i + n]
        for n in range(low, min(high, len(padded)) + 1)
        for i in range(len(padded) - n + 1)
    ]


def _is_word(token: str) -> bool:
    """A word (not an emoji name, placeholder or punctuation)."""
    return (len(token) > 1 and token.isalpha()) or token in _ONE_LETTER_WORDS


def _signal_of(token: str) -> int:
    """The signal column a token turns on, or -1."""
    index = _SIGNAL_INDEX.get(token)
    if index is None:
        marker = LEXICON.get(token)
        index = -1 if marker is None else _SIGNAL_INDEX[marker]
    return index


def _idf(document_frequency: np.ndarray, documents: int) -> np.ndarray:
    return np.log((1 + documents) / (1 + document_frequency)) + 1


def split_docs(flat: Sequence[str]) -> list[list[str]]:
    """The flat tokens of a batch, one list per text."""
    docs: list[list[str]] = [[]]
    for token in flat:
        if token == SEP:
            docs.append([])
        else:
            docs[-1].append(token)
    return docs


def _signals(docs: Sequence[list[str]], shouting: Sequence[int]) -> np.ndarray:
    """The signal block of ``docs`` (reference path)."""
    signals = np.zeros((len(docs), len(_SIGNALS)))
    for row, tokens in enumerate(docs):
        for token in tokens:
            column = _signal_of(token)
            if column >= 0:
                signals[row, column] = 1.0
        for pair in map(" ".join, pairwise(tokens)):
            marker = PHRASE_LEXICON.get(pair)
            if marker is not None:
                signals[row, _SIGNAL_INDEX[marker]] = 1.0
    signals[list(shouting), _SHOUTING] = 1.0
    _combine(signals)
    return signals * SIGNAL_WEIGHT


@dataclass
class _Vocabulary:
    """Word unigrams and bigrams (every one seen in training) and character n-grams (seen in
    two messages at least), with their IDF."""

    __module__ = PICKLED_AS  # the name stored models know it by (see the package)

    words: dict[str, int]
    bigrams: dict[str, int]
    word_idf: np.ndarray  # unigrams, then bigrams
    grams: dict[str, int]
    gram_idf: np.ndarray

    @classmethod
    def fit(cls, docs: Sequence[list[str]]) -> _Vocabulary:
        words: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        grams: Counter[str] = Counter()
        gram_cache: dict[str, list[str]] = {}
        for tokens in docs:
            distinct = set(tokens)
            words.update(distinct)
            bigrams.update(set(map(" ".join, pairwise(tokens))))
            grams.update(
                {g for token in distinct for g in gram_cache.setdefault(token, _grams(token))}
            )
        word_names = sorted(words)
        bigram_names = sorted(bigrams)
        gram_names = sorted(name for name, count in grams.items() if count >= GRAM_MIN_DF)
        frequency = np.array(
            [words[w] for w in word_names] + [bigrams[b] for b in bigram_names], dtype=np.float64
        )
        return cls(
            words={w: i for i, w in enumerate(word_names)},
            bigrams={b: i for i, b in enumerate(bigram_names)},
            word_idf=_idf(frequency, len(docs)),
            grams={g: i for i, g in enumerate(gram_names)},
            gram_idf=_idf(np.array([grams[g] for g in gram_names], dtype=np.float64), len(docs)),
        )

    @property
    def width(self) -> int:
        return len(self.words) + len(self.bigrams) + len(self.grams) + len(_SIGNALS)

    def token_grams(self, tokens: Sequence[str]) -> sparse.csr_matrix:
        """One row per token: its known character n-grams, IDF-weighted."""
        grams = self.grams
        indptr = [0]
        indices: list[int] = []
        for token in tokens:
            indices.extend(sorted({grams[g] for g in _grams(token) if g in grams}))
            indptr.append(len(indices))
        columns = np.array(indices, dtype=np.int64)
        matrix = sparse.csr_matrix(
            (self.gram_idf[columns], columns, np.array(indptr, dtype=np.int64)),
            shape=(len(tokens), len(grams)),
        )
        return matrix

    def design(self, docs: Sequence[list[str]], shouting: Sequence[int]) -> sparse.csr_matrix:
        """The feature matrix of ``docs`` (training, and the reference path of the tests)."""
        n_words = len(self.words)
        word_rows: list[int] = []
        word_cols: list[int] = []
        for row, tokens in enumerate(docs):
            ids = [self.words[t] for t in tokens if t in self.words]
            ids += [
                n_words + self.bigrams[b]
                for b in map(" ".join, pairwise(tokens))
                if b in self.bigrams
            ]
            word_rows.extend([row] * len(ids))
            word_cols.extend(ids)
        owners = np.array(word_rows, dtype=np.int64)
        columns = np.array(word_cols, dtype=np.int64)
        values = self.word_idf[columns]
        norms = np.sqrt(np.bincount(owners, weights=values**2, minlength=len(docs)))
        norms[norms == 0] = 1.0
        word_block = sparse.csr_matrix(
            (values / norms[owners], (owners, columns)),
            shape=(len(docs), n_words + len(self.bigrams)),
        )
        distinct = sorted({t for tokens in docs for t in tokens})
        position = {t: i for i, t in enumerate(distinct)}
        doc_rows: list[int] = []
        doc_cols: list[int] = []
        for row, tokens in enumerate(docs):
            doc_rows.extend([row] * len(tokens))
            doc_cols.extend(position[t] for t in tokens)
        occurrences = sparse.csr_matrix(
            (np.ones(len(doc_rows)), (doc_rows, doc_cols)), shape=(len(docs), len(distinct))
        )
        token_grams = self.token_grams(distinct)
        char_norms = np.sqrt(
            occurrences @ np.asarray(token_grams.multiply(token_grams).sum(axis=1)).ravel()
        )
        char_norms[char_norms == 0] = 1.0
        char_block = sparse.diags(1.0 / char_norms) @ (occurrences @ token_grams)
        return sparse.hstack(
            [word_block, char_block, sparse.csr_matrix(_signals(docs, shouting))], format="csr"
        )


@dataclass
class _Prepared:
    """What the classifier reads of a batch of texts."""

    flat: list[str]  # tokens of every text, separated by SEP
    shouting: list[int]
    size: int
    long_personal: np.ndarray  # longer than the model reads, with personal data after that

    def docs(self) -> list[list[str]]:
        return split_docs(self.flat) if self.size else []


def _prepare(texts: Sequence[str]) -> _Prepared:
    flat, shouting = tokenize_many([raw[:MAX_MODEL_CHARS] for raw in texts])
    long_personal = np.array(
        [len(raw) > MAX_MODEL_CHARS and rules.has_personal_data(raw) for raw in texts],
        dtype=bool,
    )
    return _Prepared(flat, shouting, len(texts), long_personal)
