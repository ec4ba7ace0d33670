"""The communicator training registry in a real Chromium (issue #18, point 7): a citizen finds
«Capacitación» from the public home and reads the coverage; rector staff sign in, register a
workshop with two attendees from entities of two levels of government, and the public coverage
changes. Every page passes axe-core (WCAG 2.1 AA), fits a 375 px screen, logs nothing; after
the first address the journeys only click."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory import services
from agora.directory.models import Entity
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


@pytest.fixture
def training_site(site: str, rector: User, entities: dict[str, Entity]) -> str:
    """MINSA (national) already has verified accounts; Arequipa's regional government gets
    one, so that both levels have one entity in the coverage's denominator."""
    services.account_verify(
        actor=rector,
        account=services.account_propose(
            actor=rector,
            entity=entities["gr-04"],
            platform="facebook",
            url="https://www.facebook.com/GobiernoRegionalArequipa",
            evidence="Enlace desde https://www.gob.pe/regionarequipa",
        ),
    )
    return site


def _public_from_home(page: Page, site: str) -> None:
    page.goto(site + "/")
    page.get_by_role("contentinfo").get_by_role(
        "link", name="Capacitación de comunicadores"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Capacitación de comunicadores")


@pytest.mark.parametrize("phone", [False, True])
def test_a_citizen_finds_training_from_the_home_and_reads_the_coverage(
    training_site: str, page: Page, mobile_page: Page, page_log: PageLog, phone: bool
) -> None:
    browser_page = mobile_page if phone else page
    _public_from_home(browser_page, training_site)
    expect(
        browser_page.get_by_role("heading", name="Cobertura por nivel de gobierno")
    ).to_be_visible()
    national = browser_page.locator("#nivel-nacional")
    expect(national).to_contain_text("Nacional")
    expect(national).to_contain_text("0,0\u00a0%")
    expect(browser_page.get_by_text("al menos una cuenta verificada")).to_be_visible()
    axe_clean(browser_page, "capacitación (pública)")
    if phone:
        fits_phone(browser_page, "capacitación (pública)")
    assert page_log.problems() == []


def test_rector_staff_register_a_workshop_and_the_public_coverage_changes(
    training_site: str, page: Page, page_log: PageLog, rector: User
) -> None:
    sign_in(page, training_site, rector)
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Mi trabajo"
    ).click()
    page.get_by_role("link", name="Capacitación de comunicadores: talleres").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Registro de capacitación")
    axe_clean(page, "capacitación: gestión")
    page.get_by_role("link", name="Registrar un taller").click()
    axe_clean(page, "capacitación: nuevo taller")

    # A first try without the trainer: a Spanish error, nothing saved.
    held = (timezone.localdate() - timedelta(days=7)).isoformat()
    page.get_by_label("Título del taller").fill("Atención a la ciudadanía en redes")
    page.get_by_label("Fecha").fill(held)
    page.get_by_label("Virtual").check()
    page.get_by_label("Lugar o enlace").fill("Videoconferencia de la PCM")
    page.get_by_label("Temas").fill("Plazos de respuesta\nEscuchar primero")
    page.get_by_label("Horas", exact=True).fill("2,5")
    page.get_by_role("button", name="Registrar el taller").click()
    expect(page.get_by_role("alert")).to_contain_text("Capacitador o capacitadora")
    axe_clean(page, "capacitación: taller con error")
    page.get_by_label("Capacitador o capacitadora").fill("Secretaría de Gestión Pública")
    page.get_by_role("button", name="Registrar el taller").click()
    expect(page.get_by_role("status")).to_contain_text("Taller registrado")

    for entity, name, role in [
        (
            "Ministerio de Salud (minsa)",
            "Ana Quispe Huamán",
            "Comunicador o administrador de cuentas",
        ),
        ("Gobierno Regional de Arequipa (gr-04)", "Lucía Mamani", "Responsable de comunicaciones"),
    ]:
        page.get_by_label("Entidad", exact=True).fill(entity)
        page.get_by_label("Nombre de la persona").fill(name)
        page.get_by_label("Rol en la entidad").select_option(label=role)
        page.get_by_role("button", name="Registrar asistencia").click()
        expect(page.get_by_role("status")).to_contain_text(f"Asistencia de {name} registrada")
    expect(page.get_by_role("table", name="Personas que asistieron")).to_contain_text(
        "Lucía Mamani"
    )
    axe_clean(page, "capacitación: taller con asistencia")

    page.get_by_role("navigation", name="Ruta").get_by_role("link", name="Capacitación").click()
    page.get_by_role("link", name="Ver la página pública de capacitación").click()
    expect(page.locator("#nivel-nacional")).to_contain_text("100,0\u00a0%")
    expect(page.locator("#nivel-regional")).to_contain_text("100,0\u00a0%")
    expect(page.locator(".tr-session").first).to_contain_text("2 personas")
    assert "Lucía Mamani" not in page.content()
    axe_clean(page, "capacitación (pública, con un taller)")
    assert page_log.problems() == []


def test_the_staff_pages_fit_a_phone(
    training_site: str, mobile_page: Page, page_log: PageLog, rector: User
) -> None:
    sign_in(mobile_page, training_site, rector)
    mobile_page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="Mi trabajo"
    ).click()
    mobile_page.get_by_role("link", name="Capacitación de comunicadores: talleres").click()
    fits_phone(mobile_page, "capacitación: gestión (375 px)")
    axe_clean(mobile_page, "capacitación: gestión (375 px)")
    mobile_page.get_by_role("link", name="Registrar un taller").click()
    fits_phone(mobile_page, "capacitación: nuevo taller (375 px)")
    axe_clean(mobile_page, "capacitación: nuevo taller (375 px)")
    mobile_page.get_by_label("Título del taller").fill("Manual de crisis para comunicadores")
    mobile_page.get_by_label("Fecha").fill(timezone.localdate().isoformat())
    mobile_page.get_by_label("Presencial").check()
    mobile_page.get_by_label("Lugar o enlace").fill("Auditorio de la PCM, Lima")
    mobile_page.get_by_label("Temas").fill("Manual de crisis")
    mobile_page.get_by_label("Capacitador o capacitadora").fill("Secretaría de Gobierno Digital")
    mobile_page.get_by_role("button", name="Registrar el taller").click()
    expect(mobile_page.get_by_role("status")).to_contain_text("Taller registrado")
    fits_phone(mobile_page, "capacitación: taller (375 px)")
    axe_clean(mobile_page, "capacitación: taller (375 px)")
    assert page_log.problems() == []
