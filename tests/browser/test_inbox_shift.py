"""A communicator's shift in a real Chromium (issue 13, "Show it"): from the public home and
the sign-in page, by clicking only, she answers five conversations of different kinds
(a Facebook comment, a Facebook direct message, an Instagram comment, an X mention and a
YouTube comment) with "Responder y pasar a la siguiente", assigns one, escalates one to a
named person, and finds one by a word of its text. axe-clean, at desktop and 375 px."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.directory import services as directory_services
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox.models import Conversation, Direction, Message, SendStatus, ThreadKind
from agora.inbox.services import IncomingMessage, messages_ingest
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING
from tests.browser.journeys import axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

# (platform, thread kind, text): five kinds of citizen thread, each with a word of its own.
THREADS = [
    ("facebook", ThreadKind.COMMENTS, "¿Dónde me vacuno contra la influenza en Cayma?"),
    ("facebook", ThreadKind.DIRECT, "Buenas tardes, ¿cómo saco cita para pediatría?"),
    ("instagram", ThreadKind.COMMENTS, "¿Hasta qué hora atiende el centro de salud de Yura?"),
    ("x", ThreadKind.MENTION, "@Minsa_Peru ¿qué documentos piden para afiliarse al SIS?"),
    ("youtube", ThreadKind.COMMENTS, "¿Habrá campaña de despistaje de anemia en Socabaya?"),
    ("facebook", ThreadKind.DIRECT, "En el hospital no hay oxímetros, ¿a quién me quejo?"),
    ("facebook", ThreadKind.COMMENTS, "Gracias por la campaña de vacunación en Mariano Melgar"),
]


def _account(entity: Entity, platform: str, rector: User) -> SocialAccount:
    found = SocialAccount.objects.filter(entity=entity, platform=platform).first()
    if found is not None:
        return found
    handle = {"instagram": "@minsa.peru", "youtube": "@minsaperu"}[platform]
    return directory_services.account_verify(
        actor=rector,
        account=directory_services.account_propose(
            actor=rector,
            entity=entity,
            platform=platform,
            handle=handle,
            evidence="Enlace desde https://www.gob.pe/minsa",
        ),
    )


@pytest.fixture
def shift(
    site: str,
    entities: dict[str, Entity],
    verified_account: SocialAccount,
    rector: User,
    make_user: Callable[..., User],
) -> dict[str, User]:
    """MINSA's accounts on four platforms, seven citizens waiting (older first), and a
    colleague, Ana, who is the entity's person to escalate to."""
    minsa = entities["minsa"]
    now = timezone.now()
    batch = []
    for i, (platform, kind, text) in enumerate(THREADS):
        account = _account(minsa, platform, rector)
        batch.append(
            IncomingMessage(
                platform=platform,
                account_id=account.pk,
                thread_kind=kind,
                thread_id=f"hilo-{i}",
                message_id=f"turno-{i}",
                sent_at=now - timedelta(hours=30 - i),
                text=text,
                author_id=f"ciudadano-{i}",
                author_name=f"Ciudadana {i} Quispe",
                post_id=f"publicacion-{i}" if kind == ThreadKind.COMMENTS else "",
            )
        )
    messages_ingest(batch=batch)
    # Deadlines in the order of arrival, whatever the hour: computed on working hours, late in
    # the day several of them fall at the same closing time and the order among them is a tie.
    for i in range(len(THREADS)):
        Conversation.objects.filter(thread_id=f"hilo-{i}").update(
            due_at=now + timedelta(hours=2, minutes=10 * i)
        )
    ana = make_user("ana-minsa", first_name="Ana", last_name="Pérez")
    Membership.objects.create(user=ana, entity=minsa, role=MembershipRole.COMUNICADOR)
    carmen = make_user("carmen-minsa", first_name="Carmen", last_name="Rojas")
    Membership.objects.create(user=carmen, entity=minsa, role=MembershipRole.COMUNICADOR)
    return {"carmen": carmen, "ana": ana}


