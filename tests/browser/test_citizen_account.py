"""The citizen's account journeys in a real Chromium (issue 17, point 2), on a desktop screen
and on a 375 px phone, axe-clean on every page, moving only by clicks after the first page
(opening the link in the e-mail counts as the click it is):

(a) from a consultation's paragraph: register, verify by the e-mailed link, back at the
    paragraph, comment published;
(b) forgotten password: e-mail, new password, signed in;
(c) «Mis datos»: download, then delete the account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.participation import services
from agora.participation.models import CitizenVerification, Comment, Consultation
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import PASSWORD, axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

NEW_PASSWORD = "una-clave-nueva-2026"
SCREENS = ["page", "mobile_page"]

DOCUMENT = """Presentación del borrador.

# Disposiciones generales

Los lineamientos regulan la participación ciudadana en los tres niveles de gobierno.

Cada foro fija asientos mínimos y máximos por tipo de actor.
"""


@pytest.fixture
def open_consultation(site: str, rector: User) -> Consultation:
    now = timezone.now()
    consultation = services.consultation_create(
        actor=rector,
        slug="consulta-abierta",
        title="Lineamientos de participación",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
    )
    return services.consultation_publish(actor=rector, consultation=consultation)


@pytest.fixture(params=SCREENS)
def screen(request: pytest.FixtureRequest) -> Iterator[Page]:
    yield request.getfixturevalue(request.param)


class Clicks:
    """Counts what the person clicks (and the e-mail link they open), checking each page
    they land on: axe-clean, and no sideways scrolling on a phone."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0
        viewport = page.viewport_size
        self.phone = viewport is not None and viewport["width"] <= 375

    def check(self, where: str) -> None:
        self.page.wait_for_load_state("networkidle")
        axe_clean(self.page, where)
        if self.phone:
            fits_phone(self.page, where)

    def click(self, locator: object, where: str) -> None:
        locator.click()  # type: ignore[attr-defined]
        self.count += 1
        self.check(where)

    def open_mailed_link(self, to: str, where: str) -> None:
        message = next(m for m in reversed(mail.outbox) if m.to == [to])
        (link,) = re.findall(r"https?://\S+", str(message.body))
        self.page.goto(link)
        self.count += 1
        self.check(where)


def _site_address(settings: object, site: str) -> None:
    settings.AGORA_BASE_URL = site  # type: ignore[attr-defined]


def test_a_comment_from_the_paragraph_through_registration_and_verification(
    site: str,
    open_consultation: Consultation,
    screen: Page,
    page_log: PageLog,
    settings: object,
) -> None:
    _site_address(settings, site)
    email = "vecina.nueva@example.pe"
    screen.goto(f"{site}{open_consultation.get_absolute_url()}?parrafo=2.1")
    clicks = Clicks(screen)
    clicks.check("párrafo 2.1 (anónimo)")
    clicks.click(screen.get_by_role("link", name="cree una cuenta ciudadana"), "registro")
    screen.get_by_label("Correo electrónico").fill(email)
    screen.get_by_label("Contraseña", exact=True).fill(NEW_PASSWORD)
    screen.get_by_label("Repita la contraseña").fill(NEW_PASSWORD)
    clicks.click(screen.get_by_role("button", name="Crear cuenta"), "revise su correo")
    expect(screen.get_by_role("heading", name="Revise su correo")).to_be_visible()
    clicks.open_mailed_link(email, "párrafo tras verificar")
    expect(screen.get_by_text("Su correo electrónico está verificado")).to_be_visible()
    expect(
        screen.get_by_role("heading", name=re.compile("Comentarios al párrafo 2.1"))
    ).to_be_visible()
    assert screen.url.endswith("?parrafo=2.1#comentarios")
    screen.get_by_label("Su comentario").fill("Propongo que cada foro publique sus actas.")
    clicks.click(screen.get_by_role("button", name="Enviar comentario"), "comentario publicado")
    expect(screen.get_by_text("ya está publicado")).to_be_visible()
    expect(screen.get_by_text("Propongo que cada foro publique sus actas.")).to_be_visible()
    comment = Comment.objects.get()
    assert comment.author.email == email and comment.paragraph.label == "2.1"  # type: ignore[union-attr]
    # Link to register, create, the e-mailed link, send the comment.
    assert clicks.count == 4
    assert page_log.problems() == []


