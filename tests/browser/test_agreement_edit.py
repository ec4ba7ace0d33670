"""The secretariat's agreement edit page in a real Chromium: WCAG 2.1 AA (axe-core) with and
without errors, 375 px screens, a clean console, and a correction made from the browser that
the public follow-up page shows at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity
from agora.participation import services
from agora.participation.models import Agreement
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.helpers import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

MANAGE = "/participa/foros/foro-acuerdos/gestion/"
EDIT = "/participa/foros/foro-acuerdos/gestion/acuerdos/1/"
PUBLIC = "/participa/foros/foro-acuerdos/acuerdos/"


@pytest.fixture
def agreement_site(site: str, rector: User, entities: dict[str, Entity]) -> str:
    forum = services.forum_save(
        actor=rector,
        slug="foro-acuerdos",
        name="Foro de acuerdos",
        sector="Salud",
        scope="nacional",
        purpose="Probar la edición de acuerdos.",
    )
    for title, days in (("Primera sesión", 9), ("Segunda sesión", 2)):
        services.session_schedule(
            actor=None,
            system=True,
            forum=forum,
            title=title,
            starts_at=timezone.now() - timedelta(days=days),
            agenda="1. Apertura",
        )
    services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        is_demo=True,
        draft=services.AgreementDraft(
            text="Publicar el reglamento interno",
            responsible="Oficina de Participación",
            responsible_entity=entities["minsa"],
            session=forum.sessions.get(number=1),
            due_date=timezone.localdate() + timedelta(days=20),
            decision_kind="resolucion",
            decision_direction="deriva_de",
            decision_reference="R.M. 1-2026",
        ),
    )
    return site


def _sign_in(page: Page, site: str, user: User) -> None:
    cookie = login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _open(page: Page, site: str, path: str) -> None:
    response = page.goto(site + path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")


def test_edit_page_has_no_wcag21_aa_violations(
    agreement_site: str, page: Page, page_log: PageLog, rector: User
) -> None:
    _sign_in(page, agreement_site, rector)
    _open(page, agreement_site, EDIT)
    axe_clean(page, page.url)
    assert page_log.problems() == []


def test_edit_page_with_errors_has_no_wcag21_aa_violations(
    agreement_site: str, page: Page, page_log: PageLog, rector: User
) -> None:
    _sign_in(page, agreement_site, rector)
    _open(page, agreement_site, EDIT)
    page.fill("#id_responsible_entity", "noexiste")
    page.fill("#id_decision_reference", "")
    page.get_by_role("button", name="Guardar cambios").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("alert")).to_contain_text("No se guardó ningún cambio")
    axe_clean(page, page.url)
    assert Agreement.objects.get().responsible_entity is not None
    assert Agreement.objects.get().decision_reference == "R.M. 1-2026"


def test_edit_page_fits_a_phone_screen(
    agreement_site: str, mobile_page: Page, rector: User
) -> None:
    _sign_in(mobile_page, agreement_site, rector)
    _open(mobile_page, agreement_site, EDIT)
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{EDIT} is {width}px wide"


def test_secretariat_corrects_an_agreement_from_the_browser(
    agreement_site: str, page: Page, page_log: PageLog, rector: User, entities: dict[str, Entity]
) -> None:
    _sign_in(page, agreement_site, rector)
    _open(page, agreement_site, MANAGE)
    page.get_by_role("link", name="Editar el acuerdo 1").click()
    page.wait_for_load_state("networkidle")
    page.fill("#id_responsible_entity", "minedu")
    page.fill("#id_text", "Publicar el reglamento interno corregido")
    page.select_option("#id_decision_direction", "conduce_a")
    page.select_option("#id_session", str(Agreement.objects.get().forum.sessions.get(number=2).pk))
    page.get_by_role("button", name="Guardar cambios").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Acuerdo 1 actualizado.")).to_be_visible()
    agreement = Agreement.objects.get()
    assert agreement.responsible_entity == entities["minedu"]
    assert agreement.session is not None and agreement.session.number == 2

    public = page.context.browser.new_page() if page.context.browser else page
    _open(public, agreement_site, PUBLIC)
    table = public.get_by_role("table")
    expect(table).to_contain_text("Publicar el reglamento interno corregido")
    expect(table).to_contain_text(entities["minedu"].name)
    expect(table).to_contain_text("El acuerdo conduce a la decisión")
    expect(table).to_contain_text("Sesión 2")
    assert page_log.problems() == []
