"""Spanish text folding shared by search, look-ups and (later) the language module."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text: 'Perú  SALUD' -> 'peru salud'.

    The eñe is kept as 'n' on purpose: people type "Canete" for "Cañete" as often as not.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def csv_cell(value: object) -> str:
    """A CSV cell as text; a leading = + - @ (or tab, carriage return) is quoted so that
    spreadsheets never run citizen-written text as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + text
    return text
