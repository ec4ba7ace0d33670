"""Attachments of citizens' messages (photos, videos, files, locations, links, shared posts,
story mentions, content the platform cannot deliver): what a connector reads
(``IncomingAttachment``), how ingestion stores them in bulk (idempotent on message and
position), and how staff pages, exports and the API show them. Ágora keeps the address the
platform gave, never a copy of the file (platform CDN addresses may expire)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from agora.directory.models import Platform
from agora.inbox.bulk_sql import column_types, execute, row_sources
from agora.inbox.models import Attachment, AttachmentKind

# Rows per INSERT statement (12 parameters each).
INSERT_CHUNK = 1_000
MIME_MAX = Attachment._meta.get_field("mime_type").max_length or 120
TITLE_MAX = 2_000
# Where a person opens a message the platform could not deliver to Ágora.
PLATFORM_INBOX: dict[str, str] = {
    Platform.INSTAGRAM: "https://www.instagram.com/direct/inbox/",
    Platform.FACEBOOK: "https://business.facebook.com/latest/inbox/all",
}
# Kinds shown as a picture when the address is an image the platform serves.
IMAGE_KINDS = {AttachmentKind.IMAGEN, AttachmentKind.STICKER, AttachmentKind.HISTORIA}


@dataclass(frozen=True)
class IncomingAttachment:
    """One attachment of an ``IncomingMessage``, already parsed by a connector."""

    kind: str
    url: str = ""
    preview_url: str = ""
    title: str = ""
    latitude: float | None = None
    longitude: float | None = None
    mime_type: str = ""
    platform_id: str = ""


_WEB_PREFIXES = ("https://", "http://")
_NOT_IN_URL = ("\r", "\n", "\t", "\x00", " ")


def web_url(value: object) -> str:
    """``value`` when it is an absolute http(s) address, else empty: nothing else (javascript:,
    data:, relative paths) is ever stored or linked."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if text.startswith(_WEB_PREFIXES) and text.isascii() and "[" not in text and "]" not in text:
        # The common case (a file import reads one per photo): what ``_web_url`` decides, without
        # urlsplit (tests/inbox/test_ingest_speedups.py compares them).
        if any(c in text for c in _NOT_IN_URL):
            return ""
        rest = text[8:] if text[4] == "s" else text[7:]
        return text if rest and rest[0] not in "/?#" else ""
    return _web_url(text)


def _web_url(text: str) -> str:
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    if any(c in text for c in "\r\n\t\x00 "):
        return ""
    return text


