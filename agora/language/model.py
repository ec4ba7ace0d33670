"""The message classifier: features, training, versioned storage, batch classification and
evaluation against the held-out part of the corpus.

Features are TF-IDF blocks computed on the normalised text (word 1–2-grams and character 2–5-
grams inside words, as scikit-learn's ``char_wb``) plus the rule features. The vectoriser is our
own because classification runs on every ingested message: character n-grams are computed once
per distinct word and cached, which makes the classify path several times faster than
``TfidfVectorizer`` with the same features. The kind is a multinomial logistic regression; each
flag is a binary logistic regression whose threshold is tuned on out-of-fold predictions of the
training data; ``datos_personales`` is decided by the rules alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, pairwise, repeat
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from django.conf import settings
from django.utils import timezone
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import normalize as l2_normalize

from agora.core.errors import DomainError
from agora.language import rules
from agora.language.normalize import normalize_many
from agora.language.taxonomy import FLAGS, KINDS, Flag, Kind

# Part of every model version: change it when features or training change.
CODE_VERSION = "lang-code-6"
MAX_MODEL_CHARS = 5_000
CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
MODEL_FLAGS = (Flag.INSULTO.value, Flag.SPAM.value, Flag.AMENAZA.value)

# Per flag: (minimum precision, minimum recall, beta of the F-score maximised) for the
# threshold chosen on out-of-fold predictions. Threats favour recall; insults precision.
FLAG_POLICY: dict[str, tuple[float, float, float]] = {
    Flag.INSULTO: (0.90, 0.85, 1.0),
    Flag.SPAM: (0.90, 0.90, 1.0),
    Flag.AMENAZA: (0.0, 0.96, 2.0),
}


class ModelError(DomainError):
    """No model, or a model that cannot be used."""


class CorpusError(DomainError):
    """A corpus file that cannot be read."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    kind: str
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    kind: str
    flags: list[str]
    scores: dict[str, float]
    version: str


def is_held_out(example_id: str) -> bool:
    """The deterministic test split (20 %): training never sees these lines."""
    return int(hashlib.sha256(example_id.encode()).hexdigest()[:8], 16) % 5 == 0


def corpus_paths() -> list[Path]:
    """The corpus shipped with the code: every ``*.jsonl`` under ``language/corpus/``."""
    return sorted(CORPUS_DIR.glob("*.jsonl"))


def example_from_dict(data: Any) -> Example:
    """One labelled line; ``ValueError`` with a Spanish reason when it is not valid."""
    if not isinstance(data, dict):
        raise ValueError("no es un objeto JSON")
    text, kind, flags = data.get("text"), data.get("kind"), data.get("flags", [])
    if not isinstance(text, str):
        raise ValueError("falta el texto")
    if kind not in KINDS:
        raise ValueError("tipo desconocido: %r" % (kind,))
    if not isinstance(flags, list) or any(flag not in FLAGS for flag in flags):
        raise ValueError("alertas desconocidas: %r" % (flags,))
    return Example(str(data.get("id", "")), text, kind, tuple(sorted(set(flags))))


def read_corpus(path: Path | str) -> list[Example]:
    """Every line of a labelled JSONL file; the first bad line stops with its number."""
    examples = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                examples.append(example_from_dict(json.loads(line)))
            except ValueError as error:
                raise CorpusError(
                    "%(path)s, línea %(line)d: %(error)s"
                    % {"path": path, "line": number, "error": error}
                ) from error
    return examples


# --- features -----------------------------------------------------------------------------


