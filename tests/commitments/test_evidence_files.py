"""Uploaded evidence is served by a view that checks who asks (issue #7; never from
/media/): public once its report is approved; before that, and when rejected, only to rector
staff and the staff of the entity that posted it; 404 for everyone else."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agora.commitments import services
from agora.commitments.models import Commitment, CommitmentUpdate, Evidence
from agora.core.models import User
from tests.helpers import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def update(commitment: Commitment, manager: User) -> CommitmentUpdate:
    return services.update_post(
        actor=manager,
        commitment=commitment,
        text="Se publicó la resolución que aprueba el padrón.",
        files=[SimpleUploadedFile("resolución final.pdf", PDF, content_type="application/pdf")],
    )


@pytest.fixture
def evidence(update: CommitmentUpdate) -> Evidence:
    return update.files.get()


def _url(evidence: Evidence) -> str:
    return f"/compromisos/evidencias/{evidence.pk}/"


def _get(client: Client, user: User | None, evidence: Evidence) -> int:
    client.logout()
    if user is not None:
        login(client, user)
    response = client.get(_url(evidence))
    if response.status_code == 200:
        assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
    return int(response.status_code)


def test_pending_evidence_is_only_for_rector_staff_and_the_posting_entitys_staff(
    client: Client,
    evidence: Evidence,
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
) -> None:
    assert _get(client, None, evidence) == 404
    assert _get(client, other_manager, evidence) == 404
    assert _get(client, manager, evidence) == 200
    assert _get(client, communicator, evidence) == 200  # staff of the posting entity
    assert _get(client, rector, evidence) == 200


def test_approved_evidence_is_public_and_linked_from_the_commitment_page(
    client: Client, update: CommitmentUpdate, evidence: Evidence, rector: User, other_manager: User
) -> None:
    page = client.get(update.commitment.get_absolute_url()).content.decode()
    assert _url(evidence) not in page  # not public yet
    services.update_approve(actor=rector, update=update)
    assert _get(client, None, evidence) == 200
    assert _get(client, other_manager, evidence) == 200
    client.logout()
    response = client.get(_url(evidence))
    assert "resoluci" in response["Content-Disposition"]
    page = client.get(update.commitment.get_absolute_url()).content.decode()
    assert f'href="{_url(evidence)}"' in page
    assert "/media/" not in page


def test_rejected_evidence_stays_private(
    client: Client,
    update: CommitmentUpdate,
    evidence: Evidence,
    rector: User,
    manager: User,
    other_manager: User,
) -> None:
    services.update_reject(actor=rector, update=update, note="Falta la firma.")
    assert _get(client, None, evidence) == 404
    assert _get(client, other_manager, evidence) == 404
    assert _get(client, manager, evidence) == 200
    assert _get(client, rector, evidence) == 200


def test_review_page_links_to_the_checked_view(
    client: Client, update: CommitmentUpdate, evidence: Evidence, rector: User
) -> None:
    login(client, rector)
    page = client.get(f"/compromisos/equipo/avances/{update.pk}/").content.decode()
    assert f'href="{_url(evidence)}"' in page
    assert "/media/" not in page


def test_unknown_evidence_and_missing_files_are_404(
    client: Client, evidence: Evidence, rector: User
) -> None:
    login(client, rector)
    assert client.get(f"/compromisos/evidencias/{evidence.pk + 100}/").status_code == 404
    evidence.file.storage.delete(evidence.file.name)  # the row stays, the file is gone
    assert client.get(_url(evidence)).status_code == 404
