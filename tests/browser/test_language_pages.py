"""Language pages in a real Chromium: the public help page and the staff watch-list, matches
and allies pages pass axe-core (WCAG 2.1 AA), fit a 375 px screen and log no console error or
CSP violation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Message, ThreadKind
from agora.language import watchlists
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.helpers import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

HELP = "/lenguaje/ayuda/"
STAFF_PAGES = {
    "vigilancia": ("/lenguaje/vigilancia/", "Listas de vigilancia"),
    "vigilancia-nueva": ("/lenguaje/vigilancia/nueva/", "Nueva lista de vigilancia"),
    "coincidencias": ("/lenguaje/vigilancia/coincidencias/", "Coincidencias de las listas"),
    "coincidencias-error": (
        "/lenguaje/vigilancia/coincidencias/?desde=2026-05-10&hasta=2026-05-01",
        "Coincidencias de las listas",
    ),
    "aliados": ("/lenguaje/aliados/", "Aliados"),
}


def _axe_clean(page: Page, path: str) -> None:
    axe_clean(page, path)


def _fits_phone(page: Page, path: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{path} is {width}px wide"
    heading = page.locator("h1").first
    expect(heading).to_be_visible()


def _open(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")


def test_help_page_passes_axe(site: str, page: Page, page_log: PageLog) -> None:
    _open(page, site + HELP)
    expect(page.locator("h1")).to_contain_text("Cómo leemos los mensajes")
    _axe_clean(page, HELP)
    assert page_log.problems() == []


def test_help_page_fits_a_phone(site: str, mobile_page: Page) -> None:
    _open(mobile_page, site + HELP)
    _fits_phone(mobile_page, HELP)


@pytest.fixture
def staff_data(
    site: str,
    rector: User,
    manager: User,
    entities: dict[str, Entity],
    verified_account: SocialAccount,
) -> None:
    """A MINSA list with matches over two days and a constructive (demo) citizen."""
    watchlists.watchlist_create(
        actor=manager,
        entity=entities["minsa"],
        name="Dengue y zancudos",
        queries='dengue OR zancudo\n"agua estancada" NOT fumigación',
    )
    now = timezone.now()
    for n, text in enumerate(["Hay dengue en mi barrio", "agua estancada en la esquina"]):
        inbox.messages_ingest(
            batch=[
                inbox.IncomingMessage(
                    platform=verified_account.platform,
                    account_id=verified_account.pk,
                    thread_kind=ThreadKind.COMMENTS,
                    thread_id=f"t{n}",
                    message_id=f"m{n}",
                    sent_at=now - timedelta(hours=2),
                    text=text,
                    author_id=f"vecina-{n}",
                    author_name=f"Vecina {n}",
                )
            ],
            is_demo=True,
            now=now - timedelta(days=n),
        )
    Message.objects.filter(platform_message_id="m0").update(kind="sugerencia", flags=[])


def _sign_in(page: Page, site: str, user: User) -> None:
    client = login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


@pytest.mark.parametrize("name", STAFF_PAGES.keys())
def test_staff_page_passes_axe_and_fits_a_phone(
    site: str,
    staff_data: None,
    manager: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
    name: str,
) -> None:
    path, heading = STAFF_PAGES[name]
    for browser_page in (page, mobile_page):
        _sign_in(browser_page, site, manager)
        _open(browser_page, site + path)
        expect(browser_page.locator("h1")).to_contain_text(heading)
    _axe_clean(page, path)
    _fits_phone(mobile_page, path)
    assert page_log.problems() == []


def test_matches_chart_has_a_text_alternative(
    site: str, staff_data: None, manager: User, page: Page
) -> None:
    _sign_in(page, site, manager)
    _open(page, site + STAFF_PAGES["coincidencias"][0])
    chart = page.get_by_role("img", name="Coincidencias por día")
    expect(chart).to_be_visible()
    page.get_by_text("Tabla de coincidencias por día").click()
    table = page.get_by_role("table", name="Coincidencias por día")
    expect(table).to_be_visible()
    expect(page.locator(".watch-latest li")).to_have_count(2)
