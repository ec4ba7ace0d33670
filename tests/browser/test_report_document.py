"""A manager's report journey in a real Chromium (issue 17, point 6), by clicks after signing
in: the staff home → "Informes" → the form is already valid (last month, their entity) →
"Generar informe" → the summary in words → the PDF and the XLSX downloaded. Axe-clean on every
page, on a desktop screen and on a 375 px phone."""

from __future__ import annotations

import io
import os
import re
import zlib
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from agora.core.calendar import LIMA
from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.models import ThreadKind
from agora.reports.periods import last_month, period_name
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
QUESTIONS = [
    "¿Dónde me vacuno contra la influenza? Nadie responde",
    "Hola, ¿cuándo abren las citas de pediatría en el hospital?",
    "Buenos días, ¿alguien sabe si la vacuna contra la influenza es gratuita?",
]


@pytest.fixture
def last_month_site(site: str, verified_account: SocialAccount) -> str:
    """MINSA with 12 conversations last month (8 answered within an hour)."""
    start, _end = last_month(timezone.localdate())
    first = datetime.combine(start + timedelta(days=2), time(10, 0), tzinfo=LIMA)
    events = []
    for i in range(12):
        at = first + timedelta(days=i, minutes=7 * i)
        events.append(
            services.IncomingMessage(
                platform=verified_account.platform,
                account_id=verified_account.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id=f"r-{i}",
                message_id=f"r-in-{i}",
                sent_at=at,
                text=QUESTIONS[i % 3],
                author_id=f"ciudadano-{i}",
                author_name="Ana Pérez",
                from_entity=False,
            )
        )
        if i < 8:
            events.append(
                services.IncomingMessage(
                    platform=verified_account.platform,
                    account_id=verified_account.pk,
                    thread_kind=ThreadKind.DIRECT,
                    thread_id=f"r-{i}",
                    message_id=f"r-out-{i}",
                    sent_at=at + timedelta(hours=1),
                    text="Gracias por escribir: la campaña sigue en los centros de salud.",
                    from_entity=True,
                )
            )
    services.messages_ingest(batch=events)
    return site


class Clicks:
    """Counts the clicks of a journey."""

    def __init__(self) -> None:
        self.count = 0

    def click(self, locator: object) -> None:
        self.count += 1
        locator.click()  # type: ignore[attr-defined]


def _inflated(pdf: bytes) -> bytes:
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        try:
            parts.append(zlib.decompressobj().decompress(pdf[match.end() :]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_a_manager_generates_reads_and_downloads_the_report_by_clicks(
    last_month_site: str,
    page: Page,
    browser: Browser,
    page_log: PageLog,
    manager: User,
) -> None:
    site = last_month_site
    sign_in(page, site, manager)  # 3 clicks: "Ingreso del personal", "Continuar" twice
    clicks = Clicks()
    clicks.count = 3

    clicks.click(page.get_by_role("link", name="Informes de lo que preguntó la ciudadanía"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Informes")
    # The form opens valid: last month in ISO (what <input type="date"> accepts), MINSA chosen.
    start, end = last_month(timezone.localdate())
    expect(page.get_by_label("Desde")).to_have_value(start.isoformat())
    expect(page.get_by_label("Hasta")).to_have_value(end.isoformat())
    expect(page.get_by_label("Entidad")).to_have_value("minsa")
    assert page.evaluate("document.querySelector('form.search-form').checkValidity()")
    axe_clean(page, "/informes/")

    clicks.click(page.get_by_role("button", name="Generar informe"))
    month = period_name(start, end)
    expect(page.get_by_role("heading", level=1)).to_have_text(month[:1].upper() + month[1:])
    summary = page.get_by_role("region", name="Resumen")
    expect(summary).to_contain_text("las cuentas oficiales de la entidad recibieron 12 mensajes")
    expect(summary).to_contain_text("plazos incumplidos")
    expect(page.locator(".gob-brand")).to_contain_text("PERÚ")
    expect(page.locator(".gob-brand")).to_contain_text("Ministerio de Salud")
    # The definitions are one click away on the page (always open in the PDF).
    expect(page.get_by_role("heading", name="Cómo leer este informe")).to_be_visible()
    definition = page.get_by_text("Conversaciones del período respondidas fuera del plazo")
    expect(definition).to_be_hidden()
    clicks.click(page.get_by_text("Cómo leer este informe"))
    expect(definition).to_be_visible()
    body = page.locator("main").inner_text()
    assert not ISO_DATE.search(body), ISO_DATE.search(body)
    assert "nadie" not in summary.inner_text().lower()
    axe_clean(page, page.url)
    report_url = page.url

    with page.expect_download() as pdf_download:
        clicks.click(page.get_by_role("link", name="PDF accesible"))
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    assert pdf.startswith(b"%PDF") and b"/StructTreeRoot" in _inflated(pdf)
    assert b"/Lang (es-PE)" in _inflated(pdf)

    with page.expect_download() as xlsx_download:
        clicks.click(page.get_by_role("link", name="Hoja de cálculo (XLSX)"))
    book = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert book.sheetnames[0] == "Resumen"
    assert all(book[name].freeze_panes for name in book.sheetnames[1:])

    # Sign-in (3), Informes, Generar informe, "Cómo leer este informe", PDF, XLSX.
    assert clicks.count == 8
    assert page_log.problems() == []

    # The same pages on a 375 px phone, signed in with the same session.
    phone = browser.new_context(
        viewport=MOBILE, locale="es-PE", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        session = next(
            c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME
        )
        phone.add_cookies([{"name": session["name"], "value": session["value"], "url": site}])
        mobile = phone.new_page()
        for url in (site + "/informes/", report_url):
            mobile.goto(url)
            mobile.wait_for_load_state("networkidle")
            fits_phone(mobile, url)
            axe_clean(mobile, f"{url} (375 px)")
        if shots := os.environ.get("AGORA_TEST_SCREENSHOTS"):
            mobile.screenshot(path=str(Path(shots) / "informe-375.png"), full_page=True)
            page.screenshot(path=str(Path(shots) / "informe-escritorio.png"), full_page=True)
    finally:
        phone.close()
