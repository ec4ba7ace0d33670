"""The whole send loop in a real Chromium, by clicks from the sign-in page: a communicator answers
a demo conversation, the send (run here as the worker would) is published on the sandbox
platform over real HTTP, its echo returns through the signed webhook, the conversation shows
the answer sent and the sandbox page shows it; an answer on an account without a token is
announced before, fails, and offers "Reintentar". Pages pass axe-core and fit 375 px."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.connectors import sandbox
from agora.connectors.models import SandboxPublication
from agora.core.models import User
from agora.directory import services as directory
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox import tasks
from agora.inbox.models import Conversation, Message, SendStatus
from agora.inbox.services import IncomingMessage, messages_ingest
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import open_inbox, sign_in
from tests.browser.test_language_pages import _axe_clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

PASSWORD = "contraseña-de-prueba-123"


def _citizen(account: SocialAccount, thread: str, text: str) -> Conversation:
    messages_ingest(
        batch=[
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind="mensaje_directo",
                thread_id=thread,
                message_id=f"{thread}.m1",
                sent_at=timezone.now(),
                text=text,
                author_id=f"psid-{thread}",
                author_name="Ciudadana de prueba",
            )
        ],
        is_demo=True,
    )
    return Conversation.objects.get(thread_id=thread)


@pytest.fixture
def loop(
    site: str, settings: Any, rector: User, entities: dict[str, Entity]
) -> dict[str, Conversation]:
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_URL = f"{site}/sandbox/graph"
    settings.SANDBOX_WEBHOOK_URL = f"{site}/webhooks/meta/"
    settings.META_APP_SECRET = "secreto-de-prueba-del-navegador"
    demo = directory.account_verify(
        actor=rector,
        account=directory.account_propose(
            actor=rector,
            entity=entities["minsa"],
            platform=Platform.INSTAGRAM,
            handle="minsa_demo",
            platform_id="17841400000000009",
            evidence="Cuenta de demostración",
        ),
    )
    SocialAccount.objects.filter(pk=demo.pk).update(is_demo=True)
    demo.refresh_from_db()
    sandbox.credentials_install(accounts=[demo])
    no_token = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    SocialAccount.objects.filter(pk=no_token.pk).update(platform_id="1001")
    return {
        "demo": _citizen(demo, "hilo-demo", "¿Atienden el sábado en la sede central?"),
        "no_token": _citizen(no_token, "hilo-sin-token", "¿Dónde presento mi reclamo?"),
    }


def _sign_in_by_clicks(page: Page, site: str, user: User) -> None:
    sign_in(page, site, user)
    open_inbox(page)


def _answer(page: Page, subject: str, text: str) -> None:
    page.get_by_role("link", name=subject).click()
    page.get_by_label("Respuesta a la ciudadanía").fill(text)
    page.get_by_role("button", name="Enviar respuesta").click()
    expect(page.locator("#conversacion")).to_contain_text("Por enviar")


def _run_worker() -> None:
    """What the task worker does: the queued sends, then the sandbox's webhooks."""
    for pk in Message.objects.filter(send_status=SendStatus.PENDIENTE).values_list("pk", flat=True):
        tasks.send_message(pk)
    for pk in SandboxPublication.objects.filter(delivered_at__isnull=True).values_list(
        "pk", flat=True
    ):
        assert sandbox.publication_deliver(pk) == "entregado"


@pytest.mark.parametrize("phone", [False, True], ids=["escritorio", "375px"])
def test_a_communicator_answers_a_demo_conversation_and_sees_it_published(
    site: str,
    loop: dict[str, Conversation],
    communicator: User,
    page: Page,
    page_log: PageLog,
    phone: bool,
) -> None:
    if phone:
        page.set_viewport_size(MOBILE)
    _sign_in_by_clicks(page, site, communicator)
    _answer(page, "¿Atienden el sábado en la sede central?", "Sí, de 8:00 a 13:00.")
    expect(page.locator("#aviso-token")).to_have_count(0)
    _run_worker()

    page.reload()
    expect(page.locator(".msg-send-enviado")).to_contain_text("Enviada")
    message = Message.objects.get(conversation=loop["demo"], direction="saliente")
    assert message.send_status == SendStatus.ENVIADO
    loop["demo"].refresh_from_db()
    assert loop["demo"].first_response_at is not None
    assert Message.objects.filter(conversation=loop["demo"], direction="saliente").count() == 1
    if not phone:
        _axe_clean(page, "conversacion-enviada")
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE["width"]

    page.get_by_role("link", name="Verla en la plataforma de prueba (demo)").click()
    expect(page.locator("h1")).to_contain_text("Plataforma de prueba (demo)")
    expect(page.locator(".sandbox-list")).to_contain_text("Sí, de 8:00 a 13:00.")
    expect(page.locator(".sandbox-list")).to_contain_text("Ágora recibió el aviso")
    if not phone:
        _axe_clean(page, "/sandbox/")
    assert page_log.problems() == []


def test_an_answer_without_a_token_is_announced_fails_and_offers_retry(
    site: str,
    loop: dict[str, Conversation],
    communicator: User,
    page: Page,
    page_log: PageLog,
) -> None:
    _sign_in_by_clicks(page, site, communicator)
    page.get_by_role("link", name="¿Dónde presento mi reclamo?").click()
    expect(page.locator("#aviso-token")).to_contain_text("aún no tiene un token válido")
    page.get_by_label("Respuesta a la ciudadanía").fill("Puede presentarlo en línea.")
    page.get_by_role("button", name="Enviar respuesta").click()
    expect(page.locator("#conversacion")).to_contain_text("Por enviar")
    _run_worker()

    page.reload()
    expect(page.locator(".msg-send-fallido")).to_contain_text("No se publicó:")
    retry = page.get_by_role("button", name="Reintentar")
    expect(retry).to_be_visible()
    _axe_clean(page, "conversacion-fallida")
    retry.click()
    expect(page.locator("#conversacion")).to_contain_text("Por enviar")
    expect(page.get_by_role("button", name="Reintentar")).to_have_count(0)
    message = Message.objects.get(conversation=loop["no_token"], direction="saliente")
    assert message.send_status == SendStatus.PENDIENTE
    assert page_log.problems() == []
