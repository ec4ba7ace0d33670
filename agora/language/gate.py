"""The gate a newly trained model passes before it becomes current.

A candidate and the current model are evaluated on the same test sets:

* ``muestra_real``: the fixed sample of real messages labelled by staff (never trained on,
  agora/language/labelling.py), once it has ``MIN_REAL_SAMPLE`` messages;
* ``reservado``: the held-out split of the shipped corpus (``model.is_held_out``);
* ``corpus_reservado``: the corpus written separately to measure generalisation
  (``agora/language/corpus_reservado/``; never trained on).

**The rule ("not worse")**, on every test set both models were evaluated on:

1. the kind macro-F1 of the candidate is not lower than the current model's by more than
   ``TOLERANCE``;
2. the F1 of each flag present in the set (at least one message with it) is not lower by more
   than ``TOLERANCE``;
3. the share of messages without a threat that the candidate flags as a threat is at most
   ``MAX_THREAT_SHARE``, or not higher than the current model's (a model that already fails
   the target cannot be replaced only by one that fails it less, or equally).

Without a current model (or one this code cannot read) the candidate is accepted. A rejected
candidate is kept (its file and its figures, with the reasons) and is not current; an operator
may force it (``classify_train --forzar``), which is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agora.language import model as classifier
from agora.language.taxonomy import FLAGS, Flag

TOLERANCE = 0.02
MAX_THREAT_SHARE = 0.02
MIN_REAL_SAMPLE = 50
RESERVED_DIR = classifier.CORPUS_DIR.parent / "corpus_reservado"

SET_LABELS = {
    "muestra_real": gettext_lazy("Muestra real etiquetada"),
    "reservado": gettext_lazy("Corpus: parte reservada"),
    "corpus_reservado": gettext_lazy("Corpus escrito aparte"),
}

RULE_TEXT = gettext_lazy(
    "Una versión nueva pasa a ser la vigente solo si no es peor que la vigente en ningún "
    "conjunto de prueba: su F1 macro de tipo y el F1 de cada alerta no bajan más de "
    "%(tolerance)s puntos, y marca como amenaza como máximo el %(threat)s de los mensajes "
    "sin amenaza (o no más que la vigente). Los conjuntos: la muestra real etiquetada por el "
    "personal (desde %(sample)s mensajes; nunca se entrena con ella), la parte reservada del "
    "corpus y el corpus escrito aparte."
)


def rule_text() -> str:
    return str(RULE_TEXT) % {
        "tolerance": number_format(TOLERANCE, 2),
        "threat": "%d %%" % round(MAX_THREAT_SHARE * 100),
        "sample": MIN_REAL_SAMPLE,
    }


def reserved_paths() -> list[Path]:
    return sorted(RESERVED_DIR.glob("*.jsonl"))


def evaluation_sets(
    real_sample: Sequence[classifier.Example],
) -> dict[str, list[classifier.Example]]:
    """The test sets that exist now (the real sample only from ``MIN_REAL_SAMPLE``)."""
    sets: dict[str, list[classifier.Example]] = {}
    if len(real_sample) >= MIN_REAL_SAMPLE:
        sets["muestra_real"] = list(real_sample)
    held_out = [
        e
        for path in classifier.corpus_paths()
        for e in classifier.read_corpus(path)
        if classifier.is_held_out(e.id)
    ]
    if held_out:
        sets["reservado"] = held_out
    reserved = [e for path in reserved_paths() for e in classifier.read_corpus(path)]
    if reserved:
        sets["corpus_reservado"] = reserved
    return sets


def evaluate_set(
    model: classifier.TrainedModel, examples: Sequence[classifier.Example]
) -> dict[str, Any]:
    """``model.evaluate``'s figures plus, per flag, the share of messages flagged and the share
    of the messages without the flag that are flagged (false alarms)."""
    figures = classifier.evaluate(model, examples).as_dict()
    results = model.classify_texts([e.text for e in examples])
    flagged: dict[str, float] = {}
    false_alarm: dict[str, float] = {}
    for flag in FLAGS:
        marks = [flag in r.flags for r in results]
        negatives = [m for m, e in zip(marks, examples, strict=True) if flag not in e.flags]
        flagged[flag] = round(sum(marks) / len(marks), 4)
        false_alarm[flag] = round(sum(negatives) / len(negatives), 4) if negatives else 0.0
    figures["flagged_share"] = flagged
    figures["false_alarm_share"] = false_alarm
    return figures


def evaluate_all(
    model: classifier.TrainedModel, sets: dict[str, list[classifier.Example]]
) -> dict[str, dict[str, Any]]:
    return {name: evaluate_set(model, examples) for name, examples in sets.items()}


@dataclass
class Decision:
    accepted: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        if self.accepted and not self.reasons:
            return _("No es peor que la versión vigente en ningún conjunto de prueba.")
        return " ".join(self.reasons)


def _flag_label(flag: str) -> str:
    return str(Flag(flag).label) if flag in FLAGS else flag


def decide(
    candidate: dict[str, dict[str, Any]], current: dict[str, dict[str, Any]] | None
) -> Decision:
    """The rule of this module's docstring, with the reasons of a rejection in Spanish."""
    if current is None:
        return Decision(True, [_("No había un modelo vigente con el que compararlo.")])
    reasons: list[str] = []
    for name, new in candidate.items():
        old = current.get(name)
        if not old:
            continue
        where = str(SET_LABELS.get(name, name))
        if new["macro_f1"] < old["macro_f1"] - TOLERANCE:
            reasons.append(
                _("%(set)s: el F1 macro de tipo baja de %(old).3f a %(new).3f.")
                % {"set": where, "old": old["macro_f1"], "new": new["macro_f1"]}
            )
        for flag, figures in new["flags"].items():
            before = old["flags"].get(flag)
            if not before or not figures.get("n"):
                continue
            if figures["f1"] < before["f1"] - TOLERANCE:
                reasons.append(
                    _("%(set)s: el F1 de «%(flag)s» baja de %(old).3f a %(new).3f.")
                    % {
                        "set": where,
                        "flag": _flag_label(flag),
                        "old": before["f1"],
                        "new": figures["f1"],
                    }
                )
        threat = Flag.AMENAZA.value
        new_share = new.get("false_alarm_share", {}).get(threat, 0.0)
        old_share = old.get("false_alarm_share", {}).get(threat, 0.0)
        if new_share > MAX_THREAT_SHARE and new_share > old_share:
            reasons.append(
                _(
                    "%(set)s: marca como amenaza el %(new).1f %% de los mensajes sin amenaza "
                    "(máximo %(max).0f %%; la vigente, %(old).1f %%)."
                )
                % {
                    "set": where,
                    "new": new_share * 100,
                    "max": MAX_THREAT_SHARE * 100,
                    "old": old_share * 100,
                }
            )
    return Decision(not reasons, reasons)


def current_model() -> classifier.TrainedModel | None:
    """The current model, or None when there is none or this code cannot read it."""
    try:
        return classifier.load()
    except classifier.ModelError:
        return None
