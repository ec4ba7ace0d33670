"""Issue #17, points 4, 5 and 7 walked in a real Chromium, by clicks only after the first page
(axe-clean with the contrast check, desktop and 375 px): a journalist finds an entity on the
scoreboard and opens its month-by-month page; a citizen finds a commitment whose title Ágora
translated and reads why it has no milestones; the rector pages through the dashboard; on a
phone the page's own heading is in the first screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.commitments import public_data as commitments_data
from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in
from tests.helpers import make_verified_account
from tests.reports.test_scoreboard import _batch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


def _first_screen(page: Page) -> None:
    """The page's own heading starts in the top third of a phone's screen."""
    box = page.locator("main h1").bounding_box()
    assert box is not None and box["y"] < MOBILE["height"] / 3, box


@pytest.fixture
def figures(site: str, verified_account: SocialAccount) -> str:
    _batch(verified_account, timezone.now() - timedelta(days=2), 25, answered=20)
    return site


def test_a_journalist_finds_an_entity_and_its_history(
    figures: str, page: Page, mobile_page: Page, page_log: PageLog
) -> None:
    for browser_page, size in ((page, "escritorio"), (mobile_page, "375 px")):
        browser_page.goto(figures + "/")
        browser_page.get_by_role("navigation", name="Navegación principal").get_by_role(
            "link", name="Indicadores"
        ).click()
        expect(browser_page.locator("h1")).to_contain_text("¿Cuán rápido responde")
        if browser_page is mobile_page:
            _first_screen(browser_page)
            fits_phone(browser_page, "/indicadores/")
        browser_page.get_by_label("Buscar entidad").fill("ministerio salud")
        browser_page.get_by_role("button", name="Aplicar").click()
        rows = browser_page.locator("table.scoreboard tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("80,0")
        axe_clean(browser_page, f"/indicadores/?q= ({size})")
        rows.first.get_by_role("link", name=re.compile("Ministerio de Salud")).click()
        expect(browser_page.get_by_role("heading", name="Mes a mes")).to_be_visible()
        expect(browser_page.get_by_text("Qué significa cada cifra").first).to_be_visible()
        axe_clean(browser_page, f"/indicadores/entidad/minsa/ ({size})")
        if browser_page is mobile_page:
            fits_phone(browser_page, "/indicadores/entidad/minsa/")
        browser_page.get_by_role("link", name="Ficha de la entidad y sus cuentas oficiales").click()
        expect(browser_page.locator("h1")).to_contain_text("Ministerio de Salud")
    assert page_log.problems() == []


def test_a_citizen_reads_a_translated_commitment_and_why_it_has_no_milestones(
    site: str, page: Page, mobile_page: Page, page_log: PageLog
) -> None:
    commitments_data.load()
    for browser_page, size in ((page, "escritorio"), (mobile_page, "375 px")):
        browser_page.goto(site + "/")
        browser_page.get_by_role("navigation", name="Navegación principal").get_by_role(
            "link", name="Compromisos"
        ).click()
        browser_page.get_by_label("Buscar").first.fill("reclamos de salud")
        browser_page.get_by_role("button", name=re.compile("Buscar|Aplicar|Filtrar")).first.click()
        result = browser_page.get_by_role("link", name=re.compile("PE0088"))
        expect(result).to_contain_text("Permitir que la ciudadanía presente reclamos")
        result.click()
        expect(browser_page.get_by_text("Traducción de Ágora").first).to_be_visible()
        expect(browser_page.get_by_text("Ágora no inventa hitos")).to_be_visible()
        axe_clean(browser_page, f"/compromisos/PE0088/ ({size})")
        if browser_page is mobile_page:
            _first_screen(browser_page)
            fits_phone(browser_page, "/compromisos/PE0088/")
    assert page_log.problems() == []


@pytest.fixture
def many_inactive(site: str, rector: User, entities: dict[str, Entity]) -> str:
    """Twelve verified accounts with no activity: more than a dashboard page."""
    for number in range(12):
        make_verified_account(
            rector, entities["minsa"], "facebook", f"minsa-region-{number}", f"9{number:03d}"
        )
    return site


def test_the_rector_pages_through_the_dashboard(
    many_inactive: str, rector: User, page: Page, mobile_page: Page, page_log: PageLog
) -> None:
    for browser_page, size in ((page, "escritorio"), (mobile_page, "375 px")):
        sign_in(browser_page, many_inactive, rector)
        browser_page.get_by_role("link", name="Tablero del ente rector").first.click()
        expect(browser_page.locator("h1")).to_contain_text("Tablero del ente rector")
        if browser_page is mobile_page:
            _first_screen(browser_page)
            fits_phone(browser_page, "/informes/tablero/")
        contents = browser_page.get_by_role("navigation", name="En esta página")
        contents.get_by_role("link", name=re.compile("Cuentas verificadas sin actividad")).click()
        pages = browser_page.get_by_role(
            "navigation", name=re.compile("Páginas de «Cuentas verificadas sin actividad")
        )
        expect(pages).to_contain_text(re.compile(r"Filas 1 a 10 de 1[2-9]"))
        total = re.search(r"de (\d+)", pages.inner_text())
        assert total is not None
        pages.get_by_role("link", name="Siguiente »").click()
        expect(
            browser_page.get_by_role(
                "navigation", name=re.compile("Páginas de «Cuentas verificadas sin actividad")
            )
        ).to_contain_text(f"Filas 11 a {total.group(1)} de {total.group(1)}")
        axe_clean(browser_page, f"/informes/tablero/ ({size})")
    assert page_log.problems() == []
