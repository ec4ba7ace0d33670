"""Reads the attachments of platform payloads into ``IncomingAttachment`` rows: Messenger and
Instagram direct messages (``message.attachments[]``, ``is_unsupported``), Facebook feed
comments and posts (``photo``, ``video``, ``photos``, ``link``), X API v2 posts
(``attachments.media_keys`` with ``includes.media``, and ``entities.urls``) and the columns of
file imports. YouTube's Data API gives comments no attachments.

Only http(s) addresses are kept (agora/inbox/attachments.py: ``web_url``)."""

from __future__ import annotations

import mimetypes
from typing import Any
from urllib.parse import urlsplit

from agora.inbox.attachments import IncomingAttachment, coordinate, unsupported, web_url
from agora.inbox.models import AttachmentKind

# Messenger / Instagram attachment "type" -> kind.
META_KINDS = {
    "image": AttachmentKind.IMAGEN,
    "video": AttachmentKind.VIDEO,
    "audio": AttachmentKind.AUDIO,
    "file": AttachmentKind.ARCHIVO,
    "location": AttachmentKind.UBICACION,
    "fallback": AttachmentKind.ENLACE,
    "template": AttachmentKind.ENLACE,
    "share": AttachmentKind.PUBLICACION,
    "ig_post": AttachmentKind.PUBLICACION,
    "reel": AttachmentKind.PUBLICACION,
    "ig_reel": AttachmentKind.PUBLICACION,
    "story_mention": AttachmentKind.HISTORIA,
    "sticker": AttachmentKind.STICKER,
    "animated_image_share": AttachmentKind.IMAGEN,
}
# X media "type" -> kind.
X_KINDS = {
    "photo": AttachmentKind.IMAGEN,
    "video": AttachmentKind.VIDEO,
    "animated_gif": AttachmentKind.VIDEO,
}
# Extensions of the addresses given in an import's «attachments» column.
_IMPORT_KINDS = {
    "image": AttachmentKind.IMAGEN,
    "video": AttachmentKind.VIDEO,
    "audio": AttachmentKind.AUDIO,
    "application": AttachmentKind.ARCHIVO,
}


def _str(value: object) -> str:
    if type(value) is str:  # the common case first
        return value.strip()
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value).strip()


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _mime(url: str) -> str:
    """The type a file address names by its extension (``…/informe.pdf?…``), when it does."""
    if not url:
        return ""
    guessed, _encoding = mimetypes.guess_type(urlsplit(url).path)
    return guessed or ""


# --- Messenger and Instagram direct messages ---------------------------------------------------


def _template(payload: dict[str, Any]) -> tuple[str, str, str]:
    """(title, link, image) of the first element of a template (generic, media, product…)."""
    elements = _list(payload.get("elements")) or _list(
        _dict(payload.get("product")).get("elements")
    )
    first = _dict(elements[0]) if elements else {}
    title = _str(first.get("title")) or _str(payload.get("text"))
    link = web_url(_dict(first.get("default_action")).get("url")) or web_url(first.get("url"))
    if not link:
        for button in _list(first.get("buttons")) + _list(payload.get("buttons")):
            link = web_url(_dict(button).get("url"))
            if link:
                break
    return title, link, web_url(first.get("image_url"))


def meta_message_attachments(
    message: dict[str, Any], platform: str
) -> tuple[IncomingAttachment, ...]:
    """The attachments of a Messenger or Instagram ``message`` object, in order; a message the
    platform marks ``is_unsupported`` carries a link to open it on the platform."""
    items = [_dict(item) for item in _list(message.get("attachments"))]
    # Since November 2025 Instagram sends a shared post twice: "share" and "ig_post".
    ig_posts = {
        _str(_dict(item.get("payload")).get("ig_post_media_id"))
        for item in items
        if _str(item.get("type")) == "ig_post"
    } - {""}
    out: list[IncomingAttachment] = []
    for item in items:
        kind_name = _str(item.get("type"))
        payload = _dict(item.get("payload"))
        if kind_name == "share" and _str(payload.get("ig_post_media_id")) in ig_posts:
            continue
        url = web_url(payload.get("url")) or web_url(item.get("url"))
        title = _str(payload.get("title")) or _str(item.get("title"))
        kind = META_KINDS.get(kind_name)
        preview = ""
        latitude = longitude = None
        if kind_name == "image" and payload.get("sticker_id") is not None:
            kind = AttachmentKind.STICKER
        elif kind_name == "location":
            coordinates = _dict(payload.get("coordinates"))
            latitude = coordinate(coordinates.get("lat"), 90)
            longitude = coordinate(coordinates.get("long", coordinates.get("lng")), 180)
        elif kind_name == "template":
            template_title, link, preview = _template(payload)
            title = title or template_title
            url = url or link
        if kind is None:
            # A type this version does not know: its link if it has one, else say so.
            if not url:
                out.append(unsupported(platform))
                continue
            kind = AttachmentKind.ENLACE
        platform_id = (
            _str(payload.get("ig_post_media_id"))
            or _str(payload.get("reel_video_id"))
            or _str(payload.get("attachment_id"))
            or _str(payload.get("sticker_id"))
            or _str(item.get("id"))
        )
        out.append(
            IncomingAttachment(
                kind=kind,
                url=url,
                preview_url=preview,
                title=title,
                latitude=latitude,
                longitude=longitude,
                mime_type=_mime(url)
                if kind in (AttachmentKind.ARCHIVO, AttachmentKind.AUDIO, AttachmentKind.VIDEO)
                else "",
                platform_id=platform_id,
            )
        )
    # A reply to the entity's Instagram story: the story it answers (expires in 24 hours).
    story = _dict(_dict(message.get("reply_to")).get("story"))
    if web_url(story.get("url")):
        out.append(
            IncomingAttachment(
                kind=AttachmentKind.HISTORIA,
                url=web_url(story.get("url")),
                platform_id=_str(story.get("id")),
            )
        )
    if message.get("is_unsupported") is True:
        out.append(unsupported(platform))
    return tuple(out)


