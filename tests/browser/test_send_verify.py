"""An answer Ágora could not confirm on the platform, in a real Chromium, by clicks from the
sign-in page: the list marks it "por verificar", the conversation explains why in Spanish, links
to the platform and offers "Ya está publicada" and "Reintentar"; "Ya está publicada" makes it
count as sent. The page passes axe-core and fits 375 px."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import send_queue, services
from agora.inbox.models import Conversation, Message, SendStatus
from agora.inbox.services import IncomingMessage, messages_ingest
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import open_inbox, sign_in
from tests.browser.test_language_pages import _axe_clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

SUBJECT = "¿Hasta cuándo hay inscripciones?"


@pytest.fixture
def to_verify(entities: dict[str, Entity], communicator: User, settings: Any) -> Message:
    """A Facebook answer whose send timed out and whose platform could not be read."""
    from agora.inbox import sending

    settings.SANDBOX_ENABLED = False
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    messages_ingest(
        batch=[
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind="mensaje_directo",
                thread_id="psid-verificar",
                message_id="m-verificar-1",
                sent_at=timezone.now(),
                text=SUBJECT,
                author_id="psid-verificar",
                author_name="Ciudadana",
            )
        ]
    )
    conv = Conversation.objects.get(thread_id="psid-verificar")
    from unittest import mock

    with mock.patch.object(send_queue, "enqueue_send"):
        message = services.message_answer(
            conversation=conv, author=communicator, body="Hasta el viernes."
        )
    claim = sending.message_send_claim(message.pk)
    assert claim is not None
    return sending.message_send_unverifiable(
        message=claim.message, reason="Meta no permitió leer la conversación (HTTP 403)."
    )


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "375px"])
def test_a_person_verifies_an_answer_and_marks_it_published(
    site: str,
    to_verify: Message,
    communicator: User,
    page: Page,
    page_log: PageLog,
    phone: bool,
) -> None:
    if phone:
        page.set_viewport_size(MOBILE)
    sign_in(page, site, communicator)
    open_inbox(page)
    row = page.locator("li", has_text=SUBJECT).first
    expect(row).to_contain_text("Envío por verificar en la plataforma")
    page.get_by_role("link", name=SUBJECT).click()
    box = page.locator(".msg-send-verificar")
    expect(box).to_contain_text("No se sabe si la respuesta se publicó")
    expect(box.get_by_role("link", name="Abrir la plataforma para comprobarlo")).to_be_visible()
    if phone:
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]
    else:
        _axe_clean(page, "conversacion-por-verificar")
    page.get_by_role("button", name="Ya está publicada").click()
    expect(page.locator("#aviso")).to_contain_text("Respuesta marcada como publicada.")
    expect(page.locator(".msg-send-enviado")).to_contain_text("Enviada")
    expect(page.get_by_role("button", name="Ya está publicada")).to_have_count(0)
    to_verify.refresh_from_db()
    assert to_verify.send_status == SendStatus.ENVIADO
    assert page_log.problems() == []
