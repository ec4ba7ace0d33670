"""Approved answers in a real Chromium, by clicking from the sign-in page: MINSA's manager
creates one with {nombre}; a communicator opens a conversation, inserts it with the keyboard
("/" at the start of the answer, or Ctrl+K), sends it, and the library then shows one use.
Every page passes axe-core (WCAG 2.1 AA), also at 375 px, with no console error or CSP
violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.models import CannedAnswerUse, Conversation
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in
from tests.inbox.test_views import ingest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

QUESTION = "¿Dónde me vacuno contra la influenza?"
TEXT = "Hola, {nombre}. En {entidad} le informamos que puede vacunarse en cualquier posta."
FILLED = "Hola, Ana. En Ministerio de Salud le informamos que puede vacunarse en cualquier posta."


@pytest.fixture
def conversation(site: str, entities: dict[str, Entity]) -> Conversation:
    """Ana Pérez asks MINSA on Facebook."""
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    return ingest(account, text=QUESTION, author_name="Ana Pérez")


def _to_inbox(page: Page, site: str) -> None:
    """From any page to the inbox: the header's link."""
    open_inbox(page)


def _to_library(page: Page, site: str) -> None:
    _to_inbox(page, site)
    page.locator(".inbox-links").get_by_role("link", name="Respuestas aprobadas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Respuestas aprobadas")


def _sign_out(page: Page) -> None:
    page.get_by_role("button", name="Salir").click()
    expect(page.get_by_role("link", name="Ingreso del personal")).to_be_visible()


def _manager_creates(page: Page, site: str, manager: User) -> None:
    sign_in(page, site, manager)
    _to_library(page, site)
    axe_clean(page, "respuestas aprobadas (vacía)")
    page.get_by_role("link", name="Nueva respuesta aprobada").click()
    expect(page.get_by_text("{nombre}").first).to_be_visible()
    # A placeholder Ágora does not fill is refused, naming it, and what was typed stays.
    page.get_by_label("Título").fill("Dónde vacunarse")
    page.get_by_label("Texto de la respuesta").fill("Hola, {apellido}.")
    page.get_by_role("button", name="Crear y aprobar").click()
    expect(page.get_by_text("El marcador {apellido} no existe.")).to_be_visible()
    axe_clean(page, "nueva respuesta aprobada (con error)")
    page.get_by_label("Texto de la respuesta").fill(TEXT)
    page.get_by_label("Categoría (opcional)").fill("Vacunación")
    page.get_by_label("Atajo (opcional)").fill("vacunas")
    page.get_by_role("button", name="Crear y aprobar").click()
    expect(page.get_by_text("Respuesta aprobada «Dónde vacunarse» creada.")).to_be_visible()
    item = page.locator(".canned-item", has_text="Dónde vacunarse")
    expect(item.locator(".canned-uses")).to_have_text("0")
    expect(item).to_contain_text("/vacunas")
    axe_clean(page, "respuestas aprobadas")
    _sign_out(page)


def _open_conversation(page: Page, site: str) -> None:
    _to_inbox(page, site)
    page.get_by_role("link", name=QUESTION).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(QUESTION)


