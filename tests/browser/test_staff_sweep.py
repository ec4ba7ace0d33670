"""Issue #17, point 7: no invisible control on any staff page. Each staff role signs in and
clicks every link of «Mi trabajo», then every staff link of the pages it reached (two levels),
and each page passes axe-core (WCAG 2.1 AA) and the contrast check of every visible control
(journeys.controls_readable), on a desktop screen and on a 375 px phone (which it must fit)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from agora.core.models import User
from agora.directory.models import SocialAccount
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in
from tests.inbox.test_views import ingest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

STAFF = re.compile(
    r"^/(?:equipo|bandeja|informes|lenguaje|entidad|compromisos/equipo|participa/.+/gestion|capacitacion/gestion|publicaciones)/"
)
DOWNLOAD = re.compile(r"\.(?:csv|xlsx|pdf|json|ics)$|/exportar|/descargar|/admin/")
MAX_PAGES = 40


def _staff_links(page: Page) -> list[str]:
    hrefs = page.locator("main a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    found = []
    for href in hrefs:
        path = urlsplit(href).path if href else ""
        if STAFF.match(path) and not DOWNLOAD.search(path) and path not in found:
            found.append(path)
    return found


def _click_to(page: Page, path: str) -> None:
    # Links folded in a <details> are found once it is open (axe_clean opens them).
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    page.locator(
        f'main a[href="{path}"], main a[href^="{path}?"], main a[href^="{path}#"]'
    ).first.click()
    page.wait_for_load_state("networkidle")


def _open(page: Page, home: str, parent: str) -> None:
    """«Mi trabajo» in the header, then the link to ``parent`` when it is not that page."""
    header = page.get_by_role("navigation", name="Navegación principal")
    header.get_by_role("link", name=re.compile("^(Mi trabajo|Mi cuenta)$")).click()
    page.wait_for_load_state("networkidle")
    if parent != home:
        _click_to(page, parent)


def _sweep(page: Page, site: str, user: User, *, phone: bool) -> list[str]:
    sign_in(page, site, user)
    home = page.url
    visited = [urlsplit(home).path]
    queue = [(urlsplit(home).path, path) for path in _staff_links(page)]
    while queue and len(visited) < MAX_PAGES:
        parent, path = queue.pop(0)
        if path in visited:
            continue
        if urlsplit(page.url).path != parent:
            _open(page, visited[0], parent)  # back to the page that shows the link, by clicks
        _click_to(page, path)
        visited.append(path)
        where = f"{path} ({'375 px' if phone else 'escritorio'}, {user.get_username()})"
        axe_clean(page, where)
        if phone:
            fits_phone(page, where)
        if parent == visited[0]:
            queue += [(path, child) for child in _staff_links(page) if child not in visited]
    return visited


@pytest.fixture
def work(site: str, verified_account: SocialAccount) -> str:
    ingest(verified_account, text="¿Dónde me vacuno contra la influenza?", author_id="barrido")
    return site


@pytest.mark.parametrize("who", ["rector", "manager", "communicator"])
def test_every_staff_page_reached_by_clicks_is_readable(
    work: str,
    who: str,
    request: pytest.FixtureRequest,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    user: User = request.getfixturevalue(who)
    visited = _sweep(page, work, user, phone=False)
    assert len(visited) >= 4, visited
    _sweep(mobile_page, work, user, phone=True)
    assert page_log.problems() == []
