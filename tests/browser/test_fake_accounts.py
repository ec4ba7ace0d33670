"""¿Es oficial? and fake-account reports in a real Chromium, by clicks only after the first
page (issue 17, point 1): a citizen pastes a decorated look-alike, sees which entity it
imitates and the real account, and reports it; rector staff find the queue from "Mi trabajo",
decide, and the public list shows the decision. Every page passes axe-core (WCAG 2.1 AA), at
desktop size and at 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory import fake_reports
from agora.directory.models import FakeAccountReport, FakeReportStatus
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

FAKE = "https://www.facebook.com/minsa.peru-oficial?utm_source=whatsapp"


def _check(page: Page, where: str, *, phone: bool) -> None:
    axe_clean(page, where)
    if phone:
        fits_phone(page, where)


def _citizen_reports(page: Page, site: str, *, phone: bool) -> int:
    """The citizen's journey; returns the number of clicks it took."""
    clicks = 0
    page.goto(site + "/")
    _check(page, "inicio", phone=phone)
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name="¿Es oficial?"
    ).click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_have_text("¿Es oficial esta cuenta?")
    _check(page, "¿Es oficial?", phone=phone)
    page.get_by_label("Dirección (URL) o nombre de usuario de la cuenta").fill(FAKE)
    page.get_by_role("button", name="Comprobar").click()
    clicks += 1
    verdict = page.locator(".verdict")
    expect(verdict.get_by_role("heading", level=2)).to_contain_text(
        "No registrada como oficial: podría ser una suplantación"
    )
    expect(verdict).to_contain_text("Parece imitar a: Ministerio de Salud")
    expect(verdict.locator(".warning")).to_contain_text("@minsaperu")  # the real page
    expect(verdict.locator(".warning")).to_contain_text("@Minsa_Peru")
    _check(page, "veredicto de suplantación", phone=phone)
    verdict.get_by_role("link", name="Reportar cuenta falsa").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_have_text("Reportar una cuenta falsa")
    reported = page.get_by_label("Dirección (URL) o nombre de usuario de la cuenta falsa")
    expect(reported).to_have_value("https://www.facebook.com/minsa.peru-oficial")
    expect(page.get_by_label("Entidad que suplanta (opcional)")).to_have_value(
        "Ministerio de Salud"
    )
    expect(page.locator("#id_sitio_web")).to_be_hidden()  # the honeypot is for robots only
    _check(page, "formulario de reporte", phone=phone)
    page.get_by_label("¿Qué hace la cuenta? ¿Por qué cree que es falsa?").fill(
        "Ofrece un bono de salud si le mandan el DNI por mensaje."
    )
    page.get_by_label("Enlace de evidencia (opcional)").fill("no es un enlace")
    page.get_by_role("button", name="Enviar reporte").click()
    clicks += 1
    expect(page.get_by_role("alert")).to_contain_text("Escriba un enlace completo")
    _check(page, "formulario con errores", phone=phone)
    page.get_by_label("Enlace de evidencia (opcional)").fill(
        "https://www.facebook.com/minsa.peru-oficial/posts/1"
    )
    page.get_by_role("button", name="Enviar reporte").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recibimos su reporte n.º")
    expect(page.locator("main")).to_contain_text("Facebook @minsa.peru-oficial")
    expect(page.locator("main")).not_to_contain_text("bono de salud")
    _check(page, "reporte recibido", phone=phone)
    return clicks


