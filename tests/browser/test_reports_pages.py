"""The public scoreboard, its methodology and a staff report page in a real Chromium: WCAG 2.1
AA (axe-core) with the SVG charts drawn, a phone-sized screen, and a clean console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.models import ThreadKind
from agora.reports import services as report_services
from agora.reports import tasks
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.helpers import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

PUBLIC = {
    "indicadores": "/indicadores/",
    "indicadores-orden-plazo": "/indicadores/?orden=plazo&nivel=nacional",
    "indicadores-filtro-invalido": "/indicadores/?nivel=galactico",
    "indicadores-metodologia": "/indicadores/metodologia/",
}


@pytest.fixture
def scored_site(site: str, verified_account: SocialAccount) -> str:
    """MINSA with 25 recent conversations (20 answered): enough for rates and a chart."""
    start = timezone.now() - timedelta(days=3)
    events = []
    for i in range(25):
        at = start + timedelta(minutes=7 * i)
        thread = f"b-{i}"
        events.append(
            services.IncomingMessage(
                platform=verified_account.platform,
                account_id=verified_account.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id=thread,
                message_id=f"b-in-{i}",
                sent_at=at,
                text="¿Dónde saco cita para pediatría?",
                author_id=f"ciudadano-{i}",
                author_name="Ana Pérez",
                from_entity=False,
            )
        )
        if i < 20:
            events.append(
                services.IncomingMessage(
                    platform=verified_account.platform,
                    account_id=verified_account.pk,
                    thread_kind=ThreadKind.DIRECT,
                    thread_id=thread,
                    message_id=f"b-out-{i}",
                    sent_at=at + timedelta(hours=1),
                    text="Gracias por escribir.",
                    from_entity=True,
                )
            )
    services.messages_ingest(batch=events)
    return site


def _axe(page: Page, path: str) -> None:
    axe_clean(page, path)


@pytest.mark.parametrize("path", PUBLIC.values(), ids=PUBLIC.keys())
def test_scoreboard_pages_pass_axe_fit_a_phone_and_log_nothing(
    scored_site: str, page: Page, mobile_page: Page, page_log: PageLog, path: str
) -> None:
    response = page.goto(scored_site + path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    if path.startswith("/indicadores/?orden") or path == "/indicadores/":
        expect(page.locator("svg[role=img] desc").first).to_have_count(1)
    _axe(page, path)
    mobile_page.goto(scored_site + path)
    mobile_page.wait_for_load_state("networkidle")
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{path} is {width}px wide"
    assert page_log.problems() == []


def test_staff_report_page_passes_axe(
    scored_site: str,
    context: BrowserContext,
    page: Page,
    page_log: PageLog,
    communicator: User,
    entities: dict[str, object],
) -> None:
    today = timezone.localdate()
    run = report_services.report_run_request(
        actor=communicator,
        entity=entities["minsa"],  # type: ignore[arg-type]
        start=today - timedelta(days=29),
        end=today,
    )
    tasks.run_report(run.pk)
    client = Client()
    client.force_login(communicator)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": scored_site,
            }
        ]
    )
    path = f"/informes/{run.pk}/"
    response = page.goto(scored_site + path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    expect(page.locator("svg[role=img]").first).to_be_visible()
    _axe(page, path)
    index = "/informes/"
    page.goto(scored_site + index)
    page.wait_for_load_state("networkidle")
    _axe(page, index)
    assert page_log.problems() == []


def test_rector_dashboard_passes_axe(
    scored_site: str, context: BrowserContext, page: Page, page_log: PageLog, rector: User
) -> None:
    """The rector office's dashboard (signed in with the second factor)."""
    client = login(Client(), rector)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": scored_site,
            }
        ]
    )
    path = "/informes/tablero/"
    response = page.goto(scored_site + path)
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    _axe(page, path)
    assert page_log.problems() == []
