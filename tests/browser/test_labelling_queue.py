"""The labelling queue in a real Chromium: a communicator signs in, opens «Ayude a mejorar la
lectura» from the navigation, labels three messages with the keyboard only (a digit for the
kind, a letter for a flag, Enter to save), sees the count go down and opens the versions page.
Both pages pass axe-core and fit a 375 px phone. With AGORA_SHOTS_DIR set, screenshots at
1366 and 375 px are written there."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import services as inbox
from agora.inbox.models import Message, ThreadKind
from agora.language import labelling
from agora.language.models import ModelVersion, QueueLabel
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog, _watch
from tests.browser.journeys import axe_clean, fits_phone, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

WIDE = {"width": 1366, "height": 900}
TEXTS = [
    "Llevo tres horas en la cola de la posta y nadie atiende, esto es una burla",
    "¿Hasta cuándo es la vacunación contra la influenza en Arequipa?",
    "Gana dinero desde casa, escribe al 987 654 321 y te explico",
    "Muy buena la campaña, llevé a mis hijos y no hicimos cola",
]


def _shot(page: Page, name: str) -> None:
    target = os.environ.get("AGORA_SHOTS_DIR")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name), full_page=True)


@pytest.fixture
def queue_data(
    site: str, verified_account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> list[Message]:
    """Four citizen messages the model read with little certainty, and two model versions."""
    monkeypatch.setattr(labelling, "SAMPLE_PER_MILLE", 0)
    monkeypatch.setattr(labelling, "SECOND_PER_MILLE", 0)
    now = timezone.now()
    for n, text in enumerate(TEXTS):
        inbox.messages_ingest(
            batch=[
                inbox.IncomingMessage(
                    platform=verified_account.platform,
                    account_id=verified_account.pk,
                    thread_kind=ThreadKind.COMMENTS,
                    thread_id=f"cola-{n}",
                    message_id=f"cola-m{n}",
                    sent_at=now - timedelta(hours=2),
                    text=text,
                    author_id=f"vecina-{n}",
                    author_name=f"Vecina {n}",
                )
            ]
        )
        Message.objects.filter(platform_message_id=f"cola-m{n}").update(
            kind="queja",
            model_version="lang-vigente",
            scores={"queja": 0.4, "consulta": 0.35},
            certainty=0.05 * (n + 1),
        )
    figures = {
        "size": 380,
        "macro_f1": 0.856,
        "flags": {
            "insulto": {"f1": 0.81, "n": 40},
            "spam": {"f1": 0.77, "n": 30},
            "amenaza": {"f1": 0.7, "n": 25},
            "datos_personales": {"f1": 0.97, "n": 30},
        },
        "false_alarm_share": {"amenaza": 0.018},
    }
    ModelVersion.objects.create(
        version="lang-vigente",
        trained_at=now - timedelta(days=3),
        corpus_size=1848,
        corrections_used=4,
        labels_used=25,
        is_current=True,
        accepted=True,
        decision_reason="No es peor que la versión vigente en ningún conjunto de prueba.",
        metrics={
            "pruebas": {"reservado": figures},
            "datos": {"muestra_real": 12},
            "validacion_cruzada": {"flags": {"insulto": {"umbral": 0.88}}},
        },
    )
    ModelVersion.objects.create(
        version="lang-candidata",
        trained_at=now - timedelta(hours=1),
        corpus_size=1848,
        corrections_used=4,
        labels_used=31,
        accepted=False,
        decision_reason=(
            "Corpus: parte reservada: marca como amenaza el 4.2 % de los mensajes sin amenaza "
            "(máximo 2 %; la vigente, 1.8 %)."
        ),
        metrics={
            "pruebas": {
                "reservado": {**figures, "false_alarm_share": {"amenaza": 0.042}},
            },
            "vigente_anterior": {"version": "lang-vigente", "pruebas": {"reservado": figures}},
            "datos": {"muestra_real": 12},
        },
    )
    return list(Message.objects.filter(platform_message_id__startswith="cola-m").order_by("pk"))


@pytest.fixture
def wide_page(browser: Browser, page_log: PageLog) -> Iterator[Page]:
    context = browser.new_context(viewport=WIDE, locale="es-PE")  # type: ignore[arg-type]
    page = context.new_page()
    _watch(page, page_log)
    yield page
    context.close()


def _open_queue(page: Page) -> None:
    page.get_by_role("navigation", name="Navegación principal").get_by_role(
        "link", name=re.compile(r"mejorar la lectura", re.IGNORECASE)
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ayude a mejorar la lectura")


def test_label_three_messages_with_the_keyboard(
    site: str,
    queue_data: list[Message],
    communicator: User,
    wide_page: Page,
    page_log: PageLog,
) -> None:
    page = wide_page
    sign_in(page, site, communicator)
    nav = page.get_by_role("navigation", name="Navegación principal")
    expect(nav.get_by_role("link", name=re.compile("4 mensajes por leer"))).to_be_visible()
    _open_queue(page)
    count = page.locator("#cola-pendientes")
    expect(count).to_have_text("4 mensajes esperan su lectura.")
    expect(page.locator(".labelling-text")).to_contain_text("nadie atiende")
    axe_clean(page, "cola")
    _shot(page, "cola-1366.png")

    for keys, remaining in (
        (["2", "i"], "3 mensajes esperan su lectura."),
        (["1"], "2 mensajes esperan su lectura."),
        (["6", "s", "d"], "1 mensaje espera su lectura."),
    ):
        for key in keys:
            page.keyboard.press(key)
        page.keyboard.press("Enter")
        expect(page.get_by_text("Lectura guardada. Gracias.")).to_be_visible()
        expect(count).to_have_text(remaining)
    _shot(page, "cola-despues-1366.png")
    labels = list(QueueLabel.objects.order_by("pk").values_list("message_id", "kind", "flags"))
    assert labels == [
        (queue_data[0].pk, "queja", ["insulto"]),
        (queue_data[1].pk, "consulta", []),
        (queue_data[2].pk, "otro", ["datos_personales", "spam"]),
    ]
    # The phone number of the third message was never on the page.
    assert "987 654 321" not in page.content()

    page.get_by_role("link", name="Versiones del modelo y sus cifras").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Versiones del modelo de lectura")
    expect(page.get_by_text("lang-candidata").first).to_be_visible()
    expect(page.get_by_text("rechazada", exact=True)).to_be_visible()
    axe_clean(page, "versiones")
    _shot(page, "versiones-1366.png")
    assert page_log.problems() == []


def test_queue_and_versions_fit_a_phone(
    site: str,
    queue_data: list[Message],
    communicator: User,
    mobile_page: Page,
    page_log: PageLog,
) -> None:
    page = mobile_page
    sign_in(page, site, communicator)
    _open_queue(page)
    fits_phone(page, "cola")
    assert page.viewport_size is not None and page.viewport_size["width"] == MOBILE["width"]
    # Without the keyboard: a tap on a kind and on the save button.
    page.get_by_label("Felicitación").check()
    _shot(page, "cola-375.png")
    page.get_by_role("button", name=re.compile("Guardar y seguir")).click()
    expect(page.locator("#cola-pendientes")).to_have_text("3 mensajes esperan su lectura.")
    page.get_by_role("link", name="Versiones del modelo y sus cifras").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Versiones del modelo de lectura")
    fits_phone(page, "versiones")
    _shot(page, "versiones-375.png")
    assert QueueLabel.objects.get().kind == "felicitacion"
    assert page_log.problems() == []
