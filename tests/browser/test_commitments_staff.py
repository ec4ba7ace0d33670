"""The staff page for a commitment's milestones in a real Chromium: the list with its add
form, the edit form and a refused entry (Spanish error) pass axe-core (WCAG 2.1 AA), fit a
375 px screen and log no console error or CSP violation; a milestone added from the browser
is saved and the progress shown is recomputed."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from agora.commitments import services
from agora.commitments.models import ActionPlan, Commitment, MilestoneStatus, PlanStatus
from agora.core.models import User
from agora.directory.models import Entity
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.browser.test_accessibility import _open
from tests.helpers import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

LIST = "/compromisos/equipo/PE9101/hitos/"


def _sign_in(page: Page, site: str, user: User) -> None:
    cookie = login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _axe_clean(page: Page, path: str) -> None:
    axe_clean(page, path)


@pytest.fixture
def commitment(site: str, rector: User, entities: dict[str, Entity]) -> Commitment:
    plan = ActionPlan.objects.create(
        cycle=2025, title="Plan de prueba", status=PlanStatus.IMPLEMENTACION
    )
    commitment = Commitment.objects.create(
        plan=plan,
        code="PE9101",
        title="Padrón de organizaciones de la sociedad civil",
        lead_entity=entities["minsa"],
    )
    for index in range(2):
        services.milestone_add(
            actor=rector,
            commitment=commitment,
            activity=f"Actividad {index + 1} con una descripción algo larga para la tabla",
            start_month=datetime.date(2025, 1 + index, 1),
            end_month=datetime.date(2025, 6 + index, 1),
            status=MilestoneStatus.COMPLETADO if index == 0 else MilestoneStatus.NO_INICIADO,
        )
    return commitment


def _pages(commitment: Commitment) -> dict[str, str]:
    first = commitment.milestones.get(order=1)
    return {"lista": LIST, "editar": f"{LIST}{first.pk}/", "compromiso": "/compromisos/PE9101/"}


@pytest.mark.parametrize("name", ["lista", "editar", "compromiso"])
def test_milestone_pages_pass_axe_fit_a_phone_and_log_nothing(
    site: str,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
    manager: User,
    commitment: Commitment,
    name: str,
) -> None:
    path = _pages(commitment)[name]
    _sign_in(page, site, manager)
    _open(page, site, path)
    _axe_clean(page, path)
    _sign_in(mobile_page, site, manager)
    _open(mobile_page, site, path)
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{path} is {width}px wide"
    expect(mobile_page.locator("h1").first).to_be_visible()
    assert page_log.problems() == []


def test_a_milestone_added_in_the_browser_updates_the_progress(
    site: str, page: Page, page_log: PageLog, manager: User, commitment: Commitment
) -> None:
    _sign_in(page, site, manager)
    _open(page, site, "/compromisos/PE9101/")
    page.get_by_role("link", name="Editar hitos").click()
    expect(page.locator(".cm-percent").first).to_contain_text("50")

    # A milestone that ends before it starts: refused in Spanish, and the page stays clean.
    page.get_by_label("Actividad").fill("Publicar el padrón")
    page.get_by_label("Mes de inicio").fill("2025-09")
    page.get_by_label("Mes de término").fill("2025-07")
    page.get_by_role("button", name="Agregar hito").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("antes de empezar")
    _axe_clean(page, "error")
    assert commitment.milestones.count() == 2

    page.get_by_label("Mes de término").fill("2025-12")
    page.get_by_role("button", name="Agregar hito").click()
    expect(page.get_by_role("table", name="Hitos del compromiso")).to_contain_text(
        "Publicar el padrón"
    )
    expect(page.locator(".cm-percent").first).to_contain_text("33")
    assert page_log.problems() == []
