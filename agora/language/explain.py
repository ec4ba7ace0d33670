"""Why a citizen message carries each flag, as staff see it next to the flag: the words (or
runs of words) that weighed most for that flag in the current model, or the rule that fired.

Computed when the conversation is shown, never stored, for a whole thread at once: one
feature matrix for the thread's flagged texts, multiplied by each flag's linear weights.
Every feature block of the model is a sum over tokens (see ``agora.language.model``), so each
contribution goes back to a position in the message: a word's own weight and its character
n-grams to the word, a known pair of words to the pair, a lexicon signal to the word or
phrase that turned it on. A character n-gram is never shown on its own, only through the
word that contains it. Adjacent contributors merge into one run ("te voy a"), and what is
shown comes from the text with personal data masked as everywhere outside the thread
(``agora.language.rules.mask_personal_data``).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext as _

from agora.inbox.models import Message
from agora.language import model as classifier
from agora.language import rules
from agora.language.normalize import PHRASE_LEXICON, normalize_word
from agora.language.services import MANUAL_VERSION
from agora.language.taxonomy import Flag

log = logging.getLogger(__name__)
MAX_ITEMS = 4
# A contributor weighing less than this share of the strongest one is noise, not a reason.
MIN_SHARE = 0.2

_RAW_WORD = re.compile(r"[\w@$]+|[^\w\s]")
_LINKS = ("url", "url_corto", "url_oficial", "url_guion")


def _placeholder_labels() -> dict[str, str]:
    """The placeholders of the normalised text (personal data, links, figures) as shown."""
    return {
        "dni_dato": _("[DNI]"),
        "telefono_dato": _("[TELÉFONO]"),
        "correo_dato": _("[CORREO]"),
        "placa_dato": _("[PLACA]"),
        "direccion_dato": _("[DIRECCIÓN]"),
        "mencion": _("@[USUARIO]"),
        "url": _("[ENLACE]"),
        "url_corto": _("[ENLACE ACORTADO]"),
        "url_oficial": _("[ENLACE DEL ESTADO]"),
        "url_guion": _("[ENLACE CON GUION]"),
        "dinero_cifra": _("[MONTO]"),
        "porcentaje_cifra": _("[PORCENTAJE]"),
        "ocho_digitos": _("[8 DÍGITOS]"),
        "cifra": _("[NÚMERO]"),
        "cifra_corta": _("[NÚMERO]"),
        "hashtag": "#",
        "emo_grito": _("[GRITO]"),
    }


def _signal_labels() -> dict[str, str]:
    """Signals that no single word turns on."""
    return {
        "mayusculas": _("texto en mayúsculas"),
        "contacto_accion": _("un contacto junto a una oferta"),
        "dinero_ganancia": _("un monto junto a una oferta"),
    }


def _rule_labels() -> dict[str, str]:
    return {
        "dni": _("número de DNI"),
        "telefono": _("número de teléfono"),
        "correo": _("correo electrónico"),
        "placa": _("placa de vehículo"),
        "direccion": _("dirección de domicilio"),
    }


@dataclass(frozen=True)
class Reason:
    """Why a message carries ``flag``: the words that weighed most (strongest first), the
    rules that fired, and whether a person of the team set the message's flags."""

    flag: str
    words: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    by_staff: bool = False


def explain_messages(messages: Sequence[Message]) -> dict[int, dict[str, Reason]]:
    """Each flagged message's reasons, by message id and flag, with the current model (rules
    and staff only when there is none). ``messages`` need pk, text, flags, model_version."""
    flagged = [m for m in messages if m.flags]
    if not flagged:
        return {}
    try:
        model = classifier.load()
    except classifier.ModelError:
        model = None
    texts = [m.text or "" for m in flagged]
    flags = [list(m.flags) for m in flagged]
    by_staff = [m.model_version == MANUAL_VERSION for m in flagged]
    usable = model if isinstance(model, classifier.TrainedModel) else None
    try:
        reasons = explain_texts(texts, flags, model=usable, by_staff=by_staff)
    except Exception:  # an explanation must never cost staff the conversation page
        log.exception("No se pudo explicar las alertas con el modelo vigente")
        reasons = explain_texts(texts, flags, model=None, by_staff=by_staff)
    return {m.pk: found for m, found in zip(flagged, reasons, strict=True)}


