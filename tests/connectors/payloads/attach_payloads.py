"""Payloads with attachments, written here with the fields of the platforms' documented shapes
(each builder names the page it follows). Ids are given as the platforms send them: Meta ids
as strings, some as numbers in older payloads (``app_id``, ``sticker_id``); timestamps in
milliseconds (messaging), seconds and ISO strings (feed)."""

from __future__ import annotations

from typing import Any

PAGE_ID = "104538295581642"
IG_ID = "17841405822304914"
CITIZEN_PSID = "6543210987654321"
CITIZEN_IGSID = "1207836563871592"
T0 = 1714564800  # 2024-05-01 12:00:00 UTC
# Meta CDN addresses carry signed query strings: the real ones are 500+ characters.
_SIGNATURE = "oh=00_AfD" + "x7Kq" * 140 + "&oe=6650F1A2"
CDN_IMAGE = (
    "https://scontent.xx.fbcdn.net/v/t1.15752-9/441234567_987654321_1234567890_n.jpg"
    "?_nc_cat=105&ccb=1-7&_nc_sid=5f2048&_nc_ohc=AbCdEf&_nc_ad=z-m&_nc_cid=0&" + _SIGNATURE
)
CDN_VIDEO = "https://video.xx.fbcdn.net/v/t42.3356-2/441234567_n.mp4?_nc_cat=1&" + _SIGNATURE
CDN_AUDIO = "https://cdn.fbsbx.com/v/t59.3654-21/441234567_audioclip.mp4?_nc_cat=1&" + _SIGNATURE
CDN_FILE = "https://cdn.fbsbx.com/v/t59.2708-21/441234567_informe_agua.pdf?_nc_cat=1&" + _SIGNATURE
IG_CDN = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18139494541428835&signature=" + (
    "AbC" * 150
)


def messenger_attachments() -> dict[str, Any]:
    """A page webhook with one ``messaging`` event per attachment type.

    _fuente: Messenger Platform, Webhooks reference, «messages» event
    (developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages):
    ``message.attachments[]`` of ``type`` image|video|audio|file|location|fallback|template,
    ``payload.url``, ``payload.coordinates.lat/long`` for locations, ``title``/``url`` for
    fallback, ``payload.sticker_id`` for stickers. Two entries in one body (batched)."""

    def event(mid: str, ms: int, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "sender": {"id": CITIZEN_PSID},
            "recipient": {"id": PAGE_ID},
            "timestamp": ms,
            "message": {"mid": mid, **message},
        }

    ms = T0 * 1000
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": ms + 500,
                "messaging": [
                    event(
                        "m_img1",
                        ms,
                        {"attachments": [{"type": "image", "payload": {"url": CDN_IMAGE}}]},
                    ),
                    event(
                        "m_txtimg",
                        ms + 1000,
                        {
                            "text": "Así está la tubería en el jr. Huallaga",
                            "attachments": [
                                {"type": "image", "payload": {"url": CDN_IMAGE}},
                                {"type": "video", "payload": {"url": CDN_VIDEO}},
                            ],
                        },
                    ),
                    event(
                        "m_audio",
                        ms + 2000,
                        {"attachments": [{"type": "audio", "payload": {"url": CDN_AUDIO}}]},
                    ),
                    event(
                        "m_file",
                        ms + 3000,
                        {"attachments": [{"type": "file", "payload": {"url": CDN_FILE}}]},
                    ),
                ],
            },
            {
                "id": PAGE_ID,
                "time": ms + 9000,
                "messaging": [
                    event(
                        "m_loc",
                        ms + 4000,
                        {
                            "attachments": [
                                {
                                    "type": "location",
                                    "title": "Ubicación de Rosa",
                                    "url": "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps",
                                    "payload": {"coordinates": {"lat": -12.0464, "long": -77.0428}},
                                }
                            ]
                        },
                    ),
                    event(
                        "m_fallback",
                        ms + 5000,
                        {
                            "text": "Miren esta nota",
                            "attachments": [
                                {
                                    "type": "fallback",
                                    "title": "Corte de agua en Lima Cercado",
                                    "url": "https://www.gob.pe/institucion/sedapal/noticias/1",
                                    "payload": None,
                                }
                            ],
                        },
                    ),
                    event(
                        "m_sticker",
                        ms + 6000,
                        {
                            "sticker_id": 369239263222822,
                            "attachments": [
                                {
                                    "type": "image",
                                    "payload": {
                                        "url": "https://scontent.xx.fbcdn.net/v/t39.1997-6/39178562_n.png",
                                        "sticker_id": 369239263222822,
                                    },
                                }
                            ],
                        },
                    ),
                    event(
                        "m_xss",
                        ms + 7000,
                        {
                            "attachments": [
                                {"type": "image", "payload": {"url": "javascript:alert(1)"}},
                                {
                                    "type": "fallback",
                                    "title": '<script>alert("x")</script>',
                                    "url": "data:text/html,<script>alert(1)</script>",
                                },
                            ]
                        },
                    ),
                ],
            },
        ],
    }


