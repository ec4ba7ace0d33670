"""The trained model: its linear models folded into per-token score tables (``_Scorer``), and
``TrainedModel``, what is stored and what classifies."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from agora.core.errors import DomainError
from agora.language.classifier import PICKLED_AS
from agora.language.classifier.features import (
    _PAIR_BASE,
    _PERSONAL_SIGNALS,
    _SHOUTING,
    _SIGNAL_INDEX,
    _SIGNALS,
    _TABLE_LIMIT,
    SEP,
    SIGNAL_WEIGHT,
    _combine,
    _is_word,
    _prepare,
    _signal_of,
    _Vocabulary,
    spam_cues,
)
from agora.language.normalize import LEXICON, PHRASE_LEXICON
from agora.language.taxonomy import KINDS, Flag, Kind

if TYPE_CHECKING:
    from agora.language.classifier.training import _NaiveBayesSVM


# Part of every model version: change it when features or training change.
CODE_VERSION = "lang-code-19"
MODEL_FLAGS = (Flag.INSULTO.value, Flag.SPAM.value, Flag.AMENAZA.value)


class ModelError(DomainError):
    """No model, or a model that cannot be used."""


@dataclass(frozen=True)
class Result:
    kind: str
    flags: list[str]
    scores: dict[str, float]
    version: str


class _TokenRows(dict[str, int]):
    """Token → row of the score tables; a token first seen gets the next free row and is
    queued so that its score is computed once, for the whole batch."""

    def __init__(self, base: dict[str, int]) -> None:
        super().__init__(base)
        self.pending: list[str] = []

    def __missing__(self, token: str) -> int:
        row = self[token] = len(self)
        self.pending.append(token)
        return row


@dataclass
class _Scorer:
    """The trained linear models folded into per-token score tables (see ``features``)."""

    __module__ = PICKLED_AS  # the name stored models know it by (see the package)

    vocabulary: _Vocabulary
    labels: tuple[str, ...]  # the kinds in the kind model's order, then MODEL_FLAGS
    char_weights: np.ndarray  # grams × labels: to score tokens first seen in production
    token_scores: np.ndarray  # rows × (labels for chars | labels for words | idf² | ||grams||²)
    word_flags: np.ndarray  # rows: True where the token is a word
    signal_of: np.ndarray  # rows: signal column or -1
    pair_keys: np.ndarray  # sorted keys of the known bigrams
    pair_scores: np.ndarray  # per key: labels for words | idf²
    phrase_keys: np.ndarray  # sorted keys of the lexicon phrases
    phrase_signals: np.ndarray  # per key: signal column
    signal_weights: np.ndarray  # signals × labels
    bias: np.ndarray  # labels
    sep_row: int
    base_rows: int
    rows: _TokenRows = field(default_factory=lambda: _TokenRows({}), repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["rows"] = dict(list(self.rows.items())[: self.base_rows])
        for name in ("token_scores", "word_flags", "signal_of"):
            state[name] = getattr(self, name)[: self.base_rows]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.rows = _TokenRows(state["rows"])

    @classmethod
    def build(
        cls,
        vocabulary: _Vocabulary,
        labels: tuple[str, ...],
        weights: np.ndarray,
        bias: np.ndarray,
    ) -> _Scorer:
        """``weights``: features × labels, in the column order of ``_Vocabulary.design``."""
        n_words, n_bigrams = len(vocabulary.words), len(vocabulary.bigrams)
        n_grams = len(vocabulary.grams)
        word_idf = vocabulary.word_idf
        char_w = weights[n_words + n_bigrams : n_words + n_bigrams + n_grams]
        tokens = sorted(vocabulary.words, key=vocabulary.words.__getitem__)
        phrase_words = {w for phrase in PHRASE_LEXICON for w in phrase.split()}
        extra = sorted((set(LEXICON) | phrase_words) - set(tokens))
        all_tokens = [*tokens, SEP, *extra]
        token_scores = np.zeros((len(all_tokens), 2 * len(labels) + 2))
        grams = vocabulary.token_grams(all_tokens)
        token_scores[:, : len(labels)] = grams @ char_w
        token_scores[:, -1] = np.asarray(grams.multiply(grams).sum(axis=1)).ravel()
        token_scores[len(tokens)] = 0.0  # the separator
        token_scores[: len(tokens), len(labels) : 2 * len(labels)] = (
            weights[:n_words] * word_idf[:n_words, None]
        )
        token_scores[: len(tokens), 2 * len(labels)] = word_idf[:n_words] ** 2
        rows = _TokenRows({t: i for i, t in enumerate(all_tokens)})

        def key(pair: str) -> int:
            first, second = pair.split(" ")
            return rows[first] * _PAIR_BASE + rows[second]

        bigrams = sorted(vocabulary.bigrams, key=vocabulary.bigrams.__getitem__)
        keys = np.array([key(b) for b in bigrams], dtype=np.int64)
        pair_scores = np.hstack(
            [
                weights[n_words : n_words + n_bigrams] * word_idf[n_words:, None],
                word_idf[n_words:, None] ** 2,
            ]
        )
        order = np.argsort(keys, kind="stable")
        phrases = sorted(PHRASE_LEXICON, key=key)
        return cls(
            vocabulary=vocabulary,
            labels=labels,
            char_weights=np.ascontiguousarray(char_w),
            token_scores=token_scores,
            word_flags=np.array([_is_word(t) for t in all_tokens], dtype=bool),
            signal_of=np.array([_signal_of(t) for t in all_tokens], dtype=np.int64),
            pair_keys=keys[order],
            pair_scores=np.ascontiguousarray(pair_scores[order]),
            phrase_keys=np.array([key(p) for p in phrases], dtype=np.int64),
            phrase_signals=np.array(
                [_SIGNAL_INDEX[PHRASE_LEXICON[p]] for p in phrases], dtype=np.int64
            ),
            signal_weights=weights[n_words + n_bigrams + n_grams :] * SIGNAL_WEIGHT,
            bias=bias,
            sep_row=rows[SEP],
            base_rows=len(all_tokens),
            rows=rows,
        )

    def _add_pending(self) -> None:
        """Scores of the tokens first seen in this batch (their word part is zero: they are
        not in the vocabulary)."""
        pending = self.rows.pending
        if not pending:
            return
        labels = len(self.labels)
        scores = np.zeros((len(pending), self.token_scores.shape[1]))
        grams = self.vocabulary.token_grams(pending)
        scores[:, :labels] = grams @ self.char_weights
        scores[:, -1] = np.asarray(grams.multiply(grams).sum(axis=1)).ravel()
        self.token_scores = np.vstack([self.token_scores, scores])
        self.word_flags = np.concatenate([self.word_flags, [_is_word(t) for t in pending]])
        self.signal_of = np.concatenate([self.signal_of, [_signal_of(t) for t in pending]])
        pending.clear()

    def _forget_new_tokens(self) -> None:
        base = self.base_rows
        self.rows = _TokenRows(dict(list(self.rows.items())[:base]))
        self.token_scores = self.token_scores[:base]
        self.word_flags = self.word_flags[:base]
        self.signal_of = self.signal_of[:base]

    def decide(
        self, flat: Sequence[str], shouting: Sequence[int], n_docs: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Decision values (texts × labels), whether each text has a word, and the signals of
        each text; ``flat``: the tokens of ``n_docs`` texts separated by SEP."""
        if len(self.rows) > self.base_rows + _TABLE_LIMIT:
            self._forget_new_tokens()
        rows = np.fromiter(map(self.rows.__getitem__, flat), dtype=np.int64, count=len(flat))
        self._add_pending()
        labels = len(self.labels)
        is_sep = rows == self.sep_row
        separators = np.flatnonzero(is_sep)
        if len(separators) != n_docs - 1:
            raise ModelError("Lote de textos mal separado.")
        starts = np.concatenate([[0], separators + 1])
        lengths = np.concatenate([separators, [len(rows)]]) - starts
        owner = np.cumsum(is_sep)  # text of each token (separators: the next text)
        # Per-text sums of the token tables; a text's segment ends with its separator, whose
        # scores are zero. A zero row closes the batch for a last empty text.
        per_token = np.vstack([self.token_scores[rows], np.zeros((1, 2 * labels + 2))])
        sums = np.add.reduceat(per_token, starts, axis=0)
        sums[lengths == 0] = 0.0
        signals = np.zeros((n_docs, len(_SIGNALS)), dtype=bool)
        if len(rows) > 1:
            keys = rows[:-1] * _PAIR_BASE + rows[1:]  # pairs across texts hold SEP: unknown
            for table, handle in ((self.pair_keys, "pairs"), (self.phrase_keys, "phrases")):
                if not len(table):
                    continue
                places = np.searchsorted(table, keys)
                places[places >= len(table)] = 0
                positions = np.flatnonzero(table[places] == keys)
                if not len(positions):
                    continue
                if handle == "phrases":
                    signals[owner[positions], self.phrase_signals[places[positions]]] = True
                    continue
                values = self.pair_scores[places[positions]]
                for column in range(labels + 1):
                    sums[:, labels + column] += np.bincount(
                        owner[positions], weights=values[:, column], minlength=n_docs
                    )
        char_norms = np.sqrt(sums[:, -1])
        char_norms[char_norms == 0] = 1.0
        char_part = sums[:, :labels] / char_norms[:, None]
        norms = np.sqrt(sums[:, 2 * labels])
        norms[norms == 0] = 1.0
        word_part = sums[:, labels : 2 * labels] / norms[:, None]
        signal_col = self.signal_of[rows]
        marked = signal_col >= 0
        signals[owner[marked], signal_col[marked]] = True
        signals[list(shouting), _SHOUTING] = True
        _combine(signals)
        has_word = np.zeros(n_docs, dtype=bool)
        has_word[owner[self.word_flags[rows]]] = True
        decision = char_part + word_part + signals @ self.signal_weights + self.bias
        return decision, has_word, signals


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return np.asarray(expit(values))


