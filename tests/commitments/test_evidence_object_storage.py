"""Evidence in object storage (AGORA_S3_BUCKET): uploaded by one machine into the bucket,
never onto its disk, and read on another machine (another data folder) through the view that
checks who asks, streamed from the store: never a redirect to a bucket address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agora.commitments import services
from agora.commitments.models import Commitment, Evidence
from agora.core.models import User
from tests.helpers import login
from tests.objectstore import Bucket

pytestmark = [pytest.mark.django_db, pytest.mark.storage]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.fixture
def evidence(
    settings: Any, tmp_path: Path, s3_bucket: Bucket, commitment: Commitment, manager: User
) -> Evidence:
    settings.MEDIA_ROOT = tmp_path / "maquina-a" / "media"
    update = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Se publicó la resolución que aprueba el padrón.",
        files=[SimpleUploadedFile("resolución final.pdf", PDF, content_type="application/pdf")],
    )
    return update.files.get()


def test_evidence_is_stored_in_the_bucket_not_on_the_disk(
    settings: Any, evidence: Evidence, s3_bucket: Bucket
) -> None:
    assert s3_bucket.keys() == [evidence.file.name]
    assert evidence.file.name.startswith("compromisos/evidencias/")
    assert s3_bucket.read(evidence.file.name) == PDF
    assert _files(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonimo", False),
        ("gestor_de_otra_entidad", False),
        ("gestor", True),
        ("comunicadora", True),
        ("rectora", True),
    ],
)
def test_pending_evidence_is_read_on_another_machine_only_by_who_may(
    settings: Any,
    tmp_path: Path,
    evidence: Evidence,
    role: str,
    allowed: bool,
    rector: User,
    manager: User,
    communicator: User,
    other_manager: User,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "maquina-b" / "media"  # nothing of machine A here
    users = {
        "anonimo": None,
        "gestor_de_otra_entidad": other_manager,
        "gestor": manager,
        "comunicadora": communicator,
        "rectora": rector,
    }
    client = Client()
    user = users[role]
    if user is not None:
        login(client, user)
    response = client.get(f"/compromisos/evidencias/{evidence.pk}/")
    if not allowed:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert "Location" not in response
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert _files(tmp_path / "maquina-b") == []


def test_approved_evidence_is_public_and_no_page_names_the_bucket(
    client: Client, evidence: Evidence, rector: User, s3_bucket: Bucket
) -> None:
    services.update_approve(actor=rector, update=evidence.update)
    response = client.get(f"/compromisos/evidencias/{evidence.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    page = client.get(evidence.update.commitment.get_absolute_url()).content.decode()
    assert f'href="/compromisos/evidencias/{evidence.pk}/"' in page
    assert s3_bucket.endpoint.url not in page and s3_bucket.name not in page


def test_evidence_whose_object_is_gone_is_404(
    client: Client, evidence: Evidence, rector: User, s3_bucket: Bucket
) -> None:
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=evidence.file.name)
    login(client, rector)
    assert client.get(f"/compromisos/evidencias/{evidence.pk}/").status_code == 404
