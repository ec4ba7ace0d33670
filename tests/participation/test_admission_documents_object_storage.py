"""Admission documents in object storage (AGORA_S3_BUCKET): the applicant's upload goes into
the bucket, never onto the server's disk, and is read on another machine only by the forum's
secretariat, rector staff and the applicant, streamed through the checked view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agora.core.models import User
from agora.participation.models import AdmissionDocument, Forum
from tests.helpers import login
from tests.objectstore import Bucket
from tests.participation.test_admission_documents import PDF, submitted_document

pytestmark = [pytest.mark.django_db, pytest.mark.storage]


@pytest.fixture
def document(
    settings: Any, tmp_path: Path, s3_bucket: Bucket, citizen: User, forum: Forum
) -> AdmissionDocument:
    settings.MEDIA_ROOT = tmp_path / "maquina-a" / "media"
    return submitted_document(citizen, forum)


def test_the_document_is_stored_in_the_bucket_not_on_the_disk(
    tmp_path: Path, document: AdmissionDocument, s3_bucket: Bucket
) -> None:
    assert s3_bucket.keys() == [document.file.name]
    assert document.file.name.startswith("participation/admission/")
    assert s3_bucket.read(document.file.name) == PDF
    assert not (tmp_path / "maquina-a").exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonimo", False),
        ("otro_ciudadano", False),
        ("miembro", False),
        ("solicitante", True),
        ("secretaria", True),
    ],
)
def test_the_document_is_read_on_another_machine_only_by_who_may(
    settings: Any,
    tmp_path: Path,
    document: AdmissionDocument,
    role: str,
    allowed: bool,
    rector: User,
    citizen: User,
    member_user: User,
    make_user: Callable[..., User],
) -> None:
    settings.MEDIA_ROOT = tmp_path / "maquina-b" / "media"
    users = {
        "anonimo": None,
        "otro_ciudadano": make_user("otra@example.pe", email="otra@example.pe"),
        "miembro": member_user,
        "solicitante": citizen,
        "secretaria": rector,
    }
    client = Client()
    user = users[role]
    if user is not None:
        login(client, user)
    url = reverse(
        "participation:admission_document", args=[document.request.forum.slug, document.pk]
    )
    response = client.get(url)
    if not allowed:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    assert "Location" not in response
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert "constancia-legal.pdf" in response["Content-Disposition"]
    assert not (tmp_path / "maquina-b").exists()