class _TfidfBlock:
    """Sublinear TF-IDF, L2-normalised, over features produced per token. ``char`` selects
    character n-grams of each word (cached per word); otherwise word unigrams and bigrams."""

    def __init__(self, *, char: bool, min_df: int = 2, ngram: tuple[int, int] = (2, 5)) -> None:
        self.char = char
        self.min_df = min_df
        self.ngram = ngram
        self.vocabulary: dict[str, int] = {}
        self.idf = np.zeros(0)
        self._cache: dict[str, list[int]] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cache"] = {}
        return state

    def _grams(self, token: str) -> list[str]:
        padded = f" {token} "
        low, high = self.ngram
        return [
            padded[i : i + n]
            for n in range(low, min(high, len(padded)) + 1)
            for i in range(len(padded) - n + 1)
        ]

    def _doc_features(self, tokens: list[str]) -> set[str]:
        if self.char:
            return {gram for token in set(tokens) for gram in self._grams(token)}
        return set(tokens) | {f"{a} {b}" for a, b in pairwise(tokens)}

    def fit(self, docs: Sequence[list[str]]) -> _TfidfBlock:
        counts: Counter[str] = Counter()
        for tokens in docs:
            counts.update(self._doc_features(tokens))
        names = sorted(name for name, count in counts.items() if count >= self.min_df)
        self.vocabulary = {name: index for index, name in enumerate(names)}
        df = np.array([counts[name] for name in names], dtype=np.float64)
        self.idf = np.log((1 + len(docs)) / (1 + df)) + 1
        self._cache = {}
        return self

    def transform(self, docs: Sequence[list[str]]) -> sparse.csr_matrix:
        # Feature ids are gathered with map/chain (C loops); -1 marks an unknown feature.
        rows: list[int] = []
        if self.char:
            cache = self._cache
            if not isinstance(cache, _GramCache) or len(cache) > 500_000:
                cache = self._cache = _GramCache(self)
            lookup = cache.__getitem__
            ids = list(chain.from_iterable(map(lookup, chain.from_iterable(docs))))
            rows = [sum(map(len, map(lookup, tokens))) for tokens in docs]
        else:
            get = self.vocabulary.get
            ids = []
            for tokens in docs:
                before = len(ids)
                ids.extend(map(get, tokens, repeat(-1)))
                ids.extend(map(get, map(" ".join, pairwise(tokens)), repeat(-1)))
                rows.append(len(ids) - before)
        columns = np.fromiter(ids, dtype=np.int64, count=len(ids))
        row_index = np.repeat(np.arange(len(docs)), rows)
        known = columns >= 0
        matrix = sparse.csr_matrix(
            (np.ones(int(known.sum())), (row_index[known], columns[known])),
            shape=(len(docs), len(self.vocabulary)),
        )
        matrix.sum_duplicates()
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
        matrix.data *= self.idf[matrix.indices]
        return l2_normalize(matrix, copy=False)


class _GramCache(dict[str, list[int]]):
    """Known character n-gram ids of each word, computed on first sight."""

    def __init__(self, block: _TfidfBlock) -> None:
        super().__init__()
        self.block = block

    def __missing__(self, token: str) -> list[int]:
        vocabulary = self.block.vocabulary
        ids = [vocabulary[g] for g in self.block._grams(token) if g in vocabulary]
        self[token] = ids
        return ids


@dataclass
class _Prepared:
    """What the classifier reads of a batch of texts."""

    tokens: list[list[str]]
    rules: np.ndarray  # one row of rule features per text
    personal: np.ndarray  # the datos_personales rule, on the whole text
    wordless: np.ndarray  # nothing but emojis, punctuation or placeholders


_RULE_TOKENS = (
    "dni_dato",
    "telefono_dato",
    "correo_dato",
    "placa_dato",
    "direccion_dato",
    "url",
    "url_corto",
    "lex_spam",
)
_PERSONAL_TOKENS = frozenset(_RULE_TOKENS[:5])
_WORDS = frozenset({"de", "que", "la", "el", "en", "y", "no", "por", "los", "se", "me", "mi"})


def _is_word(token: str) -> bool:
    """A word of two letters or more (not an emoji name, placeholder or punctuation)."""
    return len(token) > 1 and token.isalpha()


