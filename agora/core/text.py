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