def _linear(estimator: Any, width: int) -> tuple[np.ndarray, float]:
    """Weights and intercept of a fitted binary linear model (zeros for no model)."""
    if estimator is None or not hasattr(estimator, "coef_"):
        return np.zeros(width), 0.0
    return np.asarray(estimator.coef_, dtype=np.float64).ravel(), float(
        np.ravel(estimator.intercept_)[0]
    )


@dataclass
class TrainedModel:
    __module__ = PICKLED_AS  # the name stored models know it by (see the package)

    version: str
    trained_at: datetime
    corpus_size: int
    extra_size: int
    scorer: _Scorer
    kind_model: OneVsRestClassifier
    flag_models: dict[str, LogisticRegression | _NaiveBayesSVM | None]
    thresholds: dict[str, float]
    validation: dict[str, Any]
    kinds: tuple[str, ...] = KINDS
    code_version: str = CODE_VERSION
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def flag_weights(self, flag: str) -> tuple[np.ndarray, float] | None:
        """The weights of a flag's linear model, in the column order of ``features``, and its
        intercept (the flag's probability is the sigmoid of ``features · weights +
        intercept``); None when the flag has no model. Read by ``agora.language.explain``."""
        if flag not in MODEL_FLAGS or self.flag_models.get(flag) is None:
            return None
        return _linear(self.flag_models[flag], self.scorer.vocabulary.width)

    def features(self, texts: Sequence[str]) -> tuple[list[list[str]], sparse.csr_matrix]:
        """The normalised tokens of each text and their feature matrix (the reference path of
        ``_Vocabulary.design``, not the fast one): for explanations, never on the hot path."""
        prepared = _prepare(texts)
        docs = prepared.docs()
        return docs, self.scorer.vocabulary.design(docs, prepared.shouting)

    def classify_texts(self, texts: Sequence[str], *, batch: int = 5_000) -> list[Result]:
        results: list[Result] = []
        for start in range(0, len(texts), batch):
            results.extend(self._classify_batch(texts[start : start + batch]))
        return results

    def scores(self, texts: Sequence[str]) -> tuple[list[str], np.ndarray]:
        """Column names and a table (texts × names): kind probabilities, then the
        probability of each flag (``datos_personales``: 1 or 0, from the rules)."""
        scorer = self.scorer
        prepared = _prepare(texts)
        with self._lock:  # the token table grows with tokens first seen
            decision, has_word, signals = scorer.decide(
                prepared.flat, prepared.shouting, prepared.size
            )
        probability = _sigmoid(decision)
        kind_labels = list(scorer.labels[: -len(MODEL_FLAGS)])
        kinds = probability[:, : len(kind_labels)]
        kinds /= kinds.sum(axis=1, keepdims=True)
        # Nothing but emojis, punctuation or placeholders: a reaction, whatever the model says.
        if Kind.OTRO.value in kind_labels:
            wordless = ~has_word
            kinds[wordless] = 0.0
            kinds[wordless, kind_labels.index(Kind.OTRO.value)] = 1.0
        flags = probability[:, len(kind_labels) :]
        for index, flag in enumerate(MODEL_FLAGS):
            if self.flag_models.get(flag) is None:
                flags[:, index] = 0.0
        spam = flags[:, MODEL_FLAGS.index(Flag.SPAM.value)]
        threshold = self.thresholds.get(Flag.SPAM.value, 0.5)
        candidates = np.flatnonzero(np.round(spam, 4) >= threshold)
        if len(candidates):  # flagged spam: only with a cue of its own (_SPAM_CUE_SIGNALS)
            cued = spam_cues(signals, texts, candidates)
            spam[candidates[~cued[candidates]]] = max(0.0, threshold - 1e-4)
        personal = signals[:, :_PERSONAL_SIGNALS].any(axis=1) | prepared.long_personal
        table = np.hstack([kinds, flags, personal[:, None].astype(np.float64)])
        return kind_labels + list(MODEL_FLAGS) + [Flag.DATOS_PERSONALES.value], table

    def _classify_batch(self, texts: Sequence[str]) -> list[Result]:
        if not texts:
            return []
        names, table = self.scores(texts)
        table = np.round(table, 4)
        n_kinds = len(names) - len(MODEL_FLAGS) - 1
        kind_index = table[:, :n_kinds].argmax(axis=1)
        thresholds = np.array(
            [self.thresholds.get(f, 0.5) for f in MODEL_FLAGS] + [0.5], dtype=np.float64
        )
        flagged = table[:, n_kinds:] >= thresholds
        flag_names = names[n_kinds:]
        # Each row's flags as a bit pattern, then the list of names of each pattern.
        patterns = [
            [flag for bit, flag in enumerate(flag_names) if code >> bit & 1]
            for code in range(1 << len(flag_names))
        ]
        codes = flagged.astype(np.int64) @ (1 << np.arange(len(flag_names), dtype=np.int64))
        version = self.version
        return [
            Result(names[k], patterns[code].copy(), dict(zip(names, row, strict=True)), version)
            for k, row, code in zip(
                kind_index.tolist(), table.tolist(), codes.tolist(), strict=True
            )
        ]
