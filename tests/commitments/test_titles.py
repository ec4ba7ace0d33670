"""Issue #17, point 5: every commitment has a Spanish title (the plan's official wording where
the sources have it, otherwise Ágora's translation, marked as such), an honest note where the
public record has no milestones, and no internal notes on public pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from agora.commitments import public_data
from agora.commitments.models import Commitment
from agora.participation import pilots
from tests.commitments.test_data import national_entities  # noqa: F401

DATA = public_data.read_data()

# Words that give an English title away (OGP's listing is in English).
_ENGLISH = re.compile(
    r"\b(?:the|and|of|for|with|to|improve|strengthen|implement|access|open|citizens?|online)\b",
    re.IGNORECASE,
)


def test_every_commitment_has_a_spanish_title_official_or_translated() -> None:
    rows = DATA["commitments"]
    assert len(rows) == 104
    official = [r for r in rows if r.get("title")]
    translated = [r for r in rows if r.get("title_translation")]
    assert not {r["code"] for r in official} & {r["code"] for r in translated}
    assert len(official) + len(translated) == 104
    for row in translated:
        text = row["title_translation"]
        assert not _ENGLISH.search(text), (row["code"], text)
        assert text != row["ogp_title"]


@pytest.mark.django_db
@pytest.mark.usefixtures("national_entities")
def test_pages_mark_the_translation_and_keep_ogps_english_title(client: Client) -> None:
    public_data.load()
    translated = Commitment.objects.get(code="PE0088")
    assert translated.display_title == (
        "Permitir que la ciudadanía presente reclamos de salud en línea"
    )
    assert translated.title_is_translation and not translated.title_is_english
    page = client.get(translated.get_absolute_url()).content.decode()
    assert "Traducción de Ágora" in page
    assert '<span lang="en">Enabling Citizens to Submit Health Complaints Online</span>' in page
    official = Commitment.objects.get(code="PE0065")
    assert not official.title_is_translation
    assert "Traducción de Ágora" not in client.get(official.get_absolute_url()).content.decode()
    listing = client.get(reverse("commitments:dashboard"), {"q": "reclamos de salud"})
    text = listing.content.decode()
    assert "PE0088" in text and "traducción de Ágora del título en inglés de OGP" in text
    assert 'lang="en"' not in text.split("PE0088", 1)[1].split("</h3>", 1)[0]


@pytest.mark.django_db
@pytest.mark.usefixtures("national_entities")
def test_without_milestones_the_page_says_why(client: Client) -> None:
    public_data.load()
    bare = Commitment.objects.get(code="PE0001")
    assert not bare.milestones.exists()
    page = client.get(bare.get_absolute_url()).content.decode()
    assert "no sus hitos" in page and "Ágora no inventa hitos" in page
    with_milestones = Commitment.objects.get(code="PE0065")
    assert (
        "Ágora no inventa hitos"
        not in client.get(with_milestones.get_absolute_url()).content.decode()
    )
    listing = client.get(reverse("commitments:plan", args=[2012])).content.decode()
    assert "las fuentes públicas no detallan sus hitos" in listing


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _strings(v)]
    if isinstance(value, list):
        return [t for v in value for t in _strings(v)]
    return []


def test_public_data_carries_no_internal_notes() -> None:
    """What pages show from the data files (sources, notes) never speaks of the project's own
    working files ("seed 004 del proyecto")."""
    internal = re.compile(r"\bseeds?\s*\d|\bdel proyecto\b(?! de)", re.IGNORECASE)
    shown = _strings(pilots.pilot_rows()) + _strings(
        {k: v for k, v in DATA.items() if k != "sources"}
    )
    leaks = [text for text in shown if internal.search(text)]
    assert leaks == []