def explain_texts(
    texts: Sequence[str],
    flags: Sequence[Sequence[str]],
    *,
    model: classifier.TrainedModel | None,
    by_staff: Sequence[bool] | None = None,
) -> list[dict[str, Reason]]:
    """The reasons of each text for each of its flags (in the order of the flags)."""
    staff = list(by_staff) if by_staff is not None else [False] * len(texts)
    words: list[dict[str, tuple[str, ...]]] = [{} for _text in texts]
    if model is not None:
        wanted = [i for i, own in enumerate(flags) if set(own) & set(classifier.MODEL_FLAGS)]
        if wanted:
            computed = _model_words(model, [texts[i] for i in wanted], flags, wanted)
            for index, contributors in zip(wanted, computed, strict=True):
                words[index] = contributors
    rule_names = _rule_labels()
    out: list[dict[str, Reason]] = []
    for index, (text, own) in enumerate(zip(texts, flags, strict=True)):
        found: dict[str, Reason] = {}
        for flag in own:
            fired: tuple[str, ...] = ()
            if flag == Flag.DATOS_PERSONALES:
                kinds = dict.fromkeys(finding.kind for finding in rules.personal_data(text))
                fired = tuple(rule_names[kind] for kind in kinds if kind in rule_names)
            found[flag] = Reason(
                flag=flag, words=words[index].get(flag, ()), rules=fired, by_staff=staff[index]
            )
        out.append(found)
    return out


# --- the model's contributors ---------------------------------------------------------------


@dataclass
class _Units:
    """A message's contributions to one flag: per word position, per pair of adjacent
    positions, and per signal that no word turned on."""

    single: np.ndarray
    pair: np.ndarray
    other: dict[str, float]


def _model_words(
    model: classifier.TrainedModel,
    texts: Sequence[str],
    flags: Sequence[Sequence[str]],
    rows_of: Sequence[int],
) -> list[dict[str, tuple[str, ...]]]:
    out: list[dict[str, tuple[str, ...]]] = [{} for _text in texts]
    wanted = {
        flag: [row for row in range(len(texts)) if flag in flags[rows_of[row]]]
        for flag in classifier.MODEL_FLAGS
    }
    for flag, units in flag_contributions(model, texts, wanted).items():
        for row, (tokens, unit) in units.items():
            out[row][flag] = _strongest(unit, tokens, texts[row])
    return out


def flag_contributions(
    model: classifier.TrainedModel, texts: Sequence[str], wanted: dict[str, list[int]]
) -> dict[str, dict[int, tuple[list[str], _Units]]]:
    """For each flag, the tokens of each wanted text (by index) and how much each position,
    pair of positions and wordless signal added to the flag's decision value (the intercept
    aside: their sum plus the intercept is the log-odds the model gives)."""
    docs, matrix = model.features(texts)
    matrix = matrix.tocsr()
    vocabulary = model.scorer.vocabulary
    n_words, n_bigrams = len(vocabulary.words), len(vocabulary.bigrams)
    n_grams = len(vocabulary.grams)
    distinct = sorted({token for tokens in docs for token in tokens})
    grams = vocabulary.token_grams(distinct)
    position = {token: i for i, token in enumerate(distinct)}
    gram_norms = np.asarray(grams.multiply(grams).sum(axis=1)).ravel()
    out: dict[str, dict[int, tuple[list[str], _Units]]] = {}
    for flag, rows in wanted.items():
        weights = model.flag_weights(flag)
        if weights is None or not rows:
            continue
        coef = weights[0]
        char_scores = grams @ coef[n_words + n_bigrams : n_words + n_bigrams + n_grams]
        found = out[flag] = {}
        for row in rows:
            tokens = docs[row]
            start, end = matrix.indptr[row], matrix.indptr[row + 1]
            columns = matrix.indices[start:end]
            added = matrix.data[start:end] * coef[columns]
            values = dict(zip(columns.tolist(), added.tolist(), strict=True))
            token_rows = [position[t] for t in tokens]
            found[row] = (
                tokens,
                _units(
                    tokens,
                    values,
                    vocabulary,
                    np.asarray(char_scores[token_rows]),
                    float(np.sqrt(gram_norms[token_rows].sum())),
                ),
            )
    return out


