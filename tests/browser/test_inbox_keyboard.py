"""A communicator's shift with the keyboard, in a real Chromium: from the sign-in page to the
inbox by clicking, a filtered list, the first conversation within three Tab presses, answers
written and sent with the keyboard ("answer and go to next"), the shortcuts (j/k, r, a, c, n,
?, u) and their help dialog, and back to the list with its filters kept. axe-core clean, and
usable on a 375 px screen."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.models import Conversation, Direction, Message, Status, ThreadKind
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in
from tests.browser.test_language_pages import _open

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


@pytest.fixture
def shift(
    site: str, entities: dict[str, Entity], verified_account: SocialAccount
) -> list[Conversation]:
    """Four Facebook conversations of MINSA (the newest first, as the list shows them), the
    second with a message the classifier took for a threat; and a newer one on X, which the
    Facebook filter leaves out."""
    facebook = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    now = timezone.now()
    events = [
        services.IncomingMessage(
            platform=account.platform,
            account_id=account.pk,
            thread_kind=ThreadKind.DIRECT,
            thread_id=thread,
            message_id=f"{thread}-1",
            sent_at=now - timedelta(minutes=minutes),
            text=text,
            author_id=f"autor-{thread}",
            author_name=f"Vecina {thread}",
        )
        for account, thread, minutes, text in [
            (verified_account, "x-1", 1, "Consulta por X"),
            (facebook, "fb-1", 10, "¿Dónde me vacuno contra la influenza?"),
            (facebook, "fb-2", 20, "Te voy a buscar, ya verás"),
            (facebook, "fb-3", 30, "¿Cómo saco cita para pediatría?"),
            (facebook, "fb-4", 40, "Gracias por la información"),
        ]
    ]
    services.messages_ingest(batch=events, is_demo=True)
    threat = Message.objects.get(platform_message_id="fb-2-1")
    Message.objects.filter(pk=threat.pk).update(kind="otro", flags=["amenaza"])
    Conversation.objects.filter(pk=threat.conversation_id).update(flags=["amenaza"])
    return [Conversation.objects.get(thread_id=f"fb-{n}") for n in range(1, 5)]


def _go_to_inbox(page: Page, site: str) -> None:
    """By the header's inbox link."""
    open_inbox(page)


def _keys_ready(page: Page) -> None:
    """The shortcuts' script has run (it shows the help button): keys pressed before that
    would reach no listener."""
    expect(page.get_by_role("button", name="Atajos de teclado (?)")).to_be_visible()