def _prepare(texts: Sequence[str]) -> _Prepared:
    """Normalises each text; the rules run inside the normalisation and leave placeholder
    tokens, which become the rule features without a second pass over the text."""
    rows: list[list[float]] = []
    personal: list[bool] = []
    wordless: list[bool] = []
    tokens = normalize_many([raw[:MAX_MODEL_CHARS] for raw in texts])
    for raw, words in zip(texts, tokens, strict=True):
        present = set(words)
        rows.append([float(name in present) for name in _RULE_TOKENS])
        personal.append(
            not _PERSONAL_TOKENS.isdisjoint(present)
            or (len(raw) > MAX_MODEL_CHARS and rules.has_personal_data(raw))
        )
        wordless.append(_WORDS.isdisjoint(present) and not any(map(_is_word, present)))
    return _Prepared(
        tokens,
        np.array(rows, dtype=np.float64).reshape(len(texts), len(_RULE_TOKENS)),
        np.array(personal, dtype=bool),
        np.array(wordless, dtype=bool),
    )


@dataclass
class _Featurizer:
    word: _TfidfBlock = field(default_factory=lambda: _TfidfBlock(char=False, min_df=1))
    char: _TfidfBlock = field(default_factory=lambda: _TfidfBlock(char=True, min_df=2))
    rule_weight: float = 1.0

    def fit(self, prepared: _Prepared) -> _Featurizer:
        self.word.fit(prepared.tokens)
        self.char.fit(prepared.tokens)
        return self

    def transform(self, prepared: _Prepared) -> sparse.csr_matrix:
        return sparse.hstack(
            [
                self.word.transform(prepared.tokens),
                self.char.transform(prepared.tokens),
                sparse.csr_matrix(prepared.rules * self.rule_weight),
            ],
            format="csr",
        )


def _kind_classifier() -> OneVsRestClassifier:
    return OneVsRestClassifier(
        LogisticRegression(
            C=20.0, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=0
        )
    )


def _flag_classifier() -> LogisticRegression:
    return LogisticRegression(
        C=20.0, class_weight="balanced", max_iter=5000, solver="liblinear", random_state=0
    )


def _choose_threshold(y: np.ndarray, scores: np.ndarray, flag: str) -> float:
    """The threshold meeting the flag's precision and recall floors with the best F-beta;
    the best F-beta overall when no threshold meets both."""
    min_precision, min_recall, beta = FLAG_POLICY.get(flag, (0.0, 0.0, 1.0))
    best: tuple[bool, float, float] | None = None
    positives = int(y.sum())
    if positives == 0:
        return 0.5
    for threshold in sorted(set(np.round(scores, 4).tolist())):
        predicted = scores >= threshold
        tp = int((predicted & (y == 1)).sum())
        if tp == 0:
            continue
        precision = tp / int(predicted.sum())
        recall = tp / positives
        fbeta = (1 + beta**2) * precision * recall / (beta**2 * precision + recall)
        key = (precision >= min_precision and recall >= min_recall, fbeta, -threshold)
        if best is None or key > best:
            best = key
    return 0.5 if best is None else -best[2]


@dataclass
class TrainedModel:
    version: str
    trained_at: datetime
    corpus_size: int
    extra_size: int
    featurizer: _Featurizer
    kind_model: OneVsRestClassifier
    flag_models: dict[str, LogisticRegression | None]
    thresholds: dict[str, float]
    validation: dict[str, Any]
    kinds: tuple[str, ...] = KINDS
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def classify_texts(self, texts: Sequence[str], *, batch: int = 5_000) -> list[Result]:
        results: list[Result] = []
        for start in range(0, len(texts), batch):
            results.extend(self._classify_batch(texts[start : start + batch]))
        return results

    def _classify_batch(self, texts: Sequence[str]) -> list[Result]:
        if not texts:
            return []
        prepared = _prepare(texts)
        with self._lock:  # the per-word cache of the vectoriser is shared
            matrix = self.featurizer.transform(prepared)
        kind_scores = self.kind_model.predict_proba(matrix)
        kind_order = [str(k) for k in self.kind_model.classes_]
        # Nothing but emojis or punctuation: a reaction, whatever the model says.
        otro = kind_order.index(Kind.OTRO.value)
        kind_scores[prepared.wordless] = 0.0
        kind_scores[prepared.wordless, otro] = 1.0
        kind_index = kind_scores.argmax(axis=1)
        columns = [kind_scores]
        flag_names: list[str] = []
        for flag in MODEL_FLAGS:
            classifier = self.flag_models.get(flag)
            if classifier is None:
                scores = np.zeros(len(texts))
            else:
                scores = classifier.predict_proba(matrix)[:, 1]
            columns.append(scores[:, None])
            flag_names.append(flag)
        columns.append(prepared.personal.astype(np.float64)[:, None])
        flag_names.append(Flag.DATOS_PERSONALES.value)
        table = np.round(np.hstack(columns), 4)
        thresholds = np.array(
            [self.thresholds.get(f, 0.5) for f in flag_names[:-1]] + [0.5], dtype=np.float64
        )
        flagged = table[:, len(kind_order) :] >= thresholds
        names = kind_order + flag_names
        version = self.version
        rows = table.tolist()
        flags_rows = flagged.tolist()
        return [
            Result(
                kind_order[k],
                [flag for flag, on in zip(flag_names, marks, strict=True) if on],
                dict(zip(names, row, strict=True)),
                version,
            )
            for k, row, marks in zip(kind_index.tolist(), rows, flags_rows, strict=True)
        ]