def _units(
    tokens: Sequence[str],
    values: dict[int, float],
    vocabulary: classifier._Vocabulary,
    char_scores: np.ndarray,
    char_norm: float,
) -> _Units:
    """Splits a message's feature contributions (column → value) among its positions."""
    words, bigrams = vocabulary.words, vocabulary.bigrams
    signal_start = len(words) + len(bigrams) + len(vocabulary.grams)
    size = len(tokens)
    single = np.zeros(size)
    pair = np.zeros(max(size - 1, 0))
    other: dict[str, float] = defaultdict(float)
    places: dict[str, list[int]] = defaultdict(list)
    for i, token in enumerate(tokens):
        places[token].append(i)
    pairs: dict[str, list[int]] = defaultdict(list)
    for i in range(size - 1):
        pairs[f"{tokens[i]} {tokens[i + 1]}"].append(i)
    # Word unigrams and bigrams: each occurrence weighs the same.
    for token, where in places.items():
        column = words.get(token)
        if column is not None and column in values:
            single[where] += values[column] / len(where)
    for text, where in pairs.items():
        column = bigrams.get(text)
        if column is not None and len(words) + column in values:
            pair[where] += values[len(words) + column] / len(where)
    # Character n-grams: back to the word they come from (never shown as fragments).
    if char_norm > 0:
        single += char_scores / char_norm
    # Signals: to the words or phrases that turned them on, else named as they are.
    names = classifier._SIGNALS
    for column, value in values.items():
        index = column - signal_start
        if index < 0:
            continue
        name = names[index] if index < len(names) else ""
        on_words = [i for i, token in enumerate(tokens) if classifier._signal_of(token) == index]
        on_pairs = [
            i for text, where in pairs.items() if PHRASE_LEXICON.get(text) == name for i in where
        ]
        share = len(on_words) + len(on_pairs)
        if not share:
            other[name] += value
            continue
        single[on_words] += value / share
        pair[on_pairs] += value / share
    return _Units(single, pair, dict(other))


def _display_forms(text: str) -> dict[str, str]:
    """Normalised word → how the citizen wrote it (lower case), from the masked text."""
    forms: dict[str, str] = {}
    for raw in _RAW_WORD.findall(rules.mask_personal_data(text).lower()):
        words = normalize_word(raw).split()
        if len(words) == 1:
            forms.setdefault(words[0], raw)
    return forms


def _strongest(units: _Units, tokens: Sequence[str], text: str) -> tuple[str, ...]:
    """The runs of words and the signals that weighed most for the flag, strongest first."""
    candidates: list[tuple[float, int, int, str]] = []  # value, first, last, label
    candidates += [(float(v), i, i, "") for i, v in enumerate(units.single) if v > 0]
    candidates += [(float(v), i, i + 1, "") for i, v in enumerate(units.pair) if v > 0]
    labels = _signal_labels()
    candidates += [
        (value, -1, -1, labels.get(name, _("otra señal"))) for name, value in units.other.items()
    ]
    candidates = [c for c in candidates if c[0] > 0]
    if not candidates:
        return ()
    candidates.sort(key=lambda c: -c[0])
    floor = candidates[0][0] * MIN_SHARE
    chosen = [c for c in candidates if c[0] >= floor][:MAX_ITEMS]
    # Overlapping or adjacent-by-a-pair contributors become one run of words.
    spans: list[tuple[float, int, int]] = []  # value, first, last
    named: dict[str, float] = defaultdict(float)
    for value, first, last, label in chosen:
        if label:
            named[label] += value
        else:
            spans.append((value, first, last))
    spans.sort(key=lambda span: span[1])
    merged: list[tuple[float, int, int]] = []
    for value, first, last in spans:
        if merged and first <= merged[-1][2]:
            total, start, end = merged[-1]
            merged[-1] = (total + value, start, max(end, last))
        else:
            merged.append((value, first, last))
    forms = _display_forms(text)
    shown: dict[str, float] = defaultdict(float)
    for value, first, last in merged:
        words = _run(tokens[first : last + 1], forms)
        if words:
            shown[words] += value
    for label, value in named.items():
        shown[label] += value
    ordered = sorted(shown.items(), key=lambda item: -item[1])
    return tuple(words for words, _value in ordered[:MAX_ITEMS])


def _run(tokens: Sequence[str], forms: dict[str, str]) -> str:
    """A run of normalised tokens as the citizen wrote them, placeholders by their label."""
    placeholders = _placeholder_labels()
    shown: list[str] = []
    for i, token in enumerate(tokens):
        # A short or dashed link is "url" followed by its kind: one label is enough.
        if token == _LINKS[0] and i + 1 < len(tokens) and tokens[i + 1] in _LINKS[1:]:
            continue
        if token in placeholders:
            shown.append(placeholders[token])
        elif token.startswith("emo_"):
            shown.append(forms.get(token, _("[EMOJI]")))
        else:
            shown.append(forms.get(token, token))
    return rules.mask_personal_data(" ".join(shown))
