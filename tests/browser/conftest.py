"""Browser fixtures: Debian's Chromium driven by Playwright against pytest-django's live server.

The data are the shared real entities, MINSA's verified account and every municipality of
Arequipa (enough entities for a paginated, filtered list).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from agora.core.models import User
from agora.directory import public_data, services
from agora.directory.models import Entity, SocialAccount

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures and
# by the live server's request handling are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = (
    "Browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)."
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOBILE: ViewportSize = {"width": 375, "height": 740}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}

AREQUIPA_PREFIXES = ("gr-04", "mp-04", "md-04")


def _no_static_handler(app: Any) -> Any:
    """Lets /static/ requests reach WhiteNoise, as in production, instead of the finders."""
    return app


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The static files as ``make static`` collects them (hashed, compressed), made afresh
    so that pages are tested with the current CSS rather than a stale var/static."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


@pytest.fixture(scope="session")
def live_server(
    request: pytest.FixtureRequest, django_db_setup: None, collected_static: Path
) -> Iterator[LiveServer]:
    """pytest-django's live server, with static files served by WhiteNoise from STATIC_ROOT.

    pytest-django serves /static/ through Django's finders, which know nothing of the hashed
    names that the manifest storage puts in pages, so every stylesheet would be a 404.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    server.thread.static_handler = _no_static_handler  # type: ignore[assignment]
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@dataclass
class PageLog:
    """Console errors and CSP violations seen by a page, and failed requests."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [*self.console_errors, *self.csp_violations, *self.failed_requests]


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def _watch(page: Page, log: PageLog) -> None:
    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if text.startswith("Failed to load resource") and message.location["url"] == page.url:
            return  # the document's own status (a 404 page) is asserted by the test itself
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            log.csp_violations.append(f"{page.url}: {text}")
        elif message.type == "error":
            log.console_errors.append(f"{page.url}: {text}")

    def on_response(response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            log.failed_requests.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: log.console_errors.append(f"{page.url}: {error}"))
    page.on("response", on_response)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="es-PE")
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, page_log: PageLog) -> Page:
    page = context.new_page()
    _watch(page, page_log)
    return page


@pytest.fixture
def mobile_page(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    context = browser.new_context(
        viewport=MOBILE,
        locale="es-PE",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    _watch(page, page_log)
    yield page
    context.close()


@pytest.fixture
def site(
    transactional_db: None,
    live_server: Any,
    entities: dict[str, Entity],
    verified_account: SocialAccount,
    rector: User,
) -> str:
    """The live server's base URL, with MINSA's verified account and Arequipa's municipalities."""
    services.entities_load(
        rows=[row for row in public_data.all_rows() if row["code"].startswith(AREQUIPA_PREFIXES)]
    )
    services.account_verify(
        actor=rector,
        account=services.account_propose(
            actor=rector,
            entity=entities["minsa"],
            platform="facebook",
            url="https://www.facebook.com/minsaperu",
            evidence="Enlace desde https://www.gob.pe/minsa",
        ),
    )
    return str(live_server.url)