def _fit(
    prepared: _Prepared, kinds: np.ndarray, flags: dict[str, np.ndarray]
) -> tuple[_Featurizer, OneVsRestClassifier, dict[str, LogisticRegression | None]]:
    featurizer = _Featurizer().fit(prepared)
    matrix = featurizer.transform(prepared)
    kind_model = _kind_classifier().fit(matrix, kinds)
    flag_models: dict[str, LogisticRegression | None] = {}
    for flag in MODEL_FLAGS:
        y = flags[flag]
        flag_models[flag] = _flag_classifier().fit(matrix, y) if 0 < y.sum() < len(y) else None
    return featurizer, kind_model, flag_models


def _subset(prepared: _Prepared, index: np.ndarray) -> _Prepared:
    return _Prepared(
        [prepared.tokens[i] for i in index],
        prepared.rules[index],
        prepared.personal[index],
        prepared.wordless[index],
    )


def model_version(corpus: Iterable[Path], extra: Sequence[Example]) -> str:
    """ "lang-" + a short hash of the corpus files, the extra examples and the code version."""
    digest = hashlib.sha256(CODE_VERSION.encode())
    for path in corpus:
        digest.update(Path(path).read_bytes())
    for example in extra:
        digest.update(
            json.dumps(
                [example.id, example.text, example.kind, list(example.flags)], ensure_ascii=False
            ).encode()
        )
    return "lang-" + digest.hexdigest()[:12]


