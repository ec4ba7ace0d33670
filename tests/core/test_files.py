"""Stored files answered by views that checked who may read them."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import Http404

from agora.core.files import file_response


def _stored(name: str, content: bytes) -> FieldFile:
    saved = default_storage.save(name, ContentFile(content))
    return FieldFile(None, FileField(), saved)  # type: ignore[arg-type]


def test_pdf_opens_inline_and_other_files_download_with_safe_headers() -> None:
    pdf = file_response(_stored("pruebas/acta.pdf", b"%PDF-1.4 acta"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert b"".join(pdf.streaming_content) == b"%PDF-1.4 acta"  # type: ignore[arg-type]
    html = file_response(_stored("pruebas/pagina.html", b"<script>alert(1)</script>"))
    assert html["Content-Type"] == "application/octet-stream"
    assert html["Content-Disposition"].startswith("attachment")
    for response in (pdf, html):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        response.close()


def test_missing_file_is_404() -> None:
    with pytest.raises(Http404):
        file_response(FieldFile(None, FileField(), "pruebas/no-existe.pdf"))  # type: ignore[arg-type]
    with pytest.raises(Http404):
        file_response(None)
