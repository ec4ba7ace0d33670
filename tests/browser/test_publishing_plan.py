"""Publishing with a plan in a real Chromium, by clicking from the sign-in page: MINSA's
communicator opens the content plan, drafts a post that breaks two guidelines (third person,
a challenge hashtag), sees both findings, fixes one and sends it for approval; she has no
button to approve it (and the service refuses her); the manager finds it in "Por aprobar" and
approves it. Every page passes axe-core (WCAG 2.1 AA), on the desktop and at 375 px."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.publishing import services
from agora.publishing.models import ContentPlan, PlannedPost, PostStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

DRAFT = "El Ministerio de Salud informa que la vacunación empieza el lunes #VacunaChallenge"
FIXED = "Te invitamos a vacunarte desde el lunes en nuestros centros de salud #VacunaChallenge"


@pytest.fixture
def plan(site: str, communicator: User, entities: dict[str, Entity]) -> ContentPlan:
    today = timezone.localdate()
    return services.plan_create(
        actor=communicator,
        entity=entities["minsa"],
        title="Campaña de vacunación",
        period_start=today,
        period_end=today + dt.timedelta(days=40),
        objectives="Que las familias sepan dónde y cuándo vacunarse.",
        accounts=SocialAccount.objects.filter(entity=entities["minsa"]),
        themes=["Vacunación"],
    )


def _to_publishing(page: Page) -> None:
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Publicaciones"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publicaciones con plan")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("link", name="Ingreso del personal")).to_be_visible()


def _findings(page: Page) -> str:
    return (
        page.locator(".pub-findings").inner_text() if page.locator(".pub-findings").count() else ""
    )


def _communicator_drafts_and_sends(page: Page, site: str, communicator: User) -> PlannedPost:
    sign_in(page, site, communicator)
    _to_publishing(page)
    axe_clean(page, "planes de contenidos")
    page.get_by_role("link", name="Campaña de vacunación").click()
    expect(page.get_by_role("heading", name="Calendario de publicaciones")).to_be_visible()
    axe_clean(page, "plan, vista de mes")
    page.get_by_role("link", name="Semana", exact=True).click()
    expect(page.get_by_text("Semana del")).to_be_visible()
    axe_clean(page, "plan, vista de semana")
    page.get_by_role("link", name="Nueva publicación").click()
    axe_clean(page, "editor de publicación")
    page.get_by_label("Título interno").fill("Inicio de la vacunación")
    expect(page.get_by_label("Texto para Facebook")).to_be_visible()
    page.get_by_label("X (antes Twitter) @Minsa_Peru").check()
    # Only the chosen network's box stays, with its live count against X's 280.
    expect(page.get_by_label("Texto para Facebook")).to_be_hidden()
    page.get_by_label("Texto para X (antes Twitter)").fill(DRAFT)
    expect(page.get_by_text(f"{len(DRAFT)} / 280 caracteres")).to_be_visible()
    day = timezone.localdate() + dt.timedelta(days=3)
    page.get_by_label("Fecha de publicación").fill(day.isoformat())
    page.get_by_label("Hora (Lima)").fill("10:00")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inicio de la vacunación")
    findings = page.locator(".pub-findings")
    expect(findings).to_contain_text("Lineamiento 15")
    expect(findings).to_contain_text("Lineamiento 26")
    expect(findings).to_contain_text("#VacunaChallenge")
    axe_clean(page, "publicación con dos observaciones")
    # She fixes the person (first person plural) and keeps the hashtag.
    page.get_by_role("link", name="Editar", exact=True).click()
    page.get_by_label("Texto para X (antes Twitter)").fill(FIXED)
    page.get_by_role("button", name="Guardar borrador").click()
    expect(findings).to_contain_text("Lineamiento 26")
    expect(findings).not_to_contain_text("Lineamiento 15")
    page.get_by_role("button", name="Enviar a revisión").click()
    expect(page.get_by_text("Publicación enviada a revisión.")).to_be_visible()
    expect(page.locator(".meta .pub-status")).to_have_text("En revisión")
    # Four eyes: no button for the author, and the service refuses her too.
    expect(page.get_by_role("button", name="Aprobar")).to_have_count(0)
    expect(page.get_by_role("button", name="Rechazar")).to_have_count(0)
    post = PlannedPost.objects.get(title="Inicio de la vacunación")
    with pytest.raises(PermissionDeniedError):
        services.post_approve(actor=communicator, post=post)
    axe_clean(page, "publicación en revisión (autora)")
    _sign_out(page)
    return post


def _manager_approves(page: Page, site: str, manager: User) -> None:
    sign_in(page, site, manager)
    _to_publishing(page)
    page.locator(".pub-links").get_by_role("link", name="Por aprobar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publicaciones por aprobar")
    axe_clean(page, "por aprobar")
    page.get_by_role("link", name="Inicio de la vacunación").click()
    expect(page.locator(".pub-findings")).to_contain_text("Lineamiento 26")
    axe_clean(page, "publicación en revisión (responsable)")
    page.get_by_role("button", name="Aprobar").click()
    expect(page.get_by_text("Publicación aprobada")).to_be_visible()
    expect(page.locator(".meta .pub-status")).to_have_text("Aprobado")
    expect(page.locator(".pub-history")).to_contain_text("publicacion.aprobada")


def test_communicator_drafts_fixes_and_sends_the_manager_approves(
    page: Page,
    site: str,
    plan: ContentPlan,
    communicator: User,
    manager: User,
    page_log: PageLog,
) -> None:
    post = _communicator_drafts_and_sends(page, site, communicator)
    _manager_approves(page, site, manager)
    post.refresh_from_db()
    assert post.status == PostStatus.APROBADO and post.decided_by == manager
    assert page_log.problems() == []


def test_publishing_pages_fit_a_phone(
    mobile_page: Page,
    site: str,
    plan: ContentPlan,
    communicator: User,
    page_log: PageLog,
) -> None:
    page = mobile_page
    sign_in(page, site, communicator)
    _to_publishing(page)
    fits_phone(page, "planes (375 px)")
    axe_clean(page, "planes (375 px)")
    page.get_by_role("link", name="Campaña de vacunación").click()
    fits_phone(page, "plan, mes (375 px)")
    axe_clean(page, "plan, mes (375 px)")
    page.get_by_role("link", name="Semana", exact=True).click()
    expect(page.get_by_text("Semana del")).to_be_visible()
    fits_phone(page, "plan, semana (375 px)")
    page.get_by_role("link", name="Nueva publicación").click()
    page.get_by_label("Título interno").fill("Horarios de vacunación")
    page.get_by_label("X (antes Twitter) @Minsa_Peru").check()
    page.get_by_label("Texto para X (antes Twitter)").fill(DRAFT)
    page.get_by_label("Fecha de publicación").fill(
        (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    )
    page.get_by_label("Hora (Lima)").fill("09:30")
    fits_phone(page, "editor (375 px)")
    axe_clean(page, "editor (375 px)")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.locator(".pub-findings")).to_contain_text("Lineamiento 26")
    fits_phone(page, "publicación (375 px)")
    axe_clean(page, "publicación (375 px)")
    assert page_log.problems() == []
