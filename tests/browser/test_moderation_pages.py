"""Moderation pages in a real Chromium: the inbox list with the crisis banner, a conversation
with hidden messages and the classification panel, the threat alerts and the moderation
settings pass axe-core (WCAG 2.1 AA), fit a 375 px screen and log no console error or CSP
violation; the correction form works without JavaScript knowledge of ids."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import Conversation, Message
from agora.inbox.services import messages_ingest
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.test_language_pages import _axe_clean, _fits_phone, _open, _sign_in
from tests.language.fake_model import event, install

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


@pytest.fixture
def moderation_data(
    site: str, monkeypatch: pytest.MonkeyPatch, entities: dict[str, Entity]
) -> dict[str, Any]:
    """MINSA's Facebook page gets a burst of insults (a crisis), a threat and a question."""
    install(monkeypatch)
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    batch = [
        event(account, f"ministro idiota <script>alert({i})</script>", thread=f"ins-{i}")
        for i in range(6)
    ]
    batch.append(event(account, "te voy a matar", thread="amenaza"))
    batch.append(event(account, "¿Dónde me vacuno?", thread="pregunta"))
    batch.append(event(account, "idiota", thread="pregunta", author="otro"))
    messages_ingest(batch=batch, is_demo=True)
    return {
        "hidden": Conversation.objects.get(thread_id="ins-0"),
        "mixed": Conversation.objects.get(thread_id="pregunta"),
    }


def _pages(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        "bandeja-crisis": ("/bandeja/", "Bandeja de mensajes"),
        "bandeja-ocultos": ("/bandeja/?ocultos=on", "Bandeja de mensajes"),
        "conversacion-oculta": (f"/bandeja/{data['hidden'].pk}/", "ministro idiota"),
        "conversacion-mixta": (f"/bandeja/{data['mixed'].pk}/", "¿Dónde me vacuno?"),
        "alertas": ("/bandeja/alertas/", "Alertas de amenaza"),
        "moderacion": ("/bandeja/moderacion/minsa/", "Moderación y crisis"),
    }


@pytest.mark.parametrize(
    "name",
    [
        "bandeja-crisis",
        "bandeja-ocultos",
        "conversacion-oculta",
        "conversacion-mixta",
        "alertas",
        "moderacion",
    ],
)
def test_moderation_page_passes_axe_and_fits_a_phone(
    site: str,
    moderation_data: dict[str, Any],
    manager: User,
    page: Page,
    mobile_page: Page,
    page_log: PageLog,
    name: str,
) -> None:
    path, heading = _pages(moderation_data)[name]
    for browser_page in (page, mobile_page):
        _sign_in(browser_page, site, manager)
        _open(browser_page, site + path)
        expect(browser_page.locator("h1")).to_contain_text(heading)
    if name == "bandeja-crisis":
        expect(page.locator(".crisis-banner")).to_contain_text("Posible crisis")
    # Open every folded section so that axe checks the forms inside.
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    _axe_clean(page, path)
    _fits_phone(mobile_page, path)
    assert page_log.problems() == []


def test_correcting_a_message_in_the_browser(
    site: str, moderation_data: dict[str, Any], manager: User, page: Page, page_log: PageLog
) -> None:
    conversation = moderation_data["mixed"]
    question = Message.objects.get(conversation=conversation, text="¿Dónde me vacuno?")
    _sign_in(page, site, manager)
    _open(page, site + f"/bandeja/{conversation.pk}/")
    item = page.locator(f"#mensaje-{question.pk}")
    item.get_by_text("Corregir clasificación").click()
    item.get_by_label("Tipo de mensaje").select_option("sugerencia")
    item.get_by_role("button", name="Guardar corrección").click()
    expect(page.locator("#aviso")).to_contain_text("Clasificación corregida")
    question.refresh_from_db()
    assert question.kind == "sugerencia"
    assert page_log.problems() == []