def test_a_manager_creates_an_approved_answer_and_a_communicator_uses_it(
    page: Page,
    site: str,
    manager: User,
    communicator: User,
    conversation: Conversation,
    page_log: PageLog,
) -> None:
    _manager_creates(page, site, manager)

    sign_in(page, site, communicator)
    _open_conversation(page, site)
    box = page.get_by_label("Respuesta a la ciudadanía")
    expect(page.get_by_text("escriba «/» al inicio de la respuesta o pulse Ctrl+K")).to_be_visible()
    # "/" at the start of the answer opens the list, focused on its filter.
    box.click()
    page.keyboard.type("/")
    picker = page.get_by_role("combobox", name="Buscar por título, atajo o texto")
    expect(picker).to_be_focused()
    option = page.get_by_role("listbox").get_by_role("option", name="Dónde vacunarse")
    expect(option).to_have_attribute("aria-selected", "true")
    axe_clean(page, "conversación con la lista de respuestas aprobadas abierta")
    # Esc closes it and gives the answer box back, with the "/" as typed.
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(box).to_be_focused()
    expect(box).to_have_value("/")
    # Ctrl+K anywhere in the box opens it too; typing filters; Enter inserts at the cursor.
    page.keyboard.press("Backspace")
    page.keyboard.type("Estimada vecina:\n")
    page.keyboard.press("Control+k")
    expect(picker).to_be_focused()
    page.keyboard.type("vacu")
    page.keyboard.press("ArrowDown")  # wraps around the single match
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    expect(box).to_have_value("Estimada vecina:\n" + FILLED)
    # The first-person-plural check: advice while writing, never a block.
    page.keyboard.type(" Le informo que yo lo reviso.")
    check = page.locator("#guia-revision")
    expect(check).to_contain_text("Cambie «Le informo» por «le informamos».")
    expect(check).to_contain_text("Cambie «yo» por «nosotros».")
    axe_clean(page, "conversación con una sugerencia de redacción")
    page.get_by_role("button", name="Enviar respuesta").click()
    expect(page.get_by_text("Respuesta guardada.")).to_be_visible()
    expect(page.locator(".thread")).to_contain_text(FILLED)

    _to_library(page, site)
    item = page.locator(".canned-item", has_text="Dónde vacunarse")
    expect(item.locator(".canned-uses")).to_have_text("1")
    # Communicators use approved answers but do not change them.
    expect(page.get_by_role("link", name="Nueva respuesta aprobada")).to_have_count(0)
    expect(item.get_by_role("button", name=re.compile("Archivar"))).to_have_count(0)
    axe_clean(page, "respuestas aprobadas (comunicadora)")
    use = CannedAnswerUse.objects.get()
    assert use.used_by == communicator and use.message.conversation_id == conversation.pk
    assert page_log.problems() == []


def test_on_a_phone_the_library_and_the_picker_fit_and_pass_axe(
    mobile_page: Page,
    site: str,
    manager: User,
    communicator: User,
    conversation: Conversation,
    page_log: PageLog,
) -> None:
    page = mobile_page
    sign_in(page, site, manager)
    _to_library(page, site)
    page.get_by_role("link", name="Nueva respuesta aprobada").click()
    fits_phone(page, "nueva respuesta aprobada")
    axe_clean(page, "nueva respuesta aprobada (375 px)")
    page.get_by_label("Título").fill("Dónde vacunarse")
    page.get_by_label("Texto de la respuesta").fill(TEXT)
    page.get_by_role("button", name="Crear y aprobar").click()
    expect(page.locator(".canned-item")).to_have_count(1)
    fits_phone(page, "respuestas aprobadas")
    axe_clean(page, "respuestas aprobadas (375 px)")
    page.locator(".canned-item").get_by_role("link", name=re.compile("Editar")).click()
    fits_phone(page, "editar respuesta aprobada")
    page.get_by_role("link", name="Cancelar").click()
    page.get_by_role("button", name=re.compile("Archivar")).click()
    expect(page.get_by_text("ya no se ofrece al responder")).to_be_visible()
    page.get_by_role("link", name="Archivadas").click()
    page.get_by_role("button", name=re.compile("Restaurar")).click()
    expect(page.get_by_text("restaurada")).to_be_visible()
    _sign_out(page)

    sign_in(page, site, communicator)
    _open_conversation(page, site)
    page.get_by_label("Respuesta a la ciudadanía").click()
    page.keyboard.type("/")
    option = page.get_by_role("listbox").get_by_role("option", name="Dónde vacunarse")
    expect(option).to_be_visible()
    fits_phone(page, "conversación con la lista abierta")
    axe_clean(page, "conversación con la lista abierta (375 px)")
    option.click()
    expect(page.get_by_label("Respuesta a la ciudadanía")).to_have_value(FILLED)
    assert page_log.problems() == []


def test_without_an_approved_answer_the_box_offers_no_picker(
    page: Page, site: str, communicator: User, conversation: Conversation
) -> None:
    """No approved answer: neither the hint nor the shortcut; "/" is just a character."""
    services.note_add(conversation=conversation, author=communicator, body="Nota")
    sign_in(page, site, communicator)
    _open_conversation(page, site)
    expect(page.get_by_text("pulse Ctrl+K")).to_have_count(0)
    box = page.get_by_label("Respuesta a la ciudadanía")
    box.click()
    page.keyboard.type("/")
    expect(page.get_by_role("listbox")).to_have_count(0)
    expect(box).to_have_value("/")
