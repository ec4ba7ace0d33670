"""Getting to the work in a real Chromium, by clicking only from the sign-in page (issue 13):
a communicator reaches the inbox through the header's "Bandeja" (with its unread count) and
through a queue of "Mi trabajo"; a citizen sees no staff menu and gets a clear 403 on a
staff page. The pages pass axe-core (WCAG 2.1 AA) at desktop size and fit 375 px."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.models import Conversation
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in
from tests.inbox.test_views import ingest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


@pytest.fixture
def work(
    site: str, entities: dict[str, Entity], communicator: User, manager: User
) -> dict[str, Conversation]:
    """Three MINSA conversations waiting for an answer: one assigned to the communicator."""
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    convs = {
        name: ingest(account, text=text, author_id=name)
        for name, text in (
            ("mia", "¿Dónde me vacuno contra la influenza?"),
            ("libre", "¿Hasta cuándo hay citas en el hospital?"),
            ("otra", "¿Cómo saco mi carné de vacunación?"),
        )
    }
    services.conversation_assign(conversation=convs["mia"], actor=manager, assignee=communicator)
    return convs


def test_communicator_reaches_the_inbox_from_the_header_and_from_a_queue(
    site: str,
    work: dict[str, Conversation],
    communicator: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    sign_in(page, site, communicator)
    expect(page.locator("h1")).to_contain_text("Hola")  # "Mi trabajo" after signing in
    axe_clean(page, "/equipo/")
    header = page.get_by_role("navigation", name="Navegación principal")
    inbox_link = header.get_by_role("link", name="Bandeja, 3 sin leer")
    expect(inbox_link).to_be_visible()
    inbox_link.click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("Bandeja de mensajes")
    expect(page.get_by_role("navigation", name="Colas de trabajo")).to_be_visible()
    axe_clean(page, "/bandeja/")
    # Back to "Mi trabajo" through the header, then the queue "Mías".
    header.get_by_role("link", name="Mi trabajo").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name=re.compile(r"^1 Mías")).click()
    page.wait_for_load_state("networkidle")
    assert "cola=mias" in page.url
    rows = page.locator(".conversation-list > li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("vacuno")
    # Opening it marks it seen: the header's count goes down by one.
    rows.first.get_by_role("link").first.click()
    page.wait_for_load_state("networkidle")
    expect(header.get_by_role("link", name="Bandeja, 2 sin leer")).to_be_visible()
    assert page_log.problems() == []

    sign_in(mobile_page, site, communicator)
    fits_phone(mobile_page, "/equipo/")
    axe_clean(mobile_page, "/equipo/ (375 px)")
    mobile_page.get_by_role("link", name=re.compile(r"^Bandeja")).first.click()
    mobile_page.wait_for_load_state("networkidle")
    fits_phone(mobile_page, "/bandeja/")
    assert page_log.problems() == []


def test_a_citizen_sees_no_staff_menu_and_a_clear_403_on_staff_pages(
    site: str,
    make_user: Callable[..., User],
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    citizen = make_user("vecino")
    for browser_page in (page, mobile_page):
        sign_in(browser_page, site, citizen)
        expect(browser_page.locator("h1")).to_contain_text("Hola")
        header = browser_page.get_by_role("navigation", name="Navegación principal")
        for staff_menu in ("Bandeja", "Mi trabajo", "Vigilancia"):
            expect(header.get_by_role("link", name=re.compile(staff_menu))).to_have_count(0)
        expect(header.get_by_role("link", name="Mi cuenta")).to_be_visible()
        axe_clean(browser_page, "/equipo/ (ciudadano)")
    fits_phone(mobile_page, "/equipo/ (ciudadano)")
    response = page.goto(site + "/bandeja/")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_contain_text("Acceso no permitido")
    expect(page.get_by_text("solo para el personal de las entidades")).to_be_visible()
    axe_clean(page, "403")
    assert page_log.problems() == []
