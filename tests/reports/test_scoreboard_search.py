"""Issue #17, point 4: the scoreboard a journalist can use: search by name or acronym, only
entities with figures, figures with their definitions next to them, an entity's page with its
month-by-month history, one number format (es-PE: decimal comma)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.models import User
from agora.core.numbers import number, percent
from agora.directory.models import Entity, SocialAccount
from agora.reports.scoreboard import entity_history
from tests.helpers import make_verified_account
from tests.reports.test_scoreboard import _batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def recent(
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    """MINSA: 25 conversations two days ago, 20 answered within an hour; SUNAT: 3; Arequipa's
    regional government (first by name) a verified account and no message."""
    make_verified_account(rector, entities["gr-04"], "facebook", "grarequipa", "3003")
    _batch(minsa_account, timezone.now() - timedelta(days=2), 25, answered=20)
    _batch(sunat_account, timezone.now() - timedelta(days=2), 3, answered=1)


def _entity_rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/indicadores/entidad/([\w-]+)/">', page)


def test_numbers_are_written_one_way() -> None:
    assert number(80) == "80"
    assert number(80.04, 1) == "80,0"
    assert number(0.05, 1) == "0,1"
    assert number(1234) == "1234"
    assert number(12345.67, 1) == "12\u00a0345,7"
    assert number(1234567) == "1\u00a0234\u00a0567"
    assert number(-3.25, 1) == "-3,2" or number(-3.25, 1) == "-3,3"
    assert number(None) == "—"
    assert percent(40) == "40,0\u00a0%"


def test_opens_with_the_entities_that_have_figures(client: Client, recent: None) -> None:
    page = client.get(reverse("indicators:scoreboard")).content.decode()
    rows = _entity_rows(page)
    assert rows[0] == "minsa" and rows[-1] == "gr-04"
    assert sorted(rows, key=lambda code: Entity.objects.get(code=code).name)[0] == "gr-04"
    # 20 of 25 answered: the same decimal comma in the table and in the chart.
    assert "80,0\u00a0%" in page
    assert not re.search(r"\d\.\d\u00a0?%", page)


def test_search_by_name_acronym_and_words_without_accents(client: Client, recent: None) -> None:
    url = reverse("indicators:scoreboard")
    assert _entity_rows(client.get(url, {"q": "minsa"}).content.decode()) == ["minsa"]
    by_name = _entity_rows(client.get(url, {"q": "ministerio salud"}).content.decode())
    assert by_name == ["minsa"]
    accented = Entity.objects.get(code="sunat")
    assert _entity_rows(client.get(url, {"q": accented.name.lower()}).content.decode()) == ["sunat"]
    page = client.get(url, {"q": "zzz-ninguna"}).content.decode()
    assert _entity_rows(page) == [] and "No hay entidades que coincidan" in page


def test_only_entities_with_enough_messages(client: Client, recent: None) -> None:
    url = reverse("indicators:scoreboard")
    everyone = _entity_rows(client.get(url).content.decode())
    assert "sunat" in everyone
    with_data = _entity_rows(client.get(url, {"con_datos": "1"}).content.decode())
    assert with_data == ["minsa"]


def test_every_figure_has_its_definition_on_the_page(client: Client, recent: None) -> None:
    page = client.get(reverse("indicators:scoreboard")).content.decode()
    definitions = page.split('<details class="definitions"', 1)[1].split("</details>", 1)[0]
    for term in (
        "Mensajes recibidos",
        "Respondido",
        "Mediana de primera respuesta",
        "Dentro del plazo",
        "Insuficiente",
        "Tendencia",
        "¿Por qué una mediana corta con un porcentaje bajo dentro del plazo?",
    ):
        assert f"<dt>{term}" in definitions, term


def test_entity_page_with_its_history(client: Client, recent: None) -> None:
    scoreboard_page = client.get(reverse("indicators:scoreboard")).content.decode()
    link = reverse("indicators:entity", args=["minsa"])
    assert f'href="{link}"' in scoreboard_page
    page = client.get(link).content.decode()
    assert "Ministerio de Salud" in page and reverse("directory:entity", args=["minsa"]) in page
    assert "Mes a mes" in page and '<details class="definitions"' in page
    history = entity_history(Entity.objects.get(code="minsa"))
    assert len(history) == 12 and sum(month.received for month in history) == 25
    assert history[0].month == timezone.localdate().replace(day=1) or history[1].received
    assert "80,0\u00a0%" in page


def test_unknown_entity_is_a_spanish_404(client: Client) -> None:
    response = client.get(reverse("indicators:entity", args=["no-existe"]))
    assert response.status_code == 404
    assert "encontr" in response.content.decode().lower()
