"""Action-plan pages in a real Chromium: WCAG 2.1 AA (axe-core), 375 px phones without
sideways scrolling, and a clean console (no CSP violations: the timeline is plain SVG)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from agora.commitments import demo, public_data
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.browser.test_accessibility import _open

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

PAGES = {
    "tablero": "/compromisos/",
    "tablero-filtrado": "/compromisos/?plan=2015&estado=sin_dato",
    "tablero-pagina-2": "/compromisos/?pagina=2",
    "tablero-sin-resultados": "/compromisos/?q=zzzz",
    "plan-2015": "/compromisos/planes/2015/",
    "plan-demo": "/compromisos/planes/2091/",
    "compromiso-con-evaluacion": "/compromisos/PE0065/",
    "compromiso-titulo-en-ingles": "/compromisos/PE0001/",
    "compromiso-demo": "/compromisos/DEMO-01-001/",
    "metodologia": "/compromisos/metodologia/",
}


@pytest.fixture
def plans_site(site: str) -> str:
    public_data.load()
    demo.plans_create_demo(plans=1, commitments=4, milestones=5)
    return site


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_commitment_page_has_no_wcag21_aa_violations(
    plans_site: str, page: Page, path: str
) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation."""
    _open(page, plans_site, path)
    axe_clean(page, path)


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_commitment_page_fits_a_phone_screen(plans_site: str, mobile_page: Page, path: str) -> None:
    """At 375 px nothing scrolls sideways (wide tables scroll inside their own box)."""
    _open(mobile_page, plans_site, path)
    scroll_width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= MOBILE["width"], f"{path} is {scroll_width}px wide"
    expect(mobile_page.locator("h1").first).to_be_visible()


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_commitment_page_console_is_clean(
    plans_site: str, page: Page, page_log: PageLog, path: str
) -> None:
    _open(page, plans_site, path)
    assert page_log.problems() == []


def test_progress_is_readable_as_text_and_timeline_has_a_table(plans_site: str, page: Page) -> None:
    _open(page, plans_site, "/compromisos/DEMO-01-001/")
    expect(page.locator(".cm-percent").first).to_contain_text("% de avance")
    expect(page.locator("svg[role=img] title").first).not_to_be_empty()
    expect(page.get_by_role("table", name="Hitos del compromiso")).to_be_visible()