# --- Facebook feed -----------------------------------------------------------------------------


# The keys of a feed change that may hold an attachment (read below).
_FEED_ATTACHMENT_KEYS = frozenset({"photo", "photos", "video", "link"})


def meta_feed_attachments(value: dict[str, Any]) -> tuple[IncomingAttachment, ...]:
    """The photo, video or link of a feed change: a comment's ``photo``/``video``; a post's
    ``photos`` list; the ``link`` of a photo, video or shared-link item."""
    if _FEED_ATTACHMENT_KEYS.isdisjoint(value):
        return ()  # most comments: text only (this runs for every line of a file import)
    item = _str(value.get("item"))
    found: list[IncomingAttachment] = []
    seen: set[str] = set()

    def add(kind: str, url: str, platform_id: str = "") -> None:
        if url and url not in seen:
            seen.add(url)
            found.append(IncomingAttachment(kind=kind, url=url, platform_id=platform_id))

    photo_id = _str(value.get("photo_id"))
    video_id = _str(value.get("video_id"))
    add(AttachmentKind.IMAGEN, web_url(value.get("photo")), photo_id)
    for photo in _list(value.get("photos")):
        add(AttachmentKind.IMAGEN, web_url(photo))
    add(AttachmentKind.VIDEO, web_url(value.get("video")), video_id)
    link = web_url(value.get("link"))
    if item == "photo":
        add(AttachmentKind.IMAGEN, link, photo_id)
    elif item == "video":
        add(AttachmentKind.VIDEO, link, video_id)
    elif item in ("share", "link") or (item in ("status", "post") and not found):
        add(AttachmentKind.ENLACE, link, _str(value.get("share_id")))
    return tuple(found)


# --- X API v2 ----------------------------------------------------------------------------------


def x_media_index(page: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``includes.media`` of a page by ``media_key``."""
    media = _list(_dict(page.get("includes")).get("media"))
    return {_str(_dict(m).get("media_key")): _dict(m) for m in media if _dict(m).get("media_key")}


def _best_variant(media: dict[str, Any]) -> tuple[str, str]:
    """(url, content type) of the video variant with the highest bit rate."""
    best: tuple[int, str, str] | None = None
    for variant in _list(media.get("variants")):
        variant = _dict(variant)
        url = web_url(variant.get("url"))
        if not url:
            continue
        rate = variant.get("bit_rate")
        score = rate if isinstance(rate, int) and not isinstance(rate, bool) else -1
        if best is None or score > best[0]:
            best = (score, url, _str(variant.get("content_type")))
    return (best[1], best[2]) if best else ("", "")


def x_tweet_attachments(
    tweet: dict[str, Any], media: dict[str, dict[str, Any]]
) -> tuple[IncomingAttachment, ...]:
    """A post's photos, videos and GIFs (``attachments.media_keys`` looked up in
    ``includes.media``) and the links of its text (``entities.urls``, expanded; the links of
    its own media left out)."""
    out: list[IncomingAttachment] = []
    tweet_id = _str(tweet.get("id"))
    for key in _list(_dict(tweet.get("attachments")).get("media_keys")):
        key = _str(key)
        item = media.get(key)
        if not key or item is None:
            continue
        kind = X_KINDS.get(_str(item.get("type")), AttachmentKind.ARCHIVO)
        url = web_url(item.get("url"))
        mime = _mime(url) if kind == AttachmentKind.IMAGEN else ""
        if kind == AttachmentKind.VIDEO:
            url, mime = _best_variant(item)
            if not url and tweet_id:
                url = f"https://x.com/i/web/status/{tweet_id}"
        out.append(
            IncomingAttachment(
                kind=kind,
                url=url,
                preview_url=web_url(item.get("preview_image_url")),
                title=_str(item.get("alt_text")),
                mime_type=mime,
                platform_id=key,
            )
        )
    for entity in _list(_dict(tweet.get("entities")).get("urls")):
        entity = _dict(entity)
        if entity.get("media_key"):
            continue
        url = web_url(entity.get("unwound_url")) or web_url(entity.get("expanded_url"))
        if url:
            out.append(
                IncomingAttachment(
                    kind=AttachmentKind.ENLACE, url=url, title=_str(entity.get("title"))
                )
            )
    return tuple(out)


# --- file imports ------------------------------------------------------------------------------


def import_attachments(cell: str) -> tuple[IncomingAttachment, ...]:
    """The addresses of an import's «attachments» column (separated by spaces or line breaks):
    the kind from the extension (an image, a video, …), a link otherwise. Raises ValueError
    naming the first value that is not an http(s) address."""
    out = []
    for value in cell.split():
        url = web_url(value)
        if not url:
            raise ValueError(value)
        mime = _mime(url)
        kind = _IMPORT_KINDS.get(mime.split("/")[0], AttachmentKind.ENLACE) if mime else None
        out.append(IncomingAttachment(kind=kind or AttachmentKind.ENLACE, url=url, mime_type=mime))
    return tuple(out)
