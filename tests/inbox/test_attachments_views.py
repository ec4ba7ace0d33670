"""Attachments where staff see them: the conversation page (a thumbnail through the platform's
address, links, a map link for a location, the unsupported-message notice; everything escaped,
only http(s) addresses), the Content-Security-Policy that lets those thumbnails load, the API
(with its schema) and the CSV export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.validation import validate_schema

from agora.core.models import User
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.inbox.attachments import IncomingAttachment
from agora.inbox.models import Conversation, ThreadKind
from tests.helpers import html, login
from tests.inbox.test_views import minsa_account  # noqa: F401 - fixture

CDN = "https://scontent.xx.fbcdn.net/v/t1/foto_tuberia.jpg?_nc_cat=1&oh=" + "ab" * 300
XSS_TITLE = '"><script>alert(1)</script>'


def _ingest(account: SocialAccount, message_id: str, *attachments: IncomingAttachment) -> None:
    services.messages_ingest(
        batch=[
            services.IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id="ciudadano-7",
                message_id=message_id,
                sent_at=timezone.now() - timedelta(minutes=5),
                author_id="ciudadano-7",
                author_name="Rosa Quispe",
                attachments=attachments,
            )
        ]
    )


@pytest.fixture
def with_attachments(minsa_account: SocialAccount) -> Conversation:  # noqa: F811
    _ingest(
        minsa_account,
        "m-foto",
        IncomingAttachment(kind="imagen", url=CDN, title="Tubería rota"),
        IncomingAttachment(
            kind="ubicacion", title="Jr. Huallaga", latitude=-12.0464, longitude=-77.0428
        ),
        IncomingAttachment(kind="enlace", url="https://www.gob.pe/nota", title=XSS_TITLE),
        IncomingAttachment(
            kind="archivo", url="https://cdn.fbsbx.com/acta.pdf", mime_type="application/pdf"
        ),
        # A foreign host: a link only, never loaded by the page.
        IncomingAttachment(kind="imagen", url="https://malo.example/pixel.gif"),
        IncomingAttachment(kind="video", url="javascript:alert(1)"),
    )
    _ingest(minsa_account, "m-nc", IncomingAttachment(kind="no_compatible",
            url="https://business.facebook.com/latest/inbox/all"))  # fmt: skip
    return Conversation.objects.get(thread_id="ciudadano-7")


def test_the_conversation_shows_thumbnail_links_and_map(
    client: Client, communicator: User, with_attachments: Conversation
) -> None:
    login(client, communicator)
    response = client.get(f"/bandeja/{with_attachments.pk}/")
    assert response.status_code == 200
    page = html(response)
    escaped = CDN.replace("&", "&amp;")
    assert f'<img class="attachment-thumb" src="{escaped}" loading="lazy"' in page
    assert 'alt="Tubería rota"' in page
    assert f'<a href="{escaped}" rel="noopener noreferrer">Abrir la imagen</a>' in page
    assert "https://www.openstreetmap.org/?mlat=-12.046400&amp;mlon=-77.042800" in page
    assert "Ver en el mapa (-12,04640, -77,04280)" in page
    assert "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert XSS_TITLE not in page
    assert "(application/pdf)" in page
    assert 'src="https://malo.example' not in page
    assert 'href="https://malo.example/pixel.gif"' in page
    assert "javascript:" not in page
    assert "Mensaje no compatible: ábralo en Facebook" in page
    assert 'href="https://business.facebook.com/latest/inbox/all"' in page
    csp = response["Content-Security-Policy"]
    img_src = next(d for d in csp.split(";") if d.strip().startswith("img-src"))
    assert "https://*.fbcdn.net" in img_src and "https://pbs.twimg.com" in img_src
    assert "https:;" not in csp and " https: " not in img_src + " "


def test_the_list_titles_an_attachment_only_conversation(
    client: Client, communicator: User, with_attachments: Conversation
) -> None:
    assert with_attachments.subject == "[Imagen, Ubicación, Enlace, Archivo, Video]"
    assert with_attachments.due_at is not None
    login(client, communicator)
    assert "[Imagen, Ubicación, Enlace, Archivo, Video]" in html(client.get("/bandeja/"))


def test_the_api_lists_each_messages_attachments(
    client: Client, communicator: User, with_attachments: Conversation
) -> None:
    login(client, communicator)
    response = client.get(f"/api/v1/conversations/{with_attachments.pk}/messages/")
    assert response.status_code == 200
    first = response.json()["results"][0]
    assert [a["kind"] for a in first["attachments"]] == [
        "imagen",
        "ubicacion",
        "enlace",
        "archivo",
        "imagen",
        "video",
    ]
    assert first["attachments"][0]["url"] == CDN
    assert first["attachments"][1]["latitude"] == -12.0464
    assert first["attachments"][5]["url"] == ""  # a javascript: address is never stored


def test_the_schema_documents_attachments(client: Client, db: None) -> None:
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    validate_schema(schema)
    fields = schema["components"]["schemas"]["Attachment"]["properties"]
    assert {"kind", "url", "title", "latitude", "longitude", "mime_type"} <= set(fields)


def test_the_export_keeps_the_attachments(
    client: Client, communicator: User, with_attachments: Conversation
) -> None:
    login(client, communicator)
    response = client.get("/bandeja/exportar.csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.splitlines()[0].endswith(",mensajes,adjuntos")
    assert f"Imagen: Tubería rota {CDN}" in body
    assert "Ubicación: Jr. Huallaga -12.0464, -77.0428" in body
    assert "Contenido no compatible: https://business.facebook.com/latest/inbox/all" in body
