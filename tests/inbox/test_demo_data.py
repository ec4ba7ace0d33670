"""The demo's wording lives in data files next to ``agora/inbox/demo.py`` (issue #19): they ship
with the package and hold what the generator needs."""

from __future__ import annotations

import tomllib
from pathlib import Path

from agora.inbox import demo

ROOT = Path(__file__).resolve().parents[2]


def test_the_data_files_ship_with_the_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "*.json" in config["tool"]["setuptools"]["package-data"]["*"]
    assert demo.DATA_DIR == ROOT / "agora" / "inbox" / "demo_data"
    assert sorted(p.name for p in demo.DATA_DIR.glob("*.json")) == ["phrases.json", "topics.json"]


def test_every_sector_has_every_kind_of_text() -> None:
    sectors = {*demo.SECTOR_OF.values(), "general", "regional", "municipal"}
    assert sectors <= set(demo.TOPICS)
    for topics in demo.TOPICS.values():
        assert topics.posts and topics.quejas and topics.denuncias and topics.sugerencias
        assert all(len(pair) == 2 for pair in topics.consultas) and topics.consultas
    for phrases in (demo.PRAISE, demo.INSULTS, demo.SPAM, demo.THREATS, demo.PERSONAL_DATA):
        assert phrases and all(isinstance(text, str) and text for text in phrases)
    # Personal data only ever with the fictitious numbers.
    assert all("{dni}" in text or "{phone}" in text for text in demo.PERSONAL_DATA)