def _tabs_to(page: Page, selector: str, limit: int) -> int:
    """Tab presses from the top of a freshly loaded page until ``selector`` has the focus."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return presses
    return limit + 1


def test_a_shift_with_the_keyboard(
    site: str,
    shift: list[Conversation],
    communicator: User,
    page: Page,
    page_log: PageLog,
) -> None:
    first, second, third, _fourth = shift
    sign_in(page, site, communicator)
    _go_to_inbox(page, site)

    # A filtered list: the "Nuevo" tab, then Facebook only (htmx swaps the results).
    page.get_by_role("link", name=re.compile(r"^Nuevo")).click()
    page.locator("summary", has_text="Más filtros").click()  # the other filters are folded
    page.get_by_label("Plataforma").select_option("facebook")
    expect(page).to_have_url(re.compile(r"plataforma=facebook"))
    # Newest first: the order this shift was written for (the default is by due time, and
    # these four fall due at the same working minute).
    page.get_by_label("Ordenar por", exact=True).select_option("recientes")
    expect(page).to_have_url(re.compile(r"orden=recientes"))
    expect(page.locator(".conversation-title a").first).to_contain_text("influenza")
    filtered = page.url
    assert "estado=nuevo" in filtered
    axe_clean(page, "/bandeja/ (filtrada)")

    # From page load, the first conversation is at most three Tab presses away.
    page.reload()
    page.wait_for_load_state("networkidle")
    presses = _tabs_to(page, f"a[href^='/bandeja/{first.pk}/']", 3)
    assert presses <= 3, "la primera conversación no se alcanza con 3 Tab"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/bandeja/{first.pk}/(\?|$)"))
    _keys_ready(page)
    expect(page.locator("h1")).to_contain_text("influenza")
    _keys_ready(page)

    # The help dialog: "?" opens it, focus stays inside, Esc closes it.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Atajos de teclado")
    expect(dialog).to_be_visible()
    for _ in range(3):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('atajos').contains(document.activeElement)")
    axe_clean(page, "ayuda de atajos")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    axe_clean(page, f"/bandeja/{first.pk}/")

    # r: write the answer; Ctrl+Shift+Enter: send it and go to the next one of the list.
    page.keyboard.press("r")
    expect(page.locator("#id_texto")).to_be_focused()
    page.keyboard.type("Hola, en el centro de salud de su distrito. Gracias por escribirnos.")
    page.keyboard.press("j")  # typing: not a shortcut
    page.keyboard.press("Control+Shift+Enter")
    expect(page).to_have_url(re.compile(rf"/bandeja/{second.pk}/(\?|$)"))
    _keys_ready(page)
    expect(page.locator(".messages")).to_contain_text("Respuesta enviada. Siguiente conversación.")
    answer = Message.objects.get(conversation=first, direction=Direction.SALIENTE)
    assert answer.text.endswith("escribirnos.j")

    # j and k, before anything takes it out of the list of new ones: next and previous of
    # the same list (the X conversation is never one of them).
    page.keyboard.press("j")
    expect(page).to_have_url(re.compile(rf"/bandeja/{third.pk}/(\?|$)"))
    _keys_ready(page)
    page.keyboard.press("k")
    expect(page).to_have_url(re.compile(rf"/bandeja/{second.pk}/(\?|$)"))
    _keys_ready(page)

    # n: not a threat; a: assign it to me (each through its own form).
    page.keyboard.press("n")
    expect(page.locator("#aviso")).to_contain_text("Clasificación corregida")
    threat = Message.objects.get(conversation=second, direction=Direction.ENTRANTE)
    assert "amenaza" not in threat.flags
    page.keyboard.press("a")
    expect(page.locator("#aviso")).to_contain_text("Asignación guardada")

    # c: close it.
    page.keyboard.press("c")
    # htmx answers in #aviso; if the live updates just replaced the conversation, the form is
    # sent as a plain post and the message comes with the page that follows.
    expect(page.get_by_text("Estado guardado").first).to_be_visible()
    second.refresh_from_db()
    assert second.assignee == communicator
    assert second.status == Status.CERRADO

    # The mouse way of "answer and go to next", from the third one.
    page.get_by_role("link", name="Siguiente ›").click()
    expect(page).to_have_url(re.compile(rf"/bandeja/{third.pk}/(\?|$)"))
    _keys_ready(page)
    page.get_by_label("Respuesta a la ciudadanía").fill("Puede sacar cita en línea.")
    page.get_by_role("button", name="Responder y pasar a la siguiente").click()
    expect(page.locator(".messages")).to_contain_text("Siguiente conversación")

    # Back through the breadcrumb: the same filters.
    page.get_by_role("link", name="Bandeja de mensajes").first.click()
    expect(page).to_have_url(filtered)
    _keys_ready(page)
    expect(page.get_by_label("Plataforma")).to_have_value("facebook")
    expect(page.get_by_label("Estado", exact=True)).to_have_value("nuevo")

    # j/k and o on the list.
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused is not None and focused.startswith("/bandeja/")
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(re.escape(focused)))
    assert page_log.problems() == []


def test_the_help_dialog_works_on_a_phone(
    site: str,
    shift: list[Conversation],
    communicator: User,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    sign_in(mobile_page, site, communicator)
    _open(mobile_page, site + "/bandeja/")
    fits_phone(mobile_page, "/bandeja/")
    axe_clean(mobile_page, "/bandeja/ (375 px)")
    path = f"/bandeja/{shift[0].pk}/"
    _open(mobile_page, site + path)
    fits_phone(mobile_page, path)
    mobile_page.get_by_role("button", name="Atajos de teclado (?)").click()
    dialog = mobile_page.get_by_role("dialog", name="Atajos de teclado")
    expect(dialog).to_be_visible()
    fits_phone(mobile_page, path + " (ayuda)")
    axe_clean(mobile_page, path + " (ayuda, 375 px)")
    dialog.get_by_role("button", name="Cerrar").click()
    expect(dialog).to_be_hidden()
    next_button = mobile_page.get_by_role("button", name="Responder y pasar a la siguiente")
    expect(next_button).to_be_visible()
    axe_clean(mobile_page, path + " (375 px)")
    assert page_log.problems() == []
