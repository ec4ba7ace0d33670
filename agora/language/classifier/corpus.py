"""The labelled corpus: its lines, how a bad line is reported, and the held-out split."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agora.core.errors import DomainError
from agora.language.taxonomy import FLAGS, KINDS, Flag

CORPUS_DIR = Path(__file__).resolve().parent.parent / "corpus"


class CorpusError(DomainError):
    """A corpus file that cannot be read."""


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    kind: str
    flags: tuple[str, ...] = ()


# Parts written after the held-out figures were first published, to train on: their lines are
# never held out, so the held-out split stays the one of parts a–e (untouched by later work).
TRAINING_ONLY_PREFIXES = ("f-", "g-", "h-", "i-")
# Parts written to teach the flags (spam and its hard negatives): the kind model does not
# learn from them.
FLAG_ONLY_PREFIXES = ("f-",)
# Parts written for some flags only, whose other flags' cases were not written to be
# representative: those flags' models do not learn (nor choose their thresholds) from them.
# Part h was written for spam (ordinary messages with links) and threats (calls to violence
# and violence as news); its insults are incidental.
FLAG_EXCLUDED_PREFIXES: dict[str, tuple[str, ...]] = {
    Flag.INSULTO.value: ("h-",),
    Flag.AMENAZA.value: ("h-",),
}


def is_held_out(example_id: str) -> bool:
    """The deterministic test split (20 % of parts a–e): training never sees these lines."""
    if example_id.startswith(TRAINING_ONLY_PREFIXES):
        return False
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


def json_error_reason(error: ValueError) -> str:
    """A Spanish reason for a line that is not JSON (Python's own message is in English)."""
    column = getattr(error, "colno", None)
    if column is None:
        return "JSON inválido"
    return "JSON inválido (columna %d)" % column


def _parse_line(raw: bytes) -> Example:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError("no es texto UTF-8 válido") from error
    try:
        data = json.loads(line)
    except ValueError as error:
        raise ValueError(json_error_reason(error)) from error
    return example_from_dict(data)


def read_corpus(path: Path | str, *, errors: list[str] | None = None) -> list[Example]:
    """Every line of a labelled JSONL file. A bad line stops with its number, or, when
    ``errors`` is given, is reported there («archivo, línea N: motivo») and skipped."""
    examples = []
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                examples.append(_parse_line(raw))
            except ValueError as error:
                reason = "%(path)s, línea %(line)d: %(error)s" % {
                    "path": path,
                    "line": number,
                    "error": error,
                }
                if errors is None:
                    raise CorpusError(reason) from error
                errors.append(reason)
    return examples