def instagram_attachments() -> dict[str, Any]:
    """An Instagram webhook with a story mention, a shared post (sent twice since November
    2025: ``share`` and ``ig_post``), a reel, a photo and an unsupported message.

    _fuente: Instagram Platform, Webhooks, notification examples
    (developers.facebook.com/docs/instagram-platform/webhooks/examples) and «Instagram Post
    Shares: New Attachment Type» (developers.facebook.com/docs/instagram-platform/webhooks/new);
    Messenger Platform for Instagram, «Story Mention» (…/instagram/features/story-mention):
    ``type: story_mention`` with ``payload.url``; ``is_unsupported: true`` on a message type
    the API does not deliver. One event comes as a ``changes`` item (field «messages»), as
    the dashboard's test button sends it."""

    def event(mid: str, ms: int, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "sender": {"id": CITIZEN_IGSID},
            "recipient": {"id": IG_ID},
            "timestamp": ms,
            "message": {"mid": mid, **message},
        }

    ms = T0 * 1000
    return {
        "object": "instagram",
        "entry": [
            {
                "id": IG_ID,
                "time": ms + 500,
                "messaging": [
                    event(
                        "aWdfZAG1faXRlbTox_story",
                        ms,
                        {
                            "attachments": [
                                {"type": "story_mention", "payload": {"url": IG_CDN + "&s=1"}}
                            ]
                        },
                    ),
                    event(
                        "aWdfZAG1faXRlbTox_share",
                        ms + 1000,
                        {
                            "attachments": [
                                {
                                    "type": "share",
                                    "payload": {
                                        "ig_post_media_id": "18139494541428835",
                                        "title": "Jornada de vacunación este sábado",
                                        "url": IG_CDN,
                                    },
                                },
                                {
                                    "type": "ig_post",
                                    "payload": {
                                        "ig_post_media_id": "18139494541428835",
                                        "title": "Jornada de vacunación este sábado",
                                        "url": IG_CDN,
                                    },
                                },
                            ]
                        },
                    ),
                    event(
                        "aWdfZAG1faXRlbTox_reel",
                        ms + 2000,
                        {
                            "text": "¿Esto es cierto?",
                            "attachments": [
                                {
                                    "type": "ig_reel",
                                    "payload": {
                                        "reel_video_id": "18040986763063543",
                                        "title": "Reel sobre el bono",
                                        "url": IG_CDN + "&r=1",
                                    },
                                }
                            ],
                        },
                    ),
                    event("aWdfZAG1faXRlbTox_unsup", ms + 3000, {"is_unsupported": True}),
                ],
            },
            {
                "id": IG_ID,
                "time": ms + 9000,
                "changes": [
                    {
                        "field": "messages",
                        "value": event(
                            "aWdfZAG1faXRlbTox_photo",
                            ms + 4000,
                            {
                                "attachments": [
                                    {
                                        "type": "image",
                                        "payload": {
                                            "url": "https://scontent.cdninstagram.com/v/t51.2885-15/1_n.jpg?"
                                            + _SIGNATURE
                                        },
                                    }
                                ]
                            },
                        ),
                    }
                ],
            },
        ],
    }


def facebook_feed_attachments() -> dict[str, Any]:
    """Page feed changes: a comment with a photo and no text, a comment with a video and text,
    a reply whose photo is added by an edit.

    _fuente: Graph API Webhooks reference, Page object, «feed» field
    (developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed): ``item: comment``
    with ``photo`` and ``video`` (addresses), ``comment_id``, ``parent_id``, ``post_id``,
    ``created_time`` (seconds or ISO 8601); two entries in one body (batched)."""
    post_id = f"{PAGE_ID}_555"

    def comment(comment_id: str, when: int | str, **extra: Any) -> dict[str, Any]:
        return {
            "field": "feed",
            "value": {
                "from": {"id": "9001", "name": "Rosa Quispe"},
                "post": {"status_type": "added_photos", "is_published": True, "id": post_id},
                "item": "comment",
                "verb": "add",
                "comment_id": comment_id,
                "post_id": post_id,
                "parent_id": post_id,
                "created_time": when,
                **extra,
            },
        }

    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": T0 + 60,
                "changes": [comment("555_1", T0, photo=CDN_IMAGE)],
            },
            {
                "id": PAGE_ID,
                "time": T0 + 120,
                "changes": [
                    comment(
                        "555_2",
                        "2024-05-01T12:01:00+0000",
                        message="Video del desborde",
                        video="https://video.xx.fbcdn.net/v/t42.1790-2/comment_video.mp4?"
                        + _SIGNATURE,
                    )
                ],
            },
        ],
    }