def coordinate(value: object, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (180) as a float; None when unreadable."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if number != number or abs(number) > limit:  # NaN or out of range
        return None
    return number


def unsupported(platform: str) -> IncomingAttachment:
    """What a message the platform cannot deliver to Ágora carries: a link to open it there."""
    return IncomingAttachment(
        kind=AttachmentKind.NO_COMPATIBLE, url=PLATFORM_INBOX.get(platform, "")
    )


def unsupported_text(platform: str) -> str:
    return _("Mensaje no compatible: ábralo en %(platform)s") % {
        "platform": Platform(platform).label if platform in Platform.values else platform
    }


def attachments_summary(attachments: Sequence[IncomingAttachment], platform: str) -> str:
    """A short Spanish description of a message that has only attachments: the title of its
    conversation (the message's text stays what the citizen wrote, empty)."""
    if not attachments:
        return ""
    if any(a.kind == AttachmentKind.NO_COMPATIBLE for a in attachments):
        return unsupported_text(platform)
    labels: list[str] = []
    for attachment in attachments:
        label = str(AttachmentKind(attachment.kind).label)
        if label not in labels:
            labels.append(label)
    return "[" + ", ".join(labels) + "]"


def _row(
    message_id: int, position: int, attachment: IncomingAttachment, is_demo: bool
) -> tuple[Any, ...]:
    return (
        message_id,
        position,
        attachment.kind,
        # Whatever the connector: nothing but http(s) addresses is stored.
        web_url(attachment.url),
        web_url(attachment.preview_url),
        attachment.title[:TITLE_MAX],
        attachment.latitude,
        attachment.longitude,
        attachment.mime_type[:MIME_MAX],
        attachment.platform_id,
        is_demo,
    )


_COLUMNS = [
    "message_id",
    "position",
    "kind",
    "url",
    "preview_url",
    "title",
    "latitude",
    "longitude",
    "mime_type",
    "platform_id",
    "is_demo",
]


def attachments_store(
    items: Iterable[tuple[int, Sequence[IncomingAttachment]]], *, is_demo: bool = False
) -> int:
    """Stores the attachments of stored messages ((message id, attachments) pairs) in
    multi-row inserts; a replay (same message and position) changes nothing. Returns how
    many rows were offered."""
    rows = [
        _row(message_id, position, attachment, is_demo)
        for message_id, attachments in items
        for position, attachment in enumerate(attachments)
    ]
    if not rows:
        return 0
    table = Attachment._meta.db_table
    columns = ", ".join(_COLUMNS)
    types = column_types(Attachment, _COLUMNS)
    with connection.cursor() as cursor:
        for source, params in row_sources(rows, types, _COLUMNS, INSERT_CHUNK):
            execute(
                cursor,
                f"INSERT INTO {table} ({columns}) {source}"
                " ON CONFLICT (message_id, position) DO NOTHING",
                params,
            )
    return len(rows)


def attachments_sync(
    known: Mapping[int, Sequence[IncomingAttachment]], *, is_demo: bool = False
) -> int:
    """Brings the attachments of stored messages (by message id) to what the platform sent
    last: an edit that changed them, or fresher addresses of a re-read. Messages whose
    attachments are the same are not touched (a replay writes nothing). Returns how many
    messages changed."""
    if not known:
        return 0
    stored: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    ids = sorted(known)
    for start in range(0, len(ids), INSERT_CHUNK):
        for row in (
            Attachment.objects.filter(message_id__in=ids[start : start + INSERT_CHUNK])
            .order_by("message_id", "position")
            .values_list("message_id", *_COLUMNS[1:-1])
        ):
            stored[row[0]].append(tuple(row))
    changed = [
        message_id
        for message_id, attachments in known.items()
        if [_row(message_id, i, a, is_demo)[:-1] for i, a in enumerate(attachments)]
        != stored.get(message_id, [])
    ]
    if changed:
        Attachment.objects.filter(message_id__in=changed).delete()
        attachments_store(
            [(message_id, known[message_id]) for message_id in changed], is_demo=is_demo
        )
    return len(changed)


# --- reading -----------------------------------------------------------------------------------


def _host_allowed(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    for allowed in settings.ATTACHMENT_IMAGE_HOSTS:
        allowed = allowed.lower()
        if allowed.startswith("*."):
            if host.endswith(allowed[1:]):
                return True
        elif host == allowed:
            return True
    return False


def image_source(attachment: Attachment) -> str:
    """The address to show as a thumbnail: an https image on one of the platform hosts the
    Content-Security-Policy lets the page load (settings.ATTACHMENT_IMAGE_HOSTS); empty
    otherwise (the attachment is then shown as a link only)."""
    candidates = [attachment.preview_url]
    if attachment.kind in IMAGE_KINDS:
        candidates.insert(0, attachment.url)
    for candidate in candidates:
        url = web_url(candidate)
        if url.startswith("https://") and _host_allowed(url):
            return url
    return ""


def map_url(attachment: Attachment) -> str:
    if attachment.latitude is None or attachment.longitude is None:
        return ""
    lat, lon = f"{attachment.latitude:.6f}", f"{attachment.longitude:.6f}"
    query = urlencode({"mlat": lat, "mlon": lon})
    return f"https://www.openstreetmap.org/?{query}#map=17/{lat}/{lon}"


def link_label(attachment: Attachment, platform: str) -> str:
    """What the link of an attachment says (Spanish)."""
    kind = attachment.kind
    if kind == AttachmentKind.NO_COMPATIBLE:
        return unsupported_text(platform)
    if kind == AttachmentKind.IMAGEN:
        return _("Abrir la imagen")
    if kind == AttachmentKind.VIDEO:
        return _("Abrir el video")
    if kind == AttachmentKind.AUDIO:
        return _("Escuchar el audio")
    if kind == AttachmentKind.ARCHIVO:
        return _("Descargar el archivo")
    if kind == AttachmentKind.HISTORIA:
        return _("Abrir la historia (caduca a las 24 horas)")
    if kind == AttachmentKind.STICKER:
        return _("Abrir el sticker")
    return _("Abrir el enlace")


def attachment_view(attachment: Attachment, platform: str) -> dict[str, Any]:
    """What the conversation page shows of one attachment (every value escaped by the
    template; addresses are http(s) only)."""
    return {
        "kind": attachment.kind,
        "label": AttachmentKind(attachment.kind).label
        if attachment.kind in AttachmentKind.values
        else attachment.kind,
        "title": attachment.title,
        "href": web_url(attachment.url),
        "link_text": link_label(attachment, platform),
        "image": image_source(attachment),
        "map": map_url(attachment),
        "latitude": attachment.latitude,
        "longitude": attachment.longitude,
        "mime_type": attachment.mime_type,
    }


def attachment_export(attachment: Attachment) -> str:
    """One attachment in an export cell: «Imagen: https://…», «Ubicación: -12.04, -77.03 …»."""
    label = str(AttachmentKind(attachment.kind).label) if attachment.kind else ""
    parts = [attachment.title] if attachment.title else []
    if attachment.latitude is not None and attachment.longitude is not None:
        parts.append(f"{attachment.latitude}, {attachment.longitude}")
    if attachment.url:
        parts.append(attachment.url)
    return f"{label}: {' '.join(parts)}" if parts else label


def attachments_by_conversation(conversation_ids: Sequence[int]) -> dict[int, list[str]]:
    """The attachments of each conversation as export cells, oldest message first (one query
    per chunk of conversations)."""
    out: dict[int, list[str]] = defaultdict(list)
    for start in range(0, len(conversation_ids), INSERT_CHUNK):
        chunk = conversation_ids[start : start + INSERT_CHUNK]
        rows = (
            Attachment.objects.filter(message__conversation_id__in=chunk)
            .select_related("message")
            .only(
                "kind",
                "url",
                "title",
                "latitude",
                "longitude",
                "message__conversation_id",
                "message__sent_at",
            )
            .order_by("message__sent_at", "message_id", "position")
        )
        for attachment in rows:
            out[attachment.message.conversation_id].append(attachment_export(attachment))
    return out
