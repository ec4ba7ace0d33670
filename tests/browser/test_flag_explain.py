"""Explained flags and «No es …» in a real Chromium, with a real (small) trained model: the
demo communicator signs in, opens the inbox and a conversation by clicking, reads why the
threat was flagged («pesaron: …»), clicks «No es amenaza» and the alert is gone; then
chooses the insult by clicking on it and presses «i» («No es insulto», as the shortcut help
says). axe-core clean; screenshots at 1366 px and 375 px into var/shots/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory import demo
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.models import AlertStatus, Conversation, Message, ThreadKind, ThreatAlert
from agora.language import model as classifier
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in
from tests.language.conftest import MINI

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "shots"
THREAT = "Te voy a matar, ya sabemos donde vives"
INSULT = "alcalde rata ladrón, eres un inútil"


@pytest.fixture
def flagged(site: str, entities: dict[str, Entity]) -> dict[str, Any]:
    """A small model trained and made current; the demo communicator of MINSA; and a
    Facebook conversation of MINSA where it flags a threat and an insult."""
    classifier.save(classifier.train([MINI], folds=3))
    people = {person.username: person.password for person in demo.users_create_demo()}
    facebook = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    now = timezone.now()
    services.messages_ingest(
        batch=[
            services.IncomingMessage(
                platform=facebook.platform,
                account_id=facebook.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id="amenaza-1",
                message_id=f"amenaza-1-{n}",
                sent_at=now - timedelta(minutes=10 - n),
                text=text,
                author_id="vecino-1",
                author_name="Vecino",
            )
            for n, text in enumerate([THREAT, INSULT])
        ],
        is_demo=True,
    )
    threat = Message.objects.get(platform_message_id="amenaza-1-0")
    insult = Message.objects.get(platform_message_id="amenaza-1-1")
    assert threat.flags == ["amenaza"] and "insulto" in insult.flags
    return {
        "user": User.objects.get(username="demo-comunicador"),
        "password": people["demo-comunicador"],
        "conversation": Conversation.objects.get(pk=threat.conversation_id),
        "threat": threat,
        "insult": insult,
    }


def _open_conversation(page: Page, site: str, data: dict[str, Any]) -> None:
    """From the sign-in link to the conversation, by clicking."""
    sign_in(page, site, data["user"], password=data["password"])
    open_inbox(page)
    page.get_by_role("link", name="Te voy a matar").first.click()
    expect(page.locator("h1")).to_contain_text("Te voy a matar")
    expect(page.get_by_role("button", name="Atajos de teclado (?)")).to_be_visible()


def test_explained_flags_and_not_a_threat_by_click_and_by_key(
    site: str,
    flagged: dict[str, Any],
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    threat, insult = flagged["threat"], flagged["insult"]

    # On a phone: the explanation and its button fit the screen.
    _open_conversation(mobile_page, site, flagged)
    item = mobile_page.locator(f"#mensaje-{threat.pk}")
    expect(item.locator(".flag-why")).to_contain_text("pesaron:")
    item.scroll_into_view_if_needed()
    # caret="initial": hiding the caret injects a style element, which the CSP refuses.
    mobile_page.screenshot(path=str(SHOTS / "explain-375.png"), full_page=True, caret="initial")
    fits_phone(mobile_page, "conversación con alertas explicadas")

    page.set_viewport_size({"width": 1366, "height": 900})
    _open_conversation(page, site, flagged)
    item = page.locator(f"#mensaje-{threat.pk}")
    why = item.locator(".flag-reason", has_text="Amenaza")
    expect(why).to_contain_text("pesaron:")
    expect(why.locator(".flag-word", has_text="matar")).to_be_visible()
    item.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "explain-1366.png"), full_page=True, caret="initial")
    axe_clean(page, "conversación con alertas explicadas")

    # One click: the threat alert is dismissed, the flag and its button are gone.
    item.get_by_role("button", name="No es amenaza").click()
    expect(page.locator("#aviso")).to_contain_text("La alerta de amenaza quedó descartada")
    expect(page.locator(f"#mensaje-{threat.pk} .flag-reasons")).to_have_count(0)
    expect(page.locator(".facts")).not_to_contain_text("amenaza")
    assert ThreatAlert.objects.get(message=threat).status == AlertStatus.DESCARTADA

    # The help lists the keys and how they choose the message.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Atajos de teclado")
    expect(dialog).to_contain_text("«No es insulto»")
    expect(dialog).to_contain_text("el que tiene el foco o en el que hizo clic")
    page.keyboard.press("Escape")

    # The click chose the threat's message: «n» again finds no threat there and says so;
    # with nothing chosen (a click outside the thread), none in the whole conversation.
    page.keyboard.press("n")
    expect(page.locator("#atajos-aviso")).to_contain_text("El mensaje elegido no tiene esa")
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(page.locator("#atajos-aviso")).to_contain_text("Ningún mensaje")

    # A click chooses the insult (outlined); «i» says it is not an insult.
    page.locator(f"#mensaje-{insult.pk} .msg-head").click()
    expect(page.locator(f"#mensaje-{insult.pk}")).to_have_class("msg msg-entrante is-selected")
    page.keyboard.press("s")  # it has no spam flag: nothing happens to it
    expect(page.locator("#atajos-aviso")).to_contain_text("El mensaje elegido no tiene esa alerta")
    page.keyboard.press("i")
    expect(page.locator("#aviso")).to_contain_text("«No es insulto»")
    insult.refresh_from_db()
    assert "insulto" not in insult.flags and insult.hidden_at is None
    threat.refresh_from_db()
    assert threat.flags == []
    assert page_log.problems() == [], "\n".join(page_log.problems())


def test_a_manager_dismisses_a_false_alert_from_the_alerts_page(
    site: str, flagged: dict[str, Any], manager: User, page: Page, page_log: PageLog
) -> None:
    """The alerts page says why too, and «No es amenaza» there returns to it."""
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, site, manager)
    open_inbox(page)
    page.get_by_role("link", name="Alertas de amenaza (1 abierta)").click()
    card = page.locator(".alert-item", has_text="Te voy a matar")
    expect(card.locator(".flag-why")).to_contain_text("pesaron:")
    page.screenshot(path=str(SHOTS / "alerts-1366.png"), full_page=True, caret="initial")
    axe_clean(page, "alertas con su motivo")
    card.get_by_role("button", name="No es amenaza").click()
    expect(page.locator(".messages")).to_contain_text("La alerta de amenaza quedó descartada")
    expect(page.get_by_text("No hay alertas en este estado.")).to_be_visible()
    assert ThreatAlert.objects.get(message=flagged["threat"]).status == AlertStatus.DESCARTADA
    assert page_log.problems() == [], "\n".join(page_log.problems())
