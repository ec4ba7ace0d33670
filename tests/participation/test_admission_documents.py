"""Admission documents are served by a checked view: the forum's secretariat, rector staff and
the applicant read them; everyone else gets a 404. No page links a public media address."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agora.core.models import User
from agora.participation import services
from agora.participation.models import AdmissionDocument, Forum
from tests.helpers import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 constancia de existencia legal"


def submitted_document(citizen: User, forum: Forum) -> AdmissionDocument:
    """A citizen's admission request with one PDF document (stored in the default storage)."""
    request = services.admission_request_submit(
        actor=citizen,
        forum=forum,
        organisation_name="Red Ciudadana",
        stakeholder_type="sociedad_civil",
        vote="voz_y_voto",
        checklist=dict.fromkeys(forum.requirements, True),
        documents_in=[
            ("Constancia legal", SimpleUploadedFile("scan 01.pdf", PDF, "application/pdf"))
        ],
    )
    return request.documents.get()


@pytest.fixture
def document(citizen: User, forum: Forum) -> AdmissionDocument:
    return submitted_document(citizen, forum)


def _url(document: AdmissionDocument) -> str:
    return reverse(
        "participation:admission_document",
        args=[document.request.forum.slug, document.pk],
    )


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonimo", False),
        ("otro_ciudadano", False),
        ("miembro", False),
        ("solicitante", True),
        ("secretaria", True),
        ("rector_no_secretaria", True),
    ],
)
def test_document_served_only_to_secretariat_rector_staff_and_applicant(
    document: AdmissionDocument,
    role: str,
    allowed: bool,
    rector: User,
    citizen: User,
    member_user: User,
    make_user: Callable[..., User],
) -> None:
    users = {
        "anonimo": None,
        "otro_ciudadano": make_user("otra@example.pe", email="otra@example.pe"),
        "miembro": member_user,
        "solicitante": citizen,
        "secretaria": rector,
        "rector_no_secretaria": make_user("otro-rector", is_rector=True, totp=True),
    }
    client = Client()
    user = users[role]
    if user is not None:
        login(client, user)
    response = client.get(_url(document))
    if not allowed:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert "constancia-legal.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_document_of_another_forum_is_404(
    document: AdmissionDocument, rector: User, forum: Forum
) -> None:
    other = services.forum_save(
        actor=rector, name="Otro foro", sector="Vivienda", scope="nacional", purpose="Otro."
    )
    url = reverse("participation:admission_document", args=[other.slug, document.pk])
    assert login(Client(), rector).get(url).status_code == 404


def test_management_page_links_the_checked_view_not_media(
    document: AdmissionDocument, rector: User, forum: Forum
) -> None:
    page = (
        login(Client(), rector)
        .get(reverse("participation:forum_manage", args=[forum.slug]))
        .content.decode()
    )
    assert _url(document) in page
    assert document.file.url not in page
    assert "/media/" not in page
