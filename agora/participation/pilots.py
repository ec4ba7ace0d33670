"""The two real pilot forums of commitment PE0066 (Ambiente, Vivienda), read from
``data/pilot_forums.json`` and loaded idempotently by ``agora load_public_data``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agora.participation import services

DATA = Path(__file__).resolve().parent / "data" / "pilot_forums.json"


def pilot_rows() -> list[dict[str, Any]]:
    payload = json.loads(DATA.read_text(encoding="utf-8"))
    return [{**row, "source": payload["source"]} for row in payload["forums"]]


def pilots_load() -> services.LoadResult:
    return services.forums_load(rows=pilot_rows())
