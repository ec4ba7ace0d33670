"""The rector office sees what the background workers left undone (issue 16): signs in, opens
the rector's dashboard from «Mi trabajo», reads «Trabajo en segundo plano» (a task that failed
every attempt, named) and gives it new attempts with one button. The page passes axe-core.
With AGORA_SHOTS_DIR set, screenshots at 1366 and 375 px are written there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import AuditEvent, OutboxTask, User
from agora.core.outbox import MAX_ATTEMPTS
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog, _watch
from tests.browser.journeys import axe_clean, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


def _shot(page: Page, name: str) -> None:
    target = os.environ.get("AGORA_SHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name), full_page=False)


def _to_dashboard(page: Page, site: str, rector: User) -> None:
    sign_in(page, site, rector)
    page.get_by_role("link", name="Tablero del ente rector").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tablero del ente rector")


def test_the_rector_sees_a_failed_task_and_retries_it(
    site: str, rector: User, page: Page, page_log: PageLog
) -> None:
    OutboxTask.objects.create(
        func="agora.reports.tasks.run_report",
        args=[123],
        failed=True,
        attempts=MAX_ATTEMPTS,
        last_error="RuntimeError: el servidor de informes no respondió",
    )
    page.set_viewport_size({"width": 1366, "height": 900})
    _to_dashboard(page, site, rector)
    section = page.get_by_role("region", name="Trabajo en segundo plano")
    expect(section).to_contain_text("agora.reports.tasks.run_report")
    expect(section.get_by_role("row", name="fallaron todos sus intentos")).to_contain_text("1")
    axe_clean(page, "tablero del ente rector con una tarea fallida")
    _shot(page, "trabajo-en-segundo-plano-1366.png")
    section.get_by_role("button", name="Reintentar las tareas fallidas").click()
    expect(page.get_by_text("1 tarea(s) fallida(s) se intentarán de nuevo.")).to_be_visible()
    row = OutboxTask.objects.get()
    assert not row.failed and row.attempts == 0
    assert AuditEvent.objects.filter(verb="tareas.reintentadas", actor=rector).exists()
    assert page_log.problems() == []

    # The same person on a phone (same session: a second-factor code cannot be used twice).
    phone = page.context.new_page()
    phone.set_viewport_size(MOBILE)
    _watch(phone, page_log)
    phone.goto(site + "/equipo/")
    phone.get_by_role("link", name="Tablero del ente rector").first.click()
    # Retried, the task now waits for the next sweep (every minute).
    waiting = phone.get_by_role("region", name="Trabajo en segundo plano")
    expect(waiting.get_by_role("row", name="aún no terminan")).to_contain_text("1")
    expect(waiting.get_by_role("button", name="Reintentar las tareas fallidas")).to_have_count(0)
    _shot(phone, "trabajo-en-segundo-plano-375.png")
    phone.close()