def train(
    corpus: Sequence[Path | str], *, extra: Sequence[Example] = (), folds: int = 5
) -> TrainedModel:
    """A model trained on the corpus lines outside the held-out split, plus ``extra`` (staff
    corrections). Flag thresholds come from out-of-fold predictions on the same data."""
    paths = [Path(p) for p in corpus]
    examples = [e for path in paths for e in read_corpus(path) if not is_held_out(e.id)]
    examples += list(extra)
    if not examples:
        raise ModelError("No hay ejemplos para entrenar.")
    if len({e.kind for e in examples}) < 2:
        raise ModelError("Se necesitan ejemplos de al menos dos tipos de mensaje para entrenar.")
    prepared = _prepare([e.text for e in examples])
    kinds = np.array([e.kind for e in examples])
    flags = {f: np.array([f in e.flags for e in examples], dtype=int) for f in MODEL_FLAGS}

    # Out-of-fold scores, to choose thresholds and to report validation figures.
    smallest = min(Counter(kinds.tolist()).values())
    n_splits = max(2, min(folds, smallest))
    oof_kind = np.empty(len(examples), dtype=object)
    oof_flags = {f: np.zeros(len(examples)) for f in MODEL_FLAGS}
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)
    stratify = kinds if smallest >= 2 else np.zeros(len(examples))
    for train_index, test_index in splitter.split(np.zeros(len(examples)), stratify):
        part = _subset(prepared, train_index)
        featurizer, kind_model, flag_models = _fit(
            part, kinds[train_index], {f: y[train_index] for f, y in flags.items()}
        )
        matrix = featurizer.transform(_subset(prepared, test_index))
        oof_kind[test_index] = kind_model.predict(matrix)
        for flag, classifier in flag_models.items():
            if classifier is not None:
                oof_flags[flag][test_index] = classifier.predict_proba(matrix)[:, 1]
    thresholds = {f: _choose_threshold(flags[f], oof_flags[f], f) for f in MODEL_FLAGS}
    validation: dict[str, Any] = {
        "folds": n_splits,
        "kind_macro_f1": round(
            float(f1_score(kinds, oof_kind.astype(str), average="macro", zero_division=0)), 4
        ),
        "flags": {},
    }
    for flag in MODEL_FLAGS:
        predicted = (oof_flags[flag] >= thresholds[flag]).astype(int)
        p, r, f, _support = precision_recall_fscore_support(
            flags[flag], predicted, average="binary", zero_division=0
        )
        validation["flags"][flag] = {
            "umbral": thresholds[flag],
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
        }

    featurizer, kind_model, flag_models = _fit(prepared, kinds, flags)
    return TrainedModel(
        version=model_version(paths, extra),
        trained_at=timezone.now(),
        corpus_size=len(examples) - len(extra),
        extra_size=len(extra),
        featurizer=featurizer,
        kind_model=kind_model,
        flag_models=flag_models,
        thresholds=thresholds,
        validation=validation,
    )


# --- storage --------------------------------------------------------------------------------


def models_dir() -> Path:
    path = Path(settings.VAR_DIR) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save(model: TrainedModel, *, make_current: bool = True) -> Path:
    """Writes ``<version>.joblib`` (atomically) and, by default, points "current" at it."""
    directory = models_dir()
    target = directory / f"{model.version}.joblib"
    with tempfile.NamedTemporaryFile(dir=directory, delete=False, suffix=".tmp") as handle:
        joblib.dump(model, handle)
    os.replace(handle.name, target)
    if make_current:
        set_current(model.version)
    return target


def set_current(version: str) -> None:
    directory = models_dir()
    if not (directory / f"{version}.joblib").exists():
        raise ModelError("No existe el modelo %(version)s." % {"version": version})
    pointer = directory / "current"
    tmp = directory / "current.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, pointer)


def current_version() -> str | None:
    pointer = models_dir() / "current"
    if not pointer.exists():
        return None
    return pointer.read_text(encoding="utf-8").strip() or None


_loaded: dict[tuple[str, str], TrainedModel] = {}
_load_lock = threading.Lock()


def load(version: str | None = None) -> TrainedModel:
    """The model ``version`` (by default the current one), kept in memory once loaded."""
    version = version or current_version()
    if version is None:
        raise ModelError(
            "No hay un modelo entrenado: ejecute «agora classify_train» antes de clasificar."
        )
    path = models_dir() / f"{version}.joblib"
    key = (str(path), version)
    with _load_lock:
        if key not in _loaded:
            if not path.exists():
                raise ModelError("No existe el modelo %(version)s." % {"version": version})
            model = joblib.load(path)
            if not isinstance(model, TrainedModel):
                raise ModelError("El archivo %(path)s no es un modelo." % {"path": path})
            _loaded.clear()
            _loaded[key] = model
        return _loaded[key]


def classify_texts(texts: Sequence[str], *, model: TrainedModel | None = None) -> list[Result]:
    """Kind, flags and scores of each text, in order, with the model version."""
    return (model or load()).classify_texts(texts)


# --- evaluation -----------------------------------------------------------------------------

# Quality targets of the issue, checked on the held-out split.
TARGETS: list[tuple[str, str, str, float]] = [
    ("tipo", "macro_f1", "F1 macro de tipo", 0.85),
    (Flag.INSULTO.value, "precision", "precisión de «insulto»", 0.90),
    (Flag.INSULTO.value, "recall", "exhaustividad de «insulto»", 0.85),
    (Flag.AMENAZA.value, "recall", "exhaustividad de «amenaza»", 0.95),
    (Flag.SPAM.value, "f1", "F1 de «spam»", 0.90),
    (Flag.DATOS_PERSONALES.value, "f1", "F1 de «datos_personales»", 0.95),
]