def x_mentions_with_media(entity_user_id: str) -> dict[str, Any]:
    """A mentions page with a photo, a video (variants), a GIF and a link.

    _fuente: X API v2, «Expansions» and the data dictionary's media object
    (docs.x.com/x-api/fundamentals/expansions, …/data-dictionary#media):
    ``attachments.media_keys`` in each post, ``includes.media[]`` with ``media_key``,
    ``type`` (photo|video|animated_gif), ``url`` (photos), ``preview_image_url`` (videos),
    ``variants[]`` (``bit_rate``, ``content_type``, ``url``), ``alt_text``; ``entities.urls``
    with ``expanded_url``/``unwound_url``/``title`` and, for the post's own media, ``media_key``.
    Ids are strings, as X v2 sends them."""

    def post(tweet_id: str, text: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": tweet_id,
            "text": text,
            "author_id": "2244994945",
            "conversation_id": tweet_id,
            "created_at": "2024-05-02T14:00:00.000Z",
            "edit_history_tweet_ids": [tweet_id],
            **extra,
        }

    return {
        "data": [
            post(
                "1786000000000000001",
                "@Minsa_Peru basura en la esquina https://t.co/AbCdEf",
                attachments={"media_keys": ["3_1786000000000000001"]},
                entities={
                    "urls": [
                        {
                            "start": 34,
                            "end": 57,
                            "url": "https://t.co/AbCdEf",
                            "expanded_url": "https://x.com/rosaq/status/1786000000000000001/photo/1",
                            "display_url": "pic.x.com/AbCdEf",
                            "media_key": "3_1786000000000000001",
                        }
                    ]
                },
            ),
            post(
                "1786000000000000002",
                "@Minsa_Peru mire el video y la nota https://t.co/XyZ",
                attachments={"media_keys": ["7_1786000000000000002", "16_1786000000000000003"]},
                entities={
                    "urls": [
                        {
                            "start": 36,
                            "end": 55,
                            "url": "https://t.co/XyZ",
                            "expanded_url": "https://www.gob.pe/minsa",
                            "unwound_url": "https://www.gob.pe/institucion/minsa/noticias/2",
                            "title": "Nota de prensa",
                        }
                    ]
                },
            ),
        ],
        "includes": {
            "users": [
                {"id": "2244994945", "name": "Rosa Quispe", "username": "rosaq"},
                {"id": entity_user_id, "name": "Ministerio de Salud", "username": "Minsa_Peru"},
            ],
            "media": [
                {
                    "media_key": "3_1786000000000000001",
                    "type": "photo",
                    "url": "https://pbs.twimg.com/media/GMabcdeXYZ.jpg",
                    "alt_text": "Basura acumulada en la esquina",
                },
                {
                    "media_key": "7_1786000000000000002",
                    "type": "video",
                    "preview_image_url": "https://pbs.twimg.com/ext_tw_video_thumb/1/pu/img/a.jpg",
                    "variants": [
                        {
                            "content_type": "application/x-mpegURL",
                            "url": "https://video.twimg.com/ext_tw_video/1/pu/pl/a.m3u8",
                        },
                        {
                            "bit_rate": 256000,
                            "content_type": "video/mp4",
                            "url": "https://video.twimg.com/ext_tw_video/1/pu/vid/480x270/a.mp4",
                        },
                        {
                            "bit_rate": 2176000,
                            "content_type": "video/mp4",
                            "url": "https://video.twimg.com/ext_tw_video/1/pu/vid/1280x720/a.mp4",
                        },
                    ],
                },
                {
                    "media_key": "16_1786000000000000003",
                    "type": "animated_gif",
                    "preview_image_url": "https://pbs.twimg.com/tweet_video_thumb/b.jpg",
                    "variants": [
                        {
                            "bit_rate": 0,
                            "content_type": "video/mp4",
                            "url": "https://video.twimg.com/tweet_video/b.mp4",
                        }
                    ],
                },
            ],
        },
        "meta": {
            "newest_id": "1786000000000000002",
            "oldest_id": "1786000000000000001",
            "result_count": 2,
        },
    }
