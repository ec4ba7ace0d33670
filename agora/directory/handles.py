"""Reading what people paste: a profile URL or an @handle, for every platform we register.

``parse_reference`` turns "https://m.facebook.com/minsaperu/?ref=x" or "@Minsa_Peru" into the
platform (when the text says it), the handle key used for matching, and the canonical URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from agora.directory.models import Platform

_HOSTS: dict[str, str] = {
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "fb.me": Platform.FACEBOOK,
    "instagram.com": Platform.INSTAGRAM,
    "instagr.am": Platform.INSTAGRAM,
    "x.com": Platform.X,
    "twitter.com": Platform.X,
    "youtube.com": Platform.YOUTUBE,
    "youtu.be": Platform.YOUTUBE,
    "tiktok.com": Platform.TIKTOK,
    "linkedin.com": Platform.LINKEDIN,
    "wa.me": Platform.WHATSAPP,
    "whatsapp.com": Platform.WHATSAPP,
}

_CANONICAL: dict[str, str] = {
    Platform.FACEBOOK: "https://www.facebook.com/{handle}",
    Platform.INSTAGRAM: "https://www.instagram.com/{handle}",
    Platform.X: "https://x.com/{handle}",
    Platform.YOUTUBE: "https://www.youtube.com/@{handle}",
    Platform.TIKTOK: "https://www.tiktok.com/@{handle}",
    Platform.LINKEDIN: "https://www.linkedin.com/company/{handle}",
    Platform.WHATSAPP: "https://wa.me/{handle}",
}

# Paths that are not profiles: a "handle" of facebook.com/watch is no account.
_RESERVED = {"watch", "share", "sharer", "home", "login", "hashtag", "search", "explore", "intent"}
# A bare "facebook.com" is an address; "minsa.peru" is a user name with a dot.
_DOMAIN = re.compile(r"^[\w\-]+(\.[\w\-]+)*\.(com|pe|org|net|me|be|am|gob|edu|io|tv|app)$", re.I)
_HANDLE_OK = re.compile(r"^[\w.\-]{1,150}$", re.UNICODE)


class AccountReferenceError(ValueError):
    """The text is not a URL or handle of a social-network account."""


@dataclass(frozen=True)
class Reference:
    platform: str | None
    handle: str
    key: str
    url: str


def handle_key(handle: str) -> str:
    """The matching key: lower case, without the leading @."""
    return handle.strip().lstrip("@").strip().lower()


def similarity_key(key: str) -> str:
    """Key with separators removed: '@Minsa_Peru' and '@MinsaPeru' collide on purpose."""
    return re.sub(r"[._\-]", "", key)


def canonical_url(platform: str, handle: str) -> str:
    template = _CANONICAL.get(platform)
    if template is None:
        return ""
    return template.format(handle=handle.lstrip("@"))


def _platform_for_host(host: str) -> str | None:
    host = host.lower().split(":")[0]
    for suffix, platform in _HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return platform
    return None


def _from_url(text: str) -> Reference:
    if not re.match(r"^https?://", text, re.IGNORECASE):
        text = "https://" + text
    parts = urlsplit(text)
    platform = _platform_for_host(parts.netloc)
    segments = [s for s in parts.path.split("/") if s]
    if platform is None:
        if not parts.netloc or "." not in parts.netloc:
            raise AccountReferenceError(text)
        key = (parts.netloc.lower().removeprefix("www.") + parts.path.rstrip("/")).lower()
        url = f"https://{parts.netloc.lower()}{parts.path.rstrip('/')}"
        return Reference(platform=Platform.OTHER, handle=key, key=key, url=url)
    handle = ""
    if platform == Platform.FACEBOOK and segments[:1] == ["profile.php"]:
        handle = parse_qs(parts.query).get("id", [""])[0]
        url = f"https://www.facebook.com/profile.php?id={handle}"
        if not handle.isdigit():
            raise AccountReferenceError(text)
        return Reference(platform=platform, handle=handle, key=handle, url=url)
    if parts.netloc.lower().endswith("youtu.be"):
        raise AccountReferenceError(text)  # a video link, not a channel
    if platform == Platform.FACEBOOK and segments[:2] == ["pages", "category"]:
        if len(segments) < 4:
            raise AccountReferenceError(text)
        handle = segments[3]
    elif platform == Platform.FACEBOOK and segments[:1] == ["pages"] and len(segments) >= 3:
        handle = segments[2]
    elif platform == Platform.YOUTUBE and segments[:1] in (["channel"], ["c"], ["user"]):
        if len(segments) >= 2:
            handle = segments[1]
            url = f"https://www.youtube.com/{segments[0]}/{handle}"
            return Reference(platform=platform, handle=handle, key=handle_key(handle), url=url)
    elif platform == Platform.LINKEDIN and segments[:1] in (["company"], ["in"], ["school"]):
        if len(segments) >= 2:
            handle = segments[1]
            url = f"https://www.linkedin.com/{segments[0]}/{handle}"
            return Reference(platform=platform, handle=handle, key=handle_key(handle), url=url)
    elif platform == Platform.WHATSAPP and segments[:1] == ["channel"] and len(segments) >= 2:
        handle = segments[1]
        url = f"https://whatsapp.com/channel/{handle}"
        return Reference(platform=platform, handle=handle, key=handle_key(handle), url=url)
    elif segments:
        handle = segments[0]
    handle = handle.lstrip("@")
    if not handle or handle.lower() in _RESERVED or not _HANDLE_OK.match(handle):
        raise AccountReferenceError(text)
    return Reference(
        platform=platform,
        handle=handle,
        key=handle_key(handle),
        url=canonical_url(platform, handle),
    )


def parse_reference(text: str, platform: str | None = None) -> Reference:
    """Reads a URL or a handle. A bare handle has no platform unless ``platform`` says it."""
    text = text.strip()
    if not text or len(text) > 500:
        raise AccountReferenceError(text[:50])
    looks_like_url = "/" in text or _DOMAIN.match(text) is not None
    if looks_like_url and not text.startswith("@"):
        reference = _from_url(text)
        if platform and reference.platform not in (platform, None):
            raise AccountReferenceError(text)
        return reference
    handle = text.lstrip("@")
    if not _HANDLE_OK.match(handle):
        raise AccountReferenceError(text)
    url = canonical_url(platform, handle) if platform else ""
    return Reference(platform=platform, handle=handle, key=handle_key(handle), url=url)
