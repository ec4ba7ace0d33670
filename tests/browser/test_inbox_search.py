"""The inbox search in a real Chromium: from the sign-in page, by clicking (and typing the
words), a communicator finds a conversation by a word of its text, without its accent, and
opens it; the results appear while typing (htmx), the page passes axe-core (WCAG 2.1 AA) and
fits a 375 px screen; without JavaScript the same form gives the same results."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Conversation
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in
from tests.browser.test_language_pages import _open, _sign_in
from tests.inbox.test_views import ingest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

WANTED = "Mi hijo no recibió la vacuna contra el sarampión en la posta de Cayma"


@pytest.fixture
def search_data(site: str, entities: dict[str, Entity]) -> dict[str, Any]:
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    wanted = ingest(account, text=WANTED, author_name="Rosa Quispe")
    for number in range(8):
        ingest(account, text=f"Consulta {number} sobre el horario de atención <b>{number}</b>")
    return {"wanted": wanted}


def _find_and_open(page: Page, wanted: Conversation) -> None:
    """Types an accent-free word in the search box and opens the conversation found."""
    box = page.get_by_label("Buscar en los mensajes")
    box.click()
    box.press_sequentially("sarampion", delay=30)
    results = page.locator("#resultados")
    # htmx swaps the results while typing: no button pressed.
    expect(results.locator(".search-snippet mark").first).to_have_text("sarampión")
    expect(results.locator(".conversation-item")).to_have_count(1)
    assert "q=sarampion" in page.url
    page.wait_for_load_state("networkidle")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    results.get_by_role("link").filter(has_text=re.compile("vacuna")).first.click()
    page.wait_for_load_state("networkidle")
    # Leaving the box for the result does not ask for the list again (that request pushed the
    # list's address and cancelled the click, now and then).
    assert not [url for url in asked if "/bandeja/?" in url]
    assert page.url.endswith(f"/bandeja/{wanted.pk}/")
    expect(page.locator(".thread")).to_contain_text(WANTED)
    axe_clean(page, "conversación encontrada")


@pytest.mark.parametrize("size", ["escritorio", "375px"])
def test_communicator_finds_a_conversation_by_a_word_from_sign_in(
    site: str,
    search_data: dict[str, Any],
    communicator: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
    size: str,
) -> None:
    browser_page = page if size == "escritorio" else mobile_page
    sign_in(browser_page, site, communicator)
    open_inbox(browser_page)
    browser_page.wait_for_load_state("networkidle")
    _find_and_open(browser_page, search_data["wanted"])
    assert page_log.problems() == []


def test_search_results_pass_axe_and_fit_a_phone(
    site: str,
    search_data: dict[str, Any],
    communicator: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    path = "/bandeja/?q=atencion"
    for browser_page in (page, mobile_page):
        _sign_in(browser_page, site, communicator)
        _open(browser_page, site + "/bandeja/")
        box = browser_page.get_by_label("Buscar en los mensajes")
        box.fill("atencion")
        expect(browser_page.locator(".search-snippet mark").first).to_have_text("atención")
        expect(browser_page.locator("#resultados .conversation-item")).to_have_count(8)
    axe_clean(page, path)
    fits_phone(mobile_page, path)
    # And on the phone, the conversation found opens and fits.
    box = mobile_page.get_by_label("Buscar en los mensajes")
    box.fill("")
    _find_and_open(mobile_page, search_data["wanted"])
    fits_phone(mobile_page, "conversación")
    assert page_log.problems() == []


def test_search_works_without_javascript(
    site: str,
    search_data: dict[str, Any],
    communicator: User,
    browser: Any,
) -> None:
    context = browser.new_context(java_script_enabled=False, locale="es-PE")
    try:
        plain = context.new_page()
        _sign_in(plain, site, communicator)
        _open(plain, site + "/bandeja/")
        plain.get_by_label("Buscar en los mensajes").fill("SARAMPIÓN")
        plain.get_by_role("button", name="Filtrar").click()
        plain.wait_for_load_state()
        expect(plain.locator(".search-snippet mark")).to_have_text("sarampión")
        plain.get_by_label("Buscar en los mensajes").fill('"(vacuna*')
        plain.get_by_role("button", name="Filtrar").click()
        expect(plain.locator(".search-snippet mark")).to_have_text("vacuna")
        plain.get_by_label("Buscar en los mensajes").fill("*")
        plain.get_by_role("button", name="Filtrar").click()
        expect(plain.get_by_role("alert")).to_contain_text("Escriba al menos 2 letras")
    finally:
        context.close()
