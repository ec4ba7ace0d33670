"""Participation's public pages in a real Chromium: WCAG 2.1 AA (axe-core), 375 px screens,
a clean console, and commenting on a paragraph with the keyboard-free happy path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from agora.core.models import User
from agora.participation import services
from agora.participation.models import (
    CitizenVerification,
    Comment,
    MemberOrganisation,
    StakeholderType,
)
from tests.browser.conftest import CHROMIUM, CHROMIUM_MISSING, MOBILE, PageLog
from tests.browser.journeys import axe_clean

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=CHROMIUM_MISSING),
]

DOCUMENT = """Presentación del borrador de lineamientos.

# Disposiciones generales

Los lineamientos regulan la participación ciudadana en los tres niveles de gobierno.

Cada foro fija asientos mínimos y máximos por tipo de actor.

# Acuerdos

Todo acuerdo indica su responsable y su plazo.
"""

PAGES = {
    "participa": "/participa/",
    "calendario": "/participa/calendario/",
    "consultas": "/participa/consultas/",
    "registro": "/participa/registro/",
    "foro": "/participa/foros/foro-prueba/",
    "acuerdos": "/participa/foros/foro-prueba/acuerdos/",
    "evaluacion": "/participa/foros/foro-prueba/evaluacion/",
    "sesion-con-acta": "/participa/foros/foro-prueba/sesiones/1/",
    "sesion-proxima": "/participa/foros/foro-prueba/sesiones/2/",
    "consulta-abierta": "/participa/consultas/consulta-abierta/",
    "consulta-parrafo": "/participa/consultas/consulta-abierta/?parrafo=2.1",
    "consulta-generales": "/participa/consultas/consulta-abierta/?ver=generales",
    "consulta-cerrada": "/participa/consultas/consulta-cerrada/",
    "informe": "/participa/consultas/consulta-cerrada/informe/",
    "version-con-cambios": "/participa/consultas/consulta-cerrada/version/2/",
    "enlace-invalido": "/participa/verificar/basura/",
}


@pytest.fixture
def participation_site(site: str, rector: User) -> str:
    """A forum with demo members, a held session with published minutes, an upcoming one,
    agreements, an open consultation with answered comments and a closed one with v2."""
    now = timezone.now()
    forum = services.forum_save(
        actor=rector,
        slug="foro-prueba",
        name="Foro de prueba de Ambiente",
        sector="Ambiente",
        scope="nacional",
        purpose="Probar las páginas.",
        requirements=["Constancia legal"],
    )
    services.seat_rule_set(
        actor=rector, forum=forum, stakeholder_type="estado", min_seats=1, max_seats=3
    )
    services.seat_rule_set(
        actor=rector, forum=forum, stakeholder_type="sociedad_civil", min_seats=3, max_seats=5
    )
    members = []
    for name in ("Colectivo A (demo)", "Colectivo B (demo)"):
        org = MemberOrganisation.objects.create(
            name=name, stakeholder_type=StakeholderType.SOCIEDAD_CIVIL, is_demo=True
        )
        membership = services.membership_add(
            actor=None,
            system=True,
            forum=forum,
            organisation=org,
            term_start=timezone.localdate() - timedelta(days=10),
            is_demo=True,
        )
        services.representative_set(
            actor=None,
            system=True,
            membership=membership,
            role="titular",
            full_name=f"Rep {name}",
            is_demo=True,
        )
        members.append(membership)
    held = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Instalación",
        starts_at=now - timedelta(days=2),
        agenda="1. **Instalación**\n2. Reglamento",
        is_demo=True,
    )
    services.attendance_record(
        actor=None, system=True, session=held, present=[m.pk for m in members]
    )
    services.session_close(actor=None, system=True, session=held, valid=True)
    services.minutes_save(
        actor=None, system=True, session=held, text="## Acta\n\nSe instaló el foro."
    )
    services.minutes_approve(actor=None, system=True, session=held)
    services.minutes_publish(actor=None, system=True, session=held)
    services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Segunda sesión",
        starts_at=now + timedelta(days=5),
        agenda="1. Seguimiento",
        place="Sala virtual",
        is_demo=True,
    )
    services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        is_demo=True,
        draft=services.AgreementDraft(
            session=held,
            text="Publicar el reglamento.",
            responsible="MINAM",
            due_date=timezone.localdate() - timedelta(days=1),
            decision_kind="resolucion",
            decision_reference="RM 001-2026-MINAM",
            decision_url="https://www.gob.pe/minam",
        ),
    )
    citizen = User.objects.create_user(
        username="vecina@example.pe", email="vecina@example.pe", password="clave-de-prueba-2026"
    )
    CitizenVerification.objects.create(user=citizen, email=citizen.email, verified_at=now)
    open_c = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        slug="consulta-abierta",
        title="Lineamientos (abierta)",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=9),
        is_demo=True,
    )
    services.consultation_publish(actor=None, system=True, consultation=open_c)
    first = open_c.versions.get().paragraphs.get(label="2.1")
    comment = services.comment_submit(
        actor=citizen, consultation=open_c, paragraph=first, body="Precisen los niveles."
    )
    services.comment_answer(actor=rector, comment=comment, outcome="acogido", reason="Se precisa.")
    services.comment_submit(actor=citizen, consultation=open_c, body="Buen documento.")
    closed = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        slug="consulta-cerrada",
        title="Lineamientos (cerrada)",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=9),
        closes_at=now + timedelta(days=1),
        is_demo=True,
    )
    services.consultation_publish(actor=None, system=True, consultation=closed)
    services.comment_submit(actor=citizen, consultation=closed, body="Aporte final.")
    closed.closes_at = now - timedelta(minutes=1)
    closed.save()
    services.comment_answer(
        actor=rector,
        comment=Comment.objects.get(consultation=closed),
        outcome="no_acogido",
        reason="Fuera del alcance.",
    )
    services.consultation_version_publish(
        actor=rector,
        consultation=closed,
        source_md=DOCUMENT.replace("su plazo", "su plazo y la decisión de gobierno"),
        change_note="Se vincula cada acuerdo a una decisión de gobierno.",
    )
    return site


def _open(page: Page, url: str, path: str) -> None:
    response = page.goto(url + path)
    assert response is not None
    expected = 400 if "basura" in path else 200
    assert response.status == expected, f"{path} answered {response.status}"
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_participation_page_has_no_wcag21_aa_violations(
    participation_site: str, page: Page, page_log: PageLog, path: str
) -> None:
    _open(page, participation_site, path)
    axe_clean(page, path)
    assert page_log.problems() == []


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_participation_page_fits_a_phone_screen(
    participation_site: str, mobile_page: Page, path: str
) -> None:
    _open(mobile_page, participation_site, path)
    width = mobile_page.evaluate("document.documentElement.scrollWidth")
    assert width <= MOBILE["width"], f"{path} is {width}px wide"
    expect(mobile_page.locator("h1").first).to_be_visible()


def test_forum_page_shows_missing_representation_and_demo_members(
    participation_site: str, page: Page
) -> None:
    _open(page, participation_site, PAGES["foro"])
    expect(page.get_by_text("Falta representación.")).to_be_visible()
    expect(page.locator(".members .tag-demo").first).to_be_visible()


def test_citizen_comments_on_a_paragraph_on_a_phone(
    participation_site: str, mobile_page: Page
) -> None:
    _open(mobile_page, participation_site, "/cuenta/ingresar/")
    mobile_page.get_by_label("Nombre de usuario").fill("vecina@example.pe")
    mobile_page.get_by_label("Contraseña").fill("clave-de-prueba-2026")
    mobile_page.get_by_role("button", name="Continuar").click()
    _open(mobile_page, participation_site, PAGES["consulta-parrafo"])
    mobile_page.get_by_label("Su comentario").fill("Agreguen plazos de respuesta.")
    mobile_page.get_by_role("button", name="Enviar comentario").click()
    expect(mobile_page.get_by_text("su comentario fue registrado")).to_be_visible()
    expect(mobile_page.get_by_text("Agreguen plazos de respuesta.")).to_be_visible()
