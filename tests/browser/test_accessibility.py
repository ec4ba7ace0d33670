"""Public pages in a real Chromium: WCAG 2.1 AA (axe-core), small screens, keyboard use,
the search and look-up forms, and a clean console (no errors, no CSP violations)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _lookup(query: str) -> str:
    return "/directorio/verificar/?" + urlencode({"q": query})


# Every public page, in every state worth checking; the id names the state.
APP_PAGES = {
    "inicio": "/",
    "directorio": "/directorio/",
    "directorio-busqueda": "/directorio/?q=salud",
    "directorio-filtrado-paginado": "/directorio/?nivel=local&departamento=04",
    "directorio-filtrado-pagina-2": "/directorio/?nivel=local&departamento=04&pagina=2",
    "directorio-filtro-invalido": "/directorio/?nivel=galactico",
    "directorio-sin-resultados": "/directorio/?q=zzzzzz",
    "entidad-con-cuentas": "/directorio/minsa/",
    "entidad-con-adscritas": "/directorio/mp-0401/",
    "verificar": "/directorio/verificar/",
    "verificar-verificada": _lookup("@Minsa_Peru"),
    "verificar-suplantacion": _lookup("@MinsaPeru_"),
    "verificar-no-registrada": _lookup("https://www.tiktok.com/@cuenta_cualquiera"),
    "verificar-invalida": _lookup("¿¿??"),
    "verificar-vacia": _lookup(""),
    "datos": "/datos/",
    "ingresar": "/cuenta/ingresar/",
    "no-encontrada": "/esta-pagina-no-existe/",
}
API_DOCS = {"api-docs": "/api/v1/docs/"}
PUBLIC_PAGES = {**APP_PAGES, **API_DOCS}


def _open(page: Page, site: str, path: str, *, rendered: bool = True) -> None:
    """Loads ``path`` and, unless told not to, checks that the page was built."""
    response = page.goto(site + path)
    assert response is not None
    expected = 404 if path == APP_PAGES["no-encontrada"] else 200
    assert response.status == expected, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")
    if rendered:
        _expect_rendered(page, path)


def _expect_rendered(page: Page, path: str) -> None:
    if path in API_DOCS.values():
        # Swagger UI builds the page in the browser: test what it renders, not an empty div.
        title = page.locator(".swagger-ui .info h2.title")
        expect(title, "Swagger UI did not render").to_be_visible()


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page_has_no_wcag21_aa_violations(site: str, page: Page, path: str) -> None:
    """axe-core finds no WCAG 2.1 A/AA violation on any public page."""
    _open(page, site, path)
    axe_clean(page, path)


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page_fits_a_phone_screen(site: str, mobile_page: Page, path: str) -> None:
    """At 375×740 nothing scrolls sideways and the page's main heading is visible."""
    _open(mobile_page, site, path)
    scroll_width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= MOBILE["width"], f"{path} is {scroll_width}px wide"
    heading = mobile_page.locator("h1, h2.title").first
    expect(heading).to_be_visible()
    box = heading.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= MOBILE["width"]


@pytest.mark.parametrize("path", PUBLIC_PAGES.values(), ids=PUBLIC_PAGES.keys())
def test_public_page_console_is_clean(site: str, page: Page, page_log: PageLog, path: str) -> None:
    """No console error, uncaught exception, CSP violation or failed sub-request."""
    _open(page, site, path, rendered=False)
    assert page_log.problems() == []
    _expect_rendered(page, path)


@pytest.mark.parametrize("path", APP_PAGES.values(), ids=APP_PAGES.keys())
def test_skip_link_is_first_tab_stop_and_moves_focus_to_main(
    site: str, page: Page, path: str
) -> None:
    """The first Tab reaches a visible «Saltar al contenido principal»; Enter focuses <main>."""
    _open(page, site, path)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.outerHTML")
    assert focused == (
        '<a class="skip-link" href="#contenido">Saltar al contenido principal</a>'
    ), f"first Tab stop on {path}: {focused}"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#contenido")).to_be_focused()


def test_stylesheet_is_served_with_the_page(site: str, page: Page) -> None:
    """The hashed stylesheet named by the page is served as CSS and applied."""
    _open(page, site, "/")
    href = page.eval_on_selector("link[rel=stylesheet]", "link => link.href")
    response = page.request.get(href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/css")
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Times" not in font


def test_search_form_finds_the_ministry_of_health_on_a_phone(site: str, mobile_page: Page) -> None:
    """Typing «minsa» in the directory search and submitting lists «Ministerio de Salud»."""
    _open(mobile_page, site, "/directorio/")
    mobile_page.get_by_label("Buscar por nombre o siglas").fill("minsa")
    mobile_page.get_by_role("button", name="Buscar", exact=True).click()
    mobile_page.wait_for_url("**/directorio/?*q=minsa*")
    results = mobile_page.locator("ol.results")
    expect(results.get_by_role("link", name="Ministerio de Salud", exact=True)).to_be_visible()


@pytest.mark.parametrize("start", ["/", "/directorio/verificar/"], ids=["inicio", "verificar"])
def test_lookup_form_warns_of_an_impostor_on_a_phone(
    site: str, mobile_page: Page, start: str
) -> None:
    """Pasting «@MinsaPeru_» says it is not official and names the real «@Minsa_Peru»."""
    _open(mobile_page, site, start)
    mobile_page.get_by_label("Dirección (URL) o nombre de usuario de la cuenta").fill("@MinsaPeru_")
    mobile_page.get_by_role("button", name="Comprobar").click()
    mobile_page.wait_for_url("**/directorio/verificar/?*")
    verdict = mobile_page.locator("section.verdict")
    expect(verdict.get_by_role("heading")).to_contain_text("No registrada como oficial")
    expect(verdict).to_contain_text("podría ser una suplantación")
    expect(verdict.locator(".warning")).to_contain_text("@Minsa_Peru")
    expect(verdict.locator(".warning")).to_contain_text("Ministerio de Salud")


WORDS_ON_ONE_LINE = """() => [...document.querySelectorAll('.account-platform, .account-handle')]
  .map(el => { const r = document.createRange(); r.selectNodeContents(el);
               return [el.textContent, r.getClientRects().length]; })
  .filter(([, lines]) => lines > 1)"""


@pytest.mark.parametrize(
    "path",
    [APP_PAGES["verificar-suplantacion"], APP_PAGES["entidad-con-cuentas"]],
    ids=["verificar-suplantacion", "entidad-con-cuentas"],
)
def test_account_names_are_not_split_mid_word_on_a_phone(
    site: str, mobile_page: Page, path: str
) -> None:
    """At 375 px a platform name («Facebook») or a handle («@Minsa_Peru») stays on one line."""
    _open(mobile_page, site, path)
    assert mobile_page.locator(".account").count() > 0
    assert mobile_page.evaluate(WORDS_ON_ONE_LINE) == []


VERDICTS = {
    "verificar-verificada": "Cuenta oficial verificada",
    "verificar-suplantacion": "No registrada como oficial",
    "verificar-no-registrada": "No registrada como oficial",
    "verificar-invalida": "No se reconoce la cuenta",
}


@pytest.mark.parametrize("state", VERDICTS.keys())
def test_lookup_states_checked_above_show_their_verdict(site: str, page: Page, state: str) -> None:
    """Each look-up page given to axe really is in the state its name says."""
    _open(page, site, APP_PAGES[state])
    expect(page.locator("#veredicto")).to_contain_text(VERDICTS[state])
    warning = page.locator("section.verdict .warning")
    expect(warning).to_have_count(1 if state == "verificar-suplantacion" else 0)