def _rector_decides(page: Page, site: str, rector: User, *, phone: bool) -> int:
    """The rector's journey from the public home; returns the clicks after signing in."""
    sign_in(page, site, rector)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hola")
    clicks = 0
    page.get_by_role("link", name="1 reporte de cuenta falsa por decidir").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Reportes de cuentas falsas por decidir"
    )
    card = page.locator(".card").filter(has_text="minsa.peru-oficial")
    expect(card).to_contain_text("Ofrece un bono de salud")  # private, for the rector only
    expect(card).to_contain_text(
        re.compile(r"Se parece a cuentas oficiales de:\s*Ministerio de Salud")
    )
    _check(page, "cola de reportes", phone=phone)
    card.get_by_label("Decisión").select_option(label="Confirmar: es falsa")
    card.get_by_label("Motivo público").fill(
        "La página no pertenece al Ministerio de Salud y pide datos personales."
    )
    card.get_by_role("button", name="Registrar decisión").click()
    clicks += 1
    expect(page.get_by_role("status")).to_contain_text("Decisión registrada para el reporte n.º")
    expect(page.locator("main")).to_contain_text("No hay reportes pendientes.")
    _check(page, "cola tras decidir", phone=phone)
    page.get_by_role("link", name="Ver la lista pública").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuentas falsas reportadas")
    item = page.locator(".result").filter(has_text="minsa.peru-oficial")
    expect(item).to_contain_text("Confirmada falsa")
    expect(item).to_contain_text("Ministerio de Salud")
    expect(item).to_contain_text("pide datos personales")
    expect(page.locator("main")).not_to_contain_text("bono de salud")
    _check(page, "lista pública", phone=phone)
    return clicks


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "375px"])
def test_citizen_reports_a_look_alike_and_rector_publishes_the_decision(
    site: str,
    rector: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
    phone: bool,
) -> None:
    browser_page = mobile_page if phone else page
    citizen_clicks = _citizen_reports(browser_page, site, phone=phone)
    assert citizen_clicks == 5  # 4 on the happy path, plus one resubmission after an error
    report = FakeAccountReport.objects.get()
    assert report.entity is not None and report.entity.code == "minsa"
    assert report.evidence_url == "https://www.facebook.com/minsa.peru-oficial/posts/1"
    # The rector works in a browser of their own.
    rector_page = browser_page.context.browser.new_context(  # type: ignore[union-attr]
        viewport=browser_page.viewport_size, locale="es-PE"
    ).new_page()
    rector_clicks = _rector_decides(rector_page, site, rector, phone=phone)
    assert rector_clicks == 3
    report.refresh_from_db()
    assert report.status == FakeReportStatus.CONFIRMADA
    # Back to the citizen: the same look-up now says the account is a confirmed fake.
    browser_page.get_by_role("link", name="Comprobar otra cuenta").click()
    browser_page.get_by_label("Dirección (URL) o nombre de usuario de la cuenta").fill(FAKE)
    browser_page.get_by_role("button", name="Comprobar").click()
    expect(browser_page.locator(".verdict h2")).to_contain_text("Cuenta falsa confirmada")
    expect(browser_page.locator(".verdict")).to_contain_text(
        "Esta cuenta fue reportada y confirmada como falsa el"
    )
    _check(browser_page, "veredicto de cuenta falsa", phone=phone)
    assert not page_log.problems()


def test_a_share_link_is_explained_and_the_examples_verify(
    site: str, page: Page, page_log: PageLog
) -> None:
    page.goto(site + "/directorio/verificar/")
    help_text = page.locator("#lookup-help").inner_text()
    examples = [e.strip() for e in re.sub(r"^Por ejemplo: ", "", help_text).split(" o ")]
    assert examples == ["https://www.facebook.com/minsaperu", "@Minsa_Peru"]
    for example in examples:
        page.get_by_label("Dirección (URL) o nombre de usuario de la cuenta").fill(example)
        page.get_by_role("button", name="Comprobar").click()
        expect(page.locator(".verdict h2")).to_contain_text("Cuenta oficial verificada")
    page.get_by_label("Dirección (URL) o nombre de usuario de la cuenta").fill(
        "https://www.facebook.com/share/p/1AbCdEfGh/"
    )
    page.get_by_role("button", name="Comprobar").click()
    expect(page.locator(".verdict h2")).to_contain_text("El enlace no dice de qué cuenta es")
    expect(page.locator(".verdict")).to_contain_text("toque el nombre de la página")
    axe_clean(page, "enlace para compartir")
    assert not page_log.problems()


def test_too_many_reports_get_a_spanish_429_page(site: str, page: Page) -> None:
    for number in range(fake_reports.LIMIT_PER_HOUR):
        fake_reports.fake_report_submit(
            reporter=None,
            client_address="127.0.0.1",
            reported=f"@falsa_{number}",
            description="Cuenta falsa de prueba.",
        )
    page.goto(site + "/directorio/verificar/reportar/?cuenta=@otra_falsa")
    page.get_by_label("¿Qué hace la cuenta? ¿Por qué cree que es falsa?").fill(
        "Otra cuenta falsa de prueba."
    )
    with page.expect_response(re.compile(r"/reportar/$")) as response:
        page.get_by_role("button", name="Enviar reporte").click()
    assert response.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Demasiados reportes en poco tiempo")
    axe_clean(page, "429")
