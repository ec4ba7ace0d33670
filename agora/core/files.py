"""Uploaded files (evidence of commitments, documents of admission requests) are never served
from a public ``/media/`` address: each app's view checks who may read the file and then
answers with :func:`file_response`. Operators must not expose ``MEDIA_ROOT`` through the
reverse proxy (docs/operacion.md)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

# Shown in the browser; anything else is downloaded.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def file_response(field_file: FieldFile | None, *, download_name: str = "") -> FileResponse:
    """The stored file as a response (404 when missing), with a safe name and type: PDFs and
    images open in the browser, everything else downloads; ``nosniff`` and a sandboxing CSP
    keep a disguised file from running as a page."""
    if not field_file or not field_file.name:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = download_name or PurePath(field_file.name).name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=name,
        content_type=content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
