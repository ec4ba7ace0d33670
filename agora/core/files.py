"""Uploaded files (evidence of commitments, documents of admission requests) are never served
from a public ``/media/`` address: each app's view checks who may read the file and then
answers with :func:`file_response`. Operators must not expose ``MEDIA_ROOT`` through the
reverse proxy (docs/operacion.md)."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

import filetype
from django.core.files.uploadedfile import UploadedFile
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


def sniffed_type(upload: UploadedFile) -> str:
    """The MIME type of an upload read from its first bytes (``filetype``), never from its
    name; "" when the content is of no known type."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind is not None else ""


# The extensions each sniffed type may be uploaded with: a PDF named .jpg is refused too.
EXTENSIONS_OF = {
    "application/pdf": {".pdf"},
    "image/png": {".png"},
    "image/jpeg": {".jpg", ".jpeg"},
    "image/gif": {".gif"},
    "image/webp": {".webp"},
    "video/mp4": {".mp4"},
}


def upload_is(upload: UploadedFile, allowed: set[str]) -> bool:
    """The upload's content is one of ``allowed`` MIME types and its name has that type's
    extension (an HTML page named .pdf, or a program named .jpg, is not a PDF or an image)."""
    mime = sniffed_type(upload)
    if mime not in allowed:
        return False
    suffix = PurePath((upload.name or "").lower()).suffix
    return suffix in EXTENSIONS_OF.get(mime, {suffix})
