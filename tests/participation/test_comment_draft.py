"""A refused comment comes back in the box (issue 17, point 2: every flow returns to where it
started): a citizen whose comment is too short, or refused for any other reason, finds the
paragraph again with her text in the box to fix it, once, and only under that paragraph."""

from __future__ import annotations

from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from agora.core.errors import DomainError
from agora.core.models import User
from agora.participation import services
from agora.participation.models import Comment, Consultation
from tests.helpers import login

pytestmark = pytest.mark.django_db

LONG = (
    "Propongo que cada foro publique sus actas dentro de los diez días hábiles siguientes "
    "a la sesión, con la lista de asistentes y los acuerdos numerados.\n" * 8
)


def _box(html: str) -> str:
    start = html.index('name="body"')
    return html[html.index(">", start) + 1 : html.index("</textarea>", start)]


def test_a_too_short_comment_comes_back_in_the_box_once(
    citizen: User, consultation: Consultation
) -> None:
    client = login(Client(), citizen)
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    page = client.post(url, {"body": "Muy bien.", "paragraph": "2.1"}, follow=True)
    html = page.content.decode()
    assert f"al menos {services.MIN_COMMENT_CHARS} caracteres" in html
    assert _box(html).strip() == "Muy bien."
    again = client.get(consultation.get_absolute_url() + "?parrafo=2.1").content.decode()
    assert _box(again).strip() == ""
    assert not Comment.objects.exists()


def test_a_refused_long_comment_is_not_lost(
    citizen: User, consultation: Consultation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: object) -> None:
        raise DomainError("Ha enviado muchos comentarios seguidos; espere unos minutos.")

    monkeypatch.setattr(services, "comment_submit", refuse)
    client = login(Client(), citizen)
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    page = client.post(url, {"body": LONG, "paragraph": "2.1"}, follow=True)
    html = page.content.decode()
    assert "espere unos minutos" in html
    assert escape(LONG.strip().splitlines()[0]) in _box(html)


def test_a_draft_stays_with_its_paragraph(citizen: User, consultation: Consultation) -> None:
    client = login(Client(), citizen)
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    client.post(url, {"body": "Corto.", "paragraph": "2.1"})
    other = client.get(consultation.get_absolute_url() + "?ver=generales").content.decode()
    assert "Corto." not in _box(other)
