"""The inbox's bulk actions and live updates in a real Chromium: from the sign-in page, by
clicking, a communicator closes three conversations at once; a colleague typing an answer in
another browser shows "… está respondiendo" to her; citizen messages ingested meanwhile appear
in the open list and conversation without a reload. axe-clean, and at 375 px."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import count

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from agora.core.models import User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox.models import Conversation, Status, ThreadKind
from agora.inbox.services import IncomingMessage, messages_ingest
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, DESKTOP, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in
from tests.browser.test_language_pages import _open, _sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

# The list asks every 15 s and the conversation every 5 s: a change shows within one poll.
LIVE_TIMEOUT = 30_000
_ids = count(1)


def _say(account: SocialAccount, thread: str, text: str, author: str = "Rosa Huamán") -> None:
    """A citizen's direct message, ingested as the connectors do."""
    messages_ingest(
        batch=[
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id=thread,
                message_id=f"vivo-{next(_ids)}",
                sent_at=timezone.now() - timedelta(seconds=5),
                text=text,
                author_id=f"autor-{thread}",
                author_name=author,
            )
        ],
        is_demo=True,
    )


@pytest.fixture
def inbox(site: str, entities: dict[str, Entity]) -> SocialAccount:
    """Five questions to MINSA's Facebook page."""
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    for i, text in enumerate(
        [
            "¿Dónde me vacuno contra la influenza?",
            "¿Hasta qué hora atiende el centro de salud?",
            "¿Cómo saco cita para pediatría?",
            "¿Qué documentos piden para el SIS?",
            "¿Hay campaña de vacunación en Arequipa?",
        ]
    ):
        _say(account, f"dm-{i}", text, author=f"Persona {i}")
    return account


@pytest.fixture
def colleague(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("ana-minsa", first_name="Ana", last_name="Quispe")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.COMUNICADOR)
    return user


def _sign_in_by_form(page: Page, site: str, user: User) -> None:
    """From the public home through the sign-in page, then the header's inbox link."""
    sign_in(page, site, user)
    open_inbox(page)


def test_communicator_closes_three_in_bulk_and_sees_new_messages_live(
    site: str,
    inbox: SocialAccount,
    communicator: User,
    colleague: User,
    browser: Browser,
    page: Page,
    page_log: PageLog,
) -> None:
    _sign_in_by_form(page, site, communicator)

    # Bulk close: three rows chosen by their labelled boxes, one click on "Cerrar".
    for text in (
        "¿Dónde me vacuno contra la influenza?",
        "¿Hasta qué hora atiende el centro de salud?",
        "¿Cómo saco cita para pediatría?",
    ):
        page.get_by_role("checkbox", name="Elegir: " + text).check()
    expect(page.locator("[data-bulk-count]")).to_have_text("3 conversaciones elegidas.")
    page.get_by_role("button", name="Cerrar", exact=True).click()
    expect(page.get_by_text("Se cerraron 3 conversaciones.")).to_be_visible()
    assert Conversation.objects.filter(status=Status.CERRADO).count() == 3
    axe_clean(page, "/bandeja/ (tras cerrar en bloque)")

    # Live list: a new citizen message shows without a reload; the chosen row stays chosen.
    page.evaluate("window.sinRecargar = true")
    chosen = page.get_by_role("checkbox", name="Elegir: ¿Qué documentos piden para el SIS?")
    chosen.check()
    _say(inbox, "dm-nuevo", "¿Atienden los domingos en el hospital?")
    expect(page.get_by_role("link", name="¿Atienden los domingos en el hospital?")).to_be_visible(
        timeout=LIVE_TIMEOUT
    )
    expect(page.locator("#aviso-en-vivo")).to_have_text("1 mensaje nuevo.")
    expect(chosen).to_be_checked()
    assert page.evaluate("window.sinRecargar") is True

    # The open conversation: a colleague types an answer in her own browser.
    page.get_by_role("link", name="¿Hay campaña de vacunación en Arequipa?").click()
    expect(page.locator("h1")).to_contain_text("¿Hay campaña de vacunación en Arequipa?")
    page.evaluate("window.sinRecargar = true")
    conversation = Conversation.objects.get(thread_id="dm-4")
    other = browser.new_context(viewport=DESKTOP, locale="es-PE")
    try:
        ana = other.new_page()
        _sign_in(ana, site, colleague)
        _open(ana, f"{site}/bandeja/{conversation.pk}/")
        ana.locator("#respuesta textarea").press_sequentially("Sí, este sábado", delay=20)
        expect(page.locator("#presencia")).to_have_text(
            "Ana Quispe está respondiendo…", timeout=LIVE_TIMEOUT
        )
    finally:
        other.close()

    # A new message of the citizen appears under the thread, with what is typed kept.
    page.locator("#respuesta textarea").fill("Estamos revisando")
    _say(inbox, "dm-4", "¿Y para adultos mayores también?", author="Persona 4")
    expect(page.locator("ol.thread")).to_contain_text(
        "¿Y para adultos mayores también?", timeout=LIVE_TIMEOUT
    )
    expect(page.locator("#aviso")).to_contain_text("1 mensaje nuevo de la ciudadanía.")
    expect(page.locator("#respuesta textarea")).to_have_value("Estamos revisando")
    assert page.evaluate("window.sinRecargar") is True
    axe_clean(page, f"/bandeja/{conversation.pk}/ (en vivo)")
    assert page_log.problems() == []


def test_bulk_bar_and_live_regions_fit_a_phone_and_pass_axe(
    site: str, inbox: SocialAccount, communicator: User, mobile_page: Page, page_log: PageLog
) -> None:
    _sign_in(mobile_page, site, communicator)
    _open(mobile_page, site + "/bandeja/")
    mobile_page.get_by_label("Seleccionar todas las visibles").check()
    expect(mobile_page.locator("input.row-select:checked")).to_have_count(5)
    expect(mobile_page.locator("[data-bulk-count]")).to_have_text("5 conversaciones elegidas.")
    fits_phone(mobile_page, "/bandeja/")
    axe_clean(mobile_page, "/bandeja/ (375 px)")
    mobile_page.get_by_role("button", name="Asignar", exact=True).click()
    expect(mobile_page.get_by_text("Se asignaron 5 conversaciones a")).to_be_visible()
    conversation = Conversation.objects.order_by("pk").first()
    assert conversation is not None and conversation.assignee == communicator
    _open(mobile_page, f"{site}/bandeja/{conversation.pk}/")
    fits_phone(mobile_page, f"/bandeja/{conversation.pk}/")
    axe_clean(mobile_page, f"/bandeja/{conversation.pk}/ (375 px)")
    assert page_log.problems() == []
