"""Attachments of citizens' messages on every platform: read from Messenger, Instagram, the
Facebook feed, X API v2 and file imports into rows of their own (kind, address, title,
coordinates, MIME type, the platform's id); a message that is only an attachment is a citizen
message waiting for an answer; an unsupported message says so; replays never duplicate them.
YouTube's Data API gives comments no attachments (nothing to read there)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agora.connectors import imports, meta, x
from agora.connectors.attachments import meta_message_attachments
from agora.core.models import User
from agora.directory.models import Entity, Platform, SocialAccount
from agora.inbox import services as inbox
from agora.inbox.attachments import IncomingAttachment, web_url
from agora.inbox.models import Attachment, AttachmentKind, Conversation, Message, Status
from tests.connectors.payloads import attach_payloads as payloads
from tests.helpers import make_verified_account

X_USER_ID = "1240392157542305793"


@pytest.fixture
def fb(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(
        rector, entities["minsa"], Platform.FACEBOOK, "minsaperu", payloads.PAGE_ID
    )


@pytest.fixture
def ig(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(
        rector, entities["minsa"], Platform.INSTAGRAM, "minsaperu", payloads.IG_ID
    )


@pytest.fixture
def xa(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["minsa"], Platform.X, "@Minsa_Peru", X_USER_ID)


def _post(payload: dict[str, Any]) -> meta.MetaResult:
    return meta.handle_webhook_body(json.dumps(payload).encode())


def _attachments(mid: str) -> list[Attachment]:
    return list(Attachment.objects.filter(message__platform_message_id=mid).order_by("position"))


# --- Messenger -------------------------------------------------------------------------------


def test_messenger_attachments_become_rows_with_the_whole_address(fb: SocialAccount) -> None:
    _post(payloads.messenger_attachments())
    image = _attachments("m_img1")
    assert [(a.kind, a.url, a.position) for a in image] == [
        (AttachmentKind.IMAGEN, payloads.CDN_IMAGE, 0)
    ]
    assert len(payloads.CDN_IMAGE) > 500  # stored whole, never cut
    assert [a.kind for a in _attachments("m_txtimg")] == ["imagen", "video"]
    assert Message.objects.get(platform_message_id="m_txtimg").text.startswith("Así está")
    audio, pdf = _attachments("m_audio")[0], _attachments("m_file")[0]
    assert (audio.kind, audio.url, audio.mime_type) == ("audio", payloads.CDN_AUDIO, "video/mp4")
    assert (pdf.kind, pdf.mime_type) == ("archivo", "application/pdf")
    location = _attachments("m_loc")[0]
    assert (location.kind, location.latitude, location.longitude, location.title) == (
        "ubicacion",
        -12.0464,
        -77.0428,
        "Ubicación de Rosa",
    )
    fallback = _attachments("m_fallback")[0]
    assert (fallback.kind, fallback.title, fallback.url) == (
        "enlace",
        "Corte de agua en Lima Cercado",
        "https://www.gob.pe/institucion/sedapal/noticias/1",
    )
    sticker = _attachments("m_sticker")[0]
    assert (sticker.kind, sticker.platform_id) == ("sticker", "369239263222822")


def test_an_attachment_only_message_is_a_citizen_message_waiting_for_an_answer(
    fb: SocialAccount,
) -> None:
    _post(payloads.messenger_attachments())
    message = Message.objects.get(platform_message_id="m_img1")
    assert message.text == ""  # what the citizen wrote: nothing; the photo is the message
    assert message.direction == "entrante"
    conversation = message.conversation
    assert conversation.status == Status.NUEVO
    assert conversation.awaiting_since is not None
    assert conversation.due_at is not None
    # Its title says what it is (the list shows it), in Spanish.
    assert conversation.subject == "[Imagen]"


def test_only_http_addresses_are_kept(fb: SocialAccount) -> None:
    _post(payloads.messenger_attachments())
    image, fallback = _attachments("m_xss")
    assert image.url == "" and fallback.url == ""
    assert fallback.title == '<script>alert("x")</script>'  # kept as text, escaped when shown
    assert web_url(" https://ok.example/a ") == "https://ok.example/a"
    assert web_url("javascript:alert(1)") == web_url("//host/a") == web_url(42) == ""


def test_a_replayed_body_never_duplicates_attachments(fb: SocialAccount) -> None:
    body = payloads.messenger_attachments()
    _post(body)
    count = Attachment.objects.count()
    assert count == 10
    second = _post(body)
    assert second.ingest.created == 0
    assert Attachment.objects.count() == count


# --- Instagram -------------------------------------------------------------------------------


def test_instagram_story_mention_shared_post_reel_and_photo(ig: SocialAccount) -> None:
    _post(payloads.instagram_attachments())
    story = _attachments("aWdfZAG1faXRlbTox_story")
    assert [(a.kind, a.url) for a in story] == [("historia", payloads.IG_CDN + "&s=1")]
    # The same post sent as «share» and «ig_post» is one attachment.
    shared = _attachments("aWdfZAG1faXRlbTox_share")
    assert [(a.kind, a.platform_id, a.title) for a in shared] == [
        ("publicacion", "18139494541428835", "Jornada de vacunación este sábado")
    ]
    reel = _attachments("aWdfZAG1faXRlbTox_reel")
    assert [(a.kind, a.platform_id) for a in reel] == [("publicacion", "18040986763063543")]
    photo = _attachments("aWdfZAG1faXRlbTox_photo")  # came as a «changes» item
    assert [a.kind for a in photo] == ["imagen"]
    assert Attachment.objects.filter(is_demo=True).count() == 0


def test_an_unsupported_instagram_message_says_so_and_links_to_instagram(
    ig: SocialAccount,
) -> None:
    _post(payloads.instagram_attachments())
    message = Message.objects.get(platform_message_id="aWdfZAG1faXRlbTox_unsup")
    [unsupported] = _attachments("aWdfZAG1faXRlbTox_unsup")
    assert unsupported.kind == AttachmentKind.NO_COMPATIBLE
    assert unsupported.url == "https://www.instagram.com/direct/inbox/"
    assert message.text == ""
    # The citizen's thread (one conversation per citizen) waits for an answer.
    assert message.conversation.awaiting_since is not None


def test_an_unsupported_first_message_titles_its_conversation_in_spanish(
    ig: SocialAccount,
) -> None:
    body = {
        "object": "instagram",
        "entry": [
            {
                "id": payloads.IG_ID,
                "time": 1714564800500,
                "messaging": [
                    {
                        "sender": {"id": "555"},
                        "recipient": {"id": payloads.IG_ID},
                        "timestamp": "1714564800000",
                        "message": {"mid": "aWdf_only_unsupported", "is_unsupported": True},
                    }
                ],
            }
        ],
    }
    _post(body)
    conversation = Conversation.objects.get(thread_id="555")
    assert conversation.subject == "Mensaje no compatible: ábralo en Instagram"
    assert conversation.due_at is not None


def test_an_unknown_attachment_type_is_kept_as_a_link_or_marked_unsupported() -> None:
    found = meta_message_attachments(
        {
            "attachments": [
                {"type": "nuevo_tipo", "payload": {"url": "https://x.example/a"}},
                {"type": "otro_tipo"},
                "no es un objeto",
            ]
        },
        Platform.FACEBOOK,
    )
    assert [(a.kind, a.url) for a in found] == [
        ("enlace", "https://x.example/a"),
        ("no_compatible", "https://business.facebook.com/latest/inbox/all"),
        ("no_compatible", "https://business.facebook.com/latest/inbox/all"),
    ]


# --- Facebook feed ---------------------------------------------------------------------------


def test_feed_comments_keep_their_photo_and_video(fb: SocialAccount) -> None:
    _post(payloads.facebook_feed_attachments())
    photo = Message.objects.get(platform_message_id="555_1")
    assert photo.text == ""
    assert [(a.kind, a.url) for a in _attachments("555_1")] == [("imagen", payloads.CDN_IMAGE)]
    assert photo.conversation.due_at is not None  # a photo alone is a question to answer
    assert [a.kind for a in _attachments("555_2")] == ["video"]
    assert Message.objects.get(platform_message_id="555_2").text == "Video del desborde"


def test_an_edit_that_changes_the_photo_replaces_it_once(fb: SocialAccount) -> None:
    body = payloads.facebook_feed_attachments()
    change = body["entry"][1]["changes"][0]["value"]
    _post(body)
    edited = dict(change, verb="edited", photo=payloads.CDN_IMAGE, video=None)
    edit_body = {"object": "page", "entry": [{"id": payloads.PAGE_ID, "changes": [
        {"field": "feed", "value": edited}]}]}  # fmt: skip
    _post(edit_body)
    _post(edit_body)
    # The edit's attachments replace the old ones; its replay changes nothing.
    assert [(a.kind, a.url) for a in _attachments("555_2")] == [("imagen", payloads.CDN_IMAGE)]
    first = Attachment.objects.get(message__platform_message_id="555_2").pk
    _post(edit_body)
    assert Attachment.objects.get(message__platform_message_id="555_2").pk == first


def test_a_removed_comment_brings_no_attachments(fb: SocialAccount) -> None:
    body = payloads.facebook_feed_attachments()
    _post(body)
    value = dict(body["entry"][0]["changes"][0]["value"], verb="remove")
    _post({"object": "page", "entry": [{"id": payloads.PAGE_ID, "changes": [
        {"field": "feed", "value": value}]}]})  # fmt: skip
    assert Message.objects.get(platform_message_id="555_1").deleted_at is not None
    assert len(_attachments("555_1")) == 1


# --- X ---------------------------------------------------------------------------------------


def test_x_media_and_links_are_read_from_the_expansions(xa: SocialAccount) -> None:
    page = payloads.x_mentions_with_media(X_USER_ID)
    events = x.parse_mentions(page, xa)
    photo_post, video_post = sorted(events, key=lambda e: e.message_id)
    assert photo_post.attachments == (
        IncomingAttachment(
            kind="imagen",
            url="https://pbs.twimg.com/media/GMabcdeXYZ.jpg",
            title="Basura acumulada en la esquina",
            mime_type="image/jpeg",
            platform_id="3_1786000000000000001",
        ),
    )  # the pic.x.com link of its own photo is not a second attachment
    video, gif, link = video_post.attachments
    assert (video.kind, video.url, video.mime_type, video.preview_url) == (
        "video",
        "https://video.twimg.com/ext_tw_video/1/pu/vid/1280x720/a.mp4",  # the best variant
        "video/mp4",
        "https://pbs.twimg.com/ext_tw_video_thumb/1/pu/img/a.jpg",
    )
    assert (gif.kind, gif.url) == ("video", "https://video.twimg.com/tweet_video/b.mp4")
    assert (link.kind, link.url, link.title) == (
        "enlace",
        "https://www.gob.pe/institucion/minsa/noticias/2",
        "Nota de prensa",
    )
    inbox.messages_ingest(batch=events)
    inbox.messages_ingest(batch=x.parse_mentions(page, xa))
    assert Attachment.objects.count() == 4


def test_x_asks_for_the_media_it_reads() -> None:
    assert "attachments.media_keys" in x.EXPANSIONS
    assert "attachments" in x.TWEET_FIELDS.split(",")
    assert {"url", "preview_image_url", "variants"} <= set(x.MEDIA_FIELDS.split(","))


def test_an_x_post_whose_media_is_missing_from_includes_keeps_its_text(
    xa: SocialAccount,
) -> None:
    page = payloads.x_mentions_with_media(X_USER_ID)
    del page["includes"]["media"]
    events = x.parse_mentions(page, xa)
    assert next(e.attachments for e in events) == ()


# --- file imports ----------------------------------------------------------------------------


def test_a_csv_import_reads_the_attachments_column(fb: SocialAccount, tmp_path: Path) -> None:
    path = tmp_path / "mensajes.csv"
    path.write_text(
        "account,thread_id,message_id,sent_at,text,thread_kind,attachments\n"
        f"{payloads.PAGE_ID},c1,c1,2024-05-01T12:00:00Z,,mensaje_directo,"
        '"https://ejemplo.pe/foto.jpg https://ejemplo.pe/acta.pdf https://ejemplo.pe/nota"\n'
        f"{payloads.PAGE_ID},c2,c2,2024-05-01T12:00:00Z,hola,mensaje_directo,javascript:x\n",
        encoding="utf-8",
    )
    report = imports.import_file(path=path, platform="csv")
    assert report.created == 1
    assert [str(e) for e in report.errors] == [
        "Línea 3: Adjunto no válido «javascript:x»: use direcciones http:// o https://."
    ]
    assert [(a.kind, a.mime_type) for a in _attachments("c1")] == [
        ("imagen", "image/jpeg"),
        ("archivo", "application/pdf"),
        ("enlace", ""),
    ]
    again = imports.import_file(path=path, platform="csv")
    assert again.created == 0
    assert Attachment.objects.count() == 3


def test_a_meta_jsonl_import_keeps_attachments(fb: SocialAccount, tmp_path: Path) -> None:
    path = tmp_path / "meta.jsonl"
    path.write_text(json.dumps(payloads.messenger_attachments()) + "\n", encoding="utf-8")
    report = imports.import_file(path=path, platform="meta")
    assert report.created == 8
    assert Attachment.objects.count() == 10