def test_a_forgotten_password_is_reset_by_email_and_signs_in(
    site: str, screen: Page, page_log: PageLog, settings: object, make_user: object
) -> None:
    _site_address(settings, site)
    citizen = User.objects.create_user(
        username="recupera@example.pe", email="recupera@example.pe", password=PASSWORD
    )
    CitizenVerification.objects.create(
        user=citizen, email=citizen.email, verified_at=timezone.now()
    )
    screen.goto(site + "/")
    clicks = Clicks(screen)
    clicks.click(screen.get_by_role("link", name="Ingreso del personal"), "ingresar")
    clicks.click(screen.get_by_role("link", name="¿Olvidó su contraseña?"), "recuperar")
    screen.get_by_label("Correo electrónico de su cuenta").fill(citizen.email)
    clicks.click(screen.get_by_role("button", name="Enviarme el enlace"), "enlace enviado")
    expect(screen.get_by_role("heading", name="Revise su correo")).to_be_visible()
    clicks.open_mailed_link(citizen.email, "contraseña nueva")
    screen.get_by_label("Contraseña nueva", exact=True).fill(NEW_PASSWORD)
    screen.get_by_label("Repita la contraseña nueva").fill(NEW_PASSWORD)
    clicks.click(screen.get_by_role("button", name="Guardar la contraseña"), "ingresado")
    expect(screen.get_by_text("Su contraseña cambió y ya ingresó con ella.")).to_be_visible()
    expect(screen.get_by_role("button", name="Salir")).to_be_visible()
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    # Sign-in link, «¿Olvidó…?», send, the e-mailed link, save.
    assert clicks.count == 5
    assert page_log.problems() == []


def test_my_data_downloaded_then_the_account_deleted(
    site: str, open_consultation: Consultation, screen: Page, page_log: PageLog
) -> None:
    citizen = User.objects.create_user(
        username="borrar@example.pe", email="borrar@example.pe", password=PASSWORD
    )
    CitizenVerification.objects.create(
        user=citizen, email=citizen.email, verified_at=timezone.now()
    )
    services.comment_submit(
        actor=citizen, consultation=open_consultation, body="Un aporte que queda en el expediente."
    )
    sign_in(screen, site, citizen)
    clicks = Clicks(screen)
    clicks.click(
        screen.get_by_role("navigation", name="Navegación principal").get_by_role(
            "link", name="Mi cuenta"
        ),
        "mi cuenta",
    )
    clicks.click(screen.get_by_role("link", name=re.compile("^Mis datos")), "mis datos")
    expect(screen.get_by_text("Un aporte que queda en el expediente.")).to_be_visible()
    with screen.expect_download() as download_info:
        screen.get_by_role("link", name="Descargar mis datos (JSON)").click()
    clicks.count += 1
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert data["cuenta"]["correo"] == "borrar@example.pe"
    assert data["comentarios"][0]["texto"] == "Un aporte que queda en el expediente."
    screen.get_by_label("Su contraseña actual").fill(PASSWORD)
    screen.get_by_label("Entiendo lo que se conserva").check()
    clicks.count += 1
    clicks.click(screen.get_by_role("button", name="Eliminar mi cuenta"), "cuenta eliminada")
    expect(screen.get_by_role("heading", name="Su cuenta fue eliminada")).to_be_visible()
    expect(screen.get_by_role("link", name="Ingreso del personal")).to_be_visible()
    citizen.refresh_from_db()
    assert citizen.email == "" and not citizen.is_active
    assert Comment.objects.get().author_label == "Participante anónimo"
    # Mi cuenta, Mis datos, download, the confirmation box, delete.
    assert clicks.count == 5
    assert page_log.problems() == []
