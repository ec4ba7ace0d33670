"""The evaluation sets of ``classify_eval`` and a hook for any labelled sample.

By default a model is measured on two sets, reported separately:

* the held-out split of the shipped corpus (``model.is_held_out``: 20 % of parts a–e, never
  trained on): the same style as the training part;
* ``corpus_reservado/`` (written separately, by another writer, never trained or tuned on): how
  the model generalises to text it was not written like;

and on the *real labelled sample* (messages of the inbox labelled by staff in the labelling
queue, never trained on: ``labelling.labelled_examples().test``) when it has any message.
``evaluate_examples(model, examples)`` takes any labelled examples, and ``classify_eval
--sample FILE.jsonl`` reads more from a JSONL file of the corpus format.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agora.language import gate, rules
from agora.language import model as classifier


def reserved_paths() -> list[Path]:
    """The separately written test corpus: every ``*.jsonl`` under ``corpus_reservado/``."""
    return gate.reserved_paths()


@dataclass
class Section:
    """One evaluation set: its Spanish title, where it comes from and the figures."""

    key: str
    title: str
    source: str
    evaluation: classifier.Evaluation
    spam_links: tuple[int, int]  # non-spam messages with a link: flagged as spam, all

    def as_dict(self) -> dict[str, Any]:
        flagged, total = self.spam_links
        return {
            "clave": self.key,
            "titulo": self.title,
            "origen": self.source,
            "spam_en_enlaces_no_spam": {"marcados": flagged, "total": total},
            **self.evaluation.as_dict(),
        }


def _spam_on_ordinary_links(
    examples: Sequence[classifier.Example], results: Sequence[classifier.Result]
) -> tuple[int, int]:
    flagged = total = 0
    for example, result in zip(examples, results, strict=True):
        if "spam" in example.flags or not rules._URL.search(example.text):
            continue
        total += 1
        flagged += "spam" in result.flags
    return flagged, total


def evaluate_examples(
    model: classifier.TrainedModel,
    examples: Sequence[classifier.Example],
    *,
    key: str = "muestra",
    title: str = "Muestra real etiquetada",
    source: str = "",
) -> Section:
    """The figures of ``model`` on labelled ``examples`` (e.g. the never-trained-on sample of
    real messages labelled in the inbox): per kind and per flag precision, recall, F1 and the
    share of messages flagged, kind macro-F1."""
    evaluation = classifier.evaluate(model, examples)
    results = model.classify_texts([e.text for e in examples])
    return Section(key, title, source, evaluation, _spam_on_ordinary_links(examples, results))


def read_examples(paths: Iterable[Path | str], errors: list[str]) -> list[classifier.Example]:
    return [e for path in paths for e in classifier.read_corpus(path, errors=errors)]


def default_sections(
    model: classifier.TrainedModel,
    errors: list[str],
    samples: Sequence[str] = (),
    real_sample: Sequence[classifier.Example] = (),
) -> list[Section]:
    """The held-out split of the shipped corpus, ``corpus_reservado`` (when present), the real
    labelled sample of the inbox (``labelling.labelled_examples().test``, when it has any
    message) and each labelled sample file given."""
    sections: list[Section] = []
    corpus = [str(p) for p in classifier.corpus_paths()]
    held_out = [e for e in read_examples(corpus, errors) if classifier.is_held_out(e.id)]
    if held_out:
        sections.append(
            evaluate_examples(
                model,
                held_out,
                key="corpus_reservadas",
                title="Parte reservada del corpus (20 % de las partes a–e, nunca entrenada)",
                source=", ".join(corpus),
            )
        )
    reserved = [str(p) for p in reserved_paths()]
    reserved_examples = read_examples(reserved, errors)
    if reserved_examples:
        sections.append(
            evaluate_examples(
                model,
                reserved_examples,
                key="corpus_reservado",
                title="Corpus reservado (escrito aparte, nunca entrenado ni ajustado)",
                source=", ".join(reserved),
            )
        )
    if real_sample:
        sections.append(
            evaluate_examples(
                model,
                real_sample,
                key="muestra_real",
                title="Muestra real etiquetada de la bandeja (nunca entrenada)",
                source="cola de etiquetado (base de datos)",
            )
        )
    for sample in samples:
        examples = read_examples([sample], errors)
        if examples:
            sections.append(
                evaluate_examples(
                    model,
                    examples,
                    key="muestra",
                    title="Muestra real etiquetada (nunca entrenada)",
                    source=sample,
                )
            )
    return sections


def format_section(section: Section) -> str:
    flagged, total = section.spam_links
    lines = [
        "== %s ==" % section.title,
        "Origen: %s" % section.source,
        classifier.format_evaluation(section.evaluation),
    ]
    if total:
        lines.append(
            "Spam en mensajes con enlace que no son spam: %d de %d (%.1f %%)"
            % (flagged, total, 100 * flagged / total)
        )
    return "\n".join(lines)
