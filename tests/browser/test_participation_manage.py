"""The secretariat's forum management page (admission request with its document, members and
their representatives, agreements) and the public pages that show representatives, linked
commitments and agreements with their responsible entity, in a real Chromium: WCAG 2.1 AA
(axe-core), 375 px screens, a clean console; a representative named from the browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.commitments.models import ActionPlan, Commitment
from agora.core.models import User
from agora.directory.models import Entity
from agora.participation import services
from agora.participation.models import (
    CitizenVerification,
    MemberOrganisation,
    Representative,
    StakeholderType,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean
from tests.helpers import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

MANAGE = "/participa/foros/foro-gestion/gestion/"
PAGES = {
    "gestion": MANAGE,
    "foro": "/participa/foros/foro-gestion/",
    "acuerdos": "/participa/foros/foro-gestion/acuerdos/",
}


@pytest.fixture
def managed_site(site: str, rector: User, entities: dict[str, Entity]) -> str:
    forum = services.forum_save(
        actor=rector,
        slug="foro-gestion",
        name="Foro de gestión",
        sector="Ambiente",
        scope="nacional",
        purpose="Probar la gestión.",
        requirements=["Constancia de existencia legal"],
    )
    services.seat_rule_set(
        actor=rector,
        forum=forum,
        stakeholder_type=StakeholderType.SOCIEDAD_CIVIL,
        min_seats=1,
        max_seats=3,
    )
    organisation = MemberOrganisation.objects.create(
        name="Colectivo Demo", stakeholder_type=StakeholderType.SOCIEDAD_CIVIL, is_demo=True
    )
    membership = services.membership_add(
        actor=rector,
        forum=forum,
        organisation=organisation,
        term_start=timezone.localdate() - timedelta(days=10),
        is_demo=True,
    )
    services.representative_set(
        actor=rector, membership=membership, role="titular", full_name="Rosa Demo", is_demo=True
    )
    User.objects.create_user(username="alterna", email="alterna@example.pe", password="x" * 12)
    citizen = User.objects.create_user(
        username="solicitante@example.pe", email="solicitante@example.pe", password="x" * 12
    )
    CitizenVerification.objects.create(
        user=citizen, email=citizen.email, verified_at=timezone.now()
    )
    services.admission_request_submit(
        actor=citizen,
        forum=forum,
        organisation_name="Red Nueva",
        stakeholder_type=StakeholderType.SOCIEDAD_CIVIL,
        vote="voz_y_voto",
        checklist={"Constancia de existencia legal": True},
        documents_in=[
            ("Constancia", SimpleUploadedFile("c.pdf", b"%PDF-1.4 x", "application/pdf"))
        ],
    )
    session = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Primera sesión",
        starts_at=timezone.now() - timedelta(days=2),
        agenda="1. Apertura",
    )
    services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        draft=services.AgreementDraft(
            text="Publicar el reglamento interno",
            responsible="Oficina de Participación",
            responsible_entity=entities["minsa"],
            session=session,
            due_date=timezone.localdate() + timedelta(days=20),
            decision_kind="resolucion",
            decision_direction="conduce_a",
            decision_reference="R.M. 1-2026",
        ),
    )
    plan = ActionPlan.objects.create(cycle=2025, title="Plan de Acción 2025", commission=forum)
    Commitment.objects.create(plan=plan, code="PE0100", title="Transparencia ambiental")
    return site


def _sign_in(page: Page, site: str, user: User) -> None:
    cookie = login(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": site}])


def _open(page: Page, site: str, path: str) -> None:
    response = page.goto(site + path)
    assert response is not None and response.status == 200, path
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_wcag21_aa_violations(
    managed_site: str, page: Page, page_log: PageLog, rector: User, path: str
) -> None:
    _sign_in(page, managed_site, rector)
    _open(page, managed_site, path)
    axe_clean(page, path)
    assert page_log.problems() == []


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_fits_a_phone_screen(
    managed_site: str, mobile_page: Page, rector: User, path: str
) -> None:
    _sign_in(mobile_page, managed_site, rector)
    _open(mobile_page, managed_site, path)
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{path} is {width}px wide"


def test_secretariat_names_an_alterno_from_the_browser(
    managed_site: str, page: Page, page_log: PageLog, rector: User
) -> None:
    _sign_in(page, managed_site, rector)
    _open(page, managed_site, MANAGE)
    membership_id = Representative.objects.get(full_name="Rosa Demo").membership_id
    page.select_option(f"#rol-{membership_id}", "alterno")
    page.fill(f"#login-{membership_id}", "alterna@example.pe")
    page.fill(f"#nombre-{membership_id}", "Alterna Quispe")
    page.get_by_role("button", name="Nombrar representante").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Representante registrado.")).to_be_visible()
    alterno = Representative.objects.get(role="alterno", is_active=True)
    assert alterno.user is not None and alterno.user.username == "alterna"
    assert alterno.full_name == "Alterna Quispe"
    assert page_log.problems() == []