def _open_inbox(page: Page) -> None:
    page.get_by_role("link", name=re.compile(r"^Bandeja")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bandeja")


def _answers() -> int:
    return Message.objects.filter(
        direction=Direction.SALIENTE, send_status__in=[SendStatus.PENDIENTE, SendStatus.ENVIADO]
    ).count()


def test_a_communicator_works_a_shift_by_clicking(
    page: Page, site: str, shift: dict[str, User]
) -> None:
    """Five answers with "Responder y pasar a la siguiente" (one click each after typing),
    an assignment, an escalation to Ana, and a search by a word."""
    sign_in(page, site, shift["carmen"])
    _open_inbox(page)
    axe_clean(page, "bandeja")
    page.locator("ol.conversation-list a").first.click()
    for n in range(1, 6):
        box = page.get_by_label("Respuesta")
        expect(box).to_be_visible()
        if n == 1:
            axe_clean(page, "primera conversación")
        box.fill(f"Hola, le informamos que puede acercarse a nuestro centro más cercano ({n}).")
        before = page.url
        page.get_by_role("button", name="Responder y pasar a la siguiente").click()
        expect(page).not_to_have_url(before)
        expect(page.get_by_text("Respuesta enviada")).to_be_visible()
        assert _answers() == n
    answered = Conversation.objects.filter(messages__direction=Direction.SALIENTE).values_list(
        "platform", "thread_kind"
    )
    assert {(p, k) for p, k in answered} >= {
        ("facebook", ThreadKind.COMMENTS),
        ("facebook", ThreadKind.DIRECT),
        ("instagram", ThreadKind.COMMENTS),
        ("x", ThreadKind.MENTION),
        ("youtube", ThreadKind.COMMENTS),
    }

    # The sixth: assign it to herself, then escalate it to Ana with a reason.
    title = page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("Asignar a").select_option(value=str(shift["carmen"].pk))
    page.get_by_role("button", name="Asignar", exact=True).click()
    # Her own name is in the header: wait for the conversation's own "Asignada a".
    assigned = page.locator("dt", has_text="Asignada a").locator("xpath=following-sibling::dd")
    expect(assigned).to_have_text("Carmen Rojas")
    page.get_by_label("Escalar a").select_option(value=str(shift["ana"].pk))
    page.get_by_label("Motivo de la escalada").fill("Falta de equipos: la ve la jefa de turno.")
    page.get_by_role("button", name="Escalar").click()
    expect(page.get_by_text(re.compile("Escalada a Ana"))).to_be_visible()
    conversation = Conversation.objects.get(messages__platform_message_id="turno-5")
    assert conversation.assignee == shift["carmen"]
    assert conversation.escalated_to == shift["ana"]
    assert "oxímetros" in title or conversation.subject

    # Back to the list by the breadcrumb, and a search by a word of a message.
    page.get_by_role("link", name="Volver a la bandeja").first.click()
    page.get_by_label("Buscar en los mensajes").fill("melgar")
    page.get_by_label("Buscar en los mensajes").press("Enter")
    row = page.locator("ol.conversation-list a", has_text="Mariano Melgar")
    expect(row).to_have_count(1)
    row.click()
    thanks = "Gracias por la campaña de vacunación en Mariano Melgar"
    expect(page.locator(".msg-text", has_text=thanks)).to_be_visible()
    axe_clean(page, "conversación encontrada")


def test_the_shift_fits_a_phone(mobile_page: Page, site: str, shift: dict[str, User]) -> None:
    """At 375 px: the inbox, a conversation and an answer, by clicking."""
    page = mobile_page
    sign_in(page, site, shift["carmen"])
    _open_inbox(page)
    fits_phone(page, "bandeja")
    page.locator("ol.conversation-list a").first.click()
    fits_phone(page, "conversación")
    page.get_by_label("Respuesta").fill("Le informamos que la campaña sigue esta semana.")
    before = page.url
    page.get_by_role("button", name="Responder y pasar a la siguiente").click()
    expect(page).not_to_have_url(before)
    expect(page.get_by_text("Respuesta enviada")).to_be_visible()
    fits_phone(page, "siguiente conversación")
    axe_clean(page, "siguiente conversación (375 px)")
