"""Triage in a real Chromium, by clicking only from the sign-in page: a communicator sees the
inbox sorted by due time with a countdown on each row, opens the conversation due first and
escalates it to a named person of the entity. Axe-clean (WCAG 2.1 AA) at desktop size and on
a 375 px phone, with no console error or CSP violation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox.models import Conversation, ThreadKind
from agora.inbox.services import IncomingMessage, messages_ingest
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, PageLog
from tests.browser.journeys import axe_clean, fits_phone, open_inbox, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]


@pytest.fixture
def triage_data(
    site: str, entities: dict[str, Entity], make_user: Callable[..., User]
) -> dict[str, Conversation]:
    """Three citizens wrote to MINSA's Facebook page: ten days ago (overdue, with a DNI in
    the text), three days ago, and just now. Ana Pérez works for MINSA."""
    ana = make_user("ana-perez", first_name="Ana", last_name="Pérez")
    Membership.objects.create(user=ana, entity=entities["minsa"], role=MembershipRole.GESTOR)
    account = SocialAccount.objects.get(entity=entities["minsa"], platform="facebook")
    now = timezone.now()
    texts = {
        "antigua": ("Mi DNI es 45678912 y no me atienden en la posta", now - timedelta(days=10)),
        "reciente": ("¿Hasta cuándo hay vacunas contra la influenza?", now - timedelta(days=3)),
        "nueva": ("¿Dónde queda el centro de salud más cercano?", now - timedelta(minutes=2)),
    }
    messages_ingest(
        batch=[
            IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id=f"triage-{key}",
                message_id=f"triage-{key}-1",
                sent_at=sent_at,
                text=text,
                author_id=f"ciudadano-{key}",
                author_name=f"Ciudadano {key}",
            )
            for key, (text, sent_at) in texts.items()
        ],
        is_demo=True,
    )
    return {key: Conversation.objects.get(thread_id=f"triage-{key}") for key in texts}


def _to_inbox(page: Page, site: str) -> None:
    """The header's "Bandeja" link."""
    open_inbox(page)


def _journey(page: Page, site: str, communicator: User, data: dict[str, Conversation]) -> None:
    sign_in(page, site, communicator)
    _to_inbox(page, site)
    rows = page.locator("ol.conversation-list > li")
    expect(rows).to_have_count(3)
    # Due first: the oldest (overdue), then three days ago (overdue too), then the new one.
    expect(rows.nth(0)).to_contain_text("no me atienden")
    expect(rows.nth(1)).to_contain_text("vacunas contra la influenza")
    expect(rows.nth(2)).to_contain_text("centro de salud")
    expect(rows.nth(0).locator("time.countdown")).to_contain_text("venció hace")
    expect(rows.nth(2).locator("time.countdown")).to_contain_text("vence")
    expect(rows.nth(0)).to_contain_text("Alta: plazo vencido")
    # The DNI is masked in the title.
    expect(rows.nth(0)).to_contain_text("[DNI]")
    expect(rows.nth(0)).not_to_contain_text("45678912")
    expect(page.get_by_label("Ordenar por")).to_have_value("vence")
    axe_clean(page, "/bandeja/")

    rows.nth(0).get_by_role("link").first.click()
    expect(page.locator("h1")).to_contain_text("[DNI]")
    expect(page.locator(".thread")).to_contain_text("45678912")  # staff read the full text
    page.get_by_label("Escalar a").select_option(label="Ana Pérez")
    page.get_by_label("Motivo de la escalada").fill("Necesita la respuesta de la Dirección")
    page.get_by_role("button", name="Escalar", exact=True).click()
    expect(page.locator(".badge-escalated").first).to_have_text("Escalada a Ana Pérez")
    axe_clean(page, f"/bandeja/{data['antigua'].pk}/")


def test_a_communicator_escalates_the_conversation_due_first_on_a_desktop(
    page: Page,
    site: str,
    communicator: User,
    triage_data: dict[str, Conversation],
    page_log: PageLog,
) -> None:
    _journey(page, site, communicator, triage_data)
    conv = Conversation.objects.select_related("escalated_to").get(pk=triage_data["antigua"].pk)
    assert conv.escalated_to is not None and conv.escalated_to.get_username() == "ana-perez"
    assert page_log.problems() == []


def test_the_same_journey_fits_a_phone(
    mobile_page: Page,
    site: str,
    communicator: User,
    triage_data: dict[str, Conversation],
    page_log: PageLog,
) -> None:
    _journey(mobile_page, site, communicator, triage_data)
    fits_phone(mobile_page, "conversación escalada")
    mobile_page.go_back()
    mobile_page.reload()
    fits_phone(mobile_page, "conversación")
    assert page_log.problems() == []