@dataclass
class Evaluation:
    version: str
    size: int
    kinds: dict[str, dict[str, float]]
    flags: dict[str, dict[str, float]]
    macro_f1: float
    confusion: list[list[int]]
    targets: list[tuple[str, float, float, bool]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "size": self.size,
            "kinds": self.kinds,
            "flags": self.flags,
            "macro_f1": self.macro_f1,
            "confusion": self.confusion,
        }


def evaluate(model: TrainedModel, examples: Sequence[Example]) -> Evaluation:
    if not examples:
        raise ModelError("No hay líneas para evaluar.")
    results = model.classify_texts([e.text for e in examples])
    gold = [e.kind for e in examples]
    predicted = [r.kind for r in results]
    labels = list(KINDS)
    p, r, f, s = precision_recall_fscore_support(gold, predicted, labels=labels, zero_division=0)
    kinds = {
        k: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "n": int(s[i])}
        for i, k in enumerate(labels)
    }
    present = [k for k in labels if kinds[k]["n"] > 0]
    macro = float(f1_score(gold, predicted, labels=present, average="macro", zero_division=0))
    flags: dict[str, dict[str, float]] = {}
    for flag in FLAGS:
        y = [flag in e.flags for e in examples]
        yhat = [flag in res.flags for res in results]
        fp, fr, ff, _support = precision_recall_fscore_support(
            y, yhat, average="binary", zero_division=0
        )
        flags[flag] = {
            "precision": float(fp),
            "recall": float(fr),
            "f1": float(ff),
            "n": int(sum(y)),
        }
    matrix = confusion_matrix(gold, predicted, labels=labels).tolist()
    targets = []
    for name, metric, label, minimum in TARGETS:
        value = macro if name == "tipo" else flags[name][metric]
        targets.append((label, value, minimum, value >= minimum))
    return Evaluation(model.version, len(examples), kinds, flags, macro, matrix, targets)


def _label(value: str) -> str:
    for choices in (Kind, Flag):
        if value in choices.values:
            return str(choices(value).label)
    return value


def format_evaluation(evaluation: Evaluation) -> str:
    """The report printed by ``classify_eval``: Spanish, fixed-width columns."""
    lines = [
        "Modelo %s, %d mensajes evaluados." % (evaluation.version, evaluation.size),
        "",
        "Tipo de mensaje        precisión  exhaustividad     F1      n",
    ]
    for kind, m in evaluation.kinds.items():
        lines.append(
            "  %-20s %9.3f %14.3f %8.3f %6d"
            % (_label(kind), m["precision"], m["recall"], m["f1"], m["n"])
        )
    lines.append("F1 macro de tipo: %.3f" % evaluation.macro_f1)
    lines += ["", "Alerta                 precisión  exhaustividad     F1      n"]
    for flag, m in evaluation.flags.items():
        lines.append(
            "  %-20s %9.3f %14.3f %8.3f %6d"
            % (_label(flag), m["precision"], m["recall"], m["f1"], m["n"])
        )
    short = [_label(k)[:6] for k in KINDS]
    lines += ["", "Matriz de confusión (filas: tipo real; columnas: tipo predicho)"]
    lines.append("  %-14s" % "" + "".join("%8s" % s for s in short))
    for kind, row in zip(KINDS, evaluation.confusion, strict=True):
        lines.append("  %-14s" % _label(kind)[:14] + "".join("%8d" % v for v in row))
    lines += ["", "Objetivos de calidad"]
    for label, value, minimum, met in evaluation.targets:
        lines.append(
            "  %s: %.3f (objetivo ≥ %.2f) → %s"
            % (label, value, minimum, "cumple" if met else "NO cumple")
        )
    return "\n".join(lines)
