"""Reading what people paste: a profile URL or an @handle, for every platform we register.

``parse_reference`` turns "https://m.facebook.com/minsaperu/?ref=x" or "@Minsa_Peru" into the
platform (when the text says it), the handle key used for matching, and the canonical URL.
Links that point to a post, a video or a share page say nothing about the account until they
are opened: they raise ``UnresolvableLinkError`` with what kind of link it is, so the look-up
can tell the citizen how to get the profile's address instead of "not recognised".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from agora.directory.models import Platform

_HOSTS: dict[str, str] = {
    "facebook.com": Platform.FACEBOOK,
    "fb.com": Platform.FACEBOOK,
    "fb.me": Platform.FACEBOOK,
    "fb.watch": Platform.FACEBOOK,
    "t.co": Platform.X,
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
_RESERVED = {
    "watch",
    "sharer",
    "sharer.php",
    "home",
    "login",
    "hashtag",
    "search",
    "explore",
    "intent",
    "i",
    "groups",
    "events",
    "marketplace",
    "gaming",
    "latest",
    "settings",
    "notifications",
    "messages",
    "accounts",
    "direct",
    "feed",
    "results",
    "discover",
    "tag",
    "help",
    "privacy",
    "policies",
}
# First path segments that are a post or a video, per platform (the account is not in the URL).
_POST_PATHS: dict[str, set[str]] = {
    Platform.FACEBOOK: {"reel", "photo", "photo.php", "video.php", "story.php", "stories"},
    Platform.INSTAGRAM: {"p", "reel", "reels", "tv"},
    Platform.YOUTUBE: {"shorts", "live", "embed", "playlist", "clip"},
    Platform.TIKTOK: {"video"},
}
# Short-link hosts: where they lead is only known by opening them.
_SHORT_HOSTS = {"vm.tiktok.com", "vt.tiktok.com", "t.co"}
# Hosts that wrap an outgoing link (Facebook's link shim): the target is in ?u=.
_SHIM_HOSTS = {"l.facebook.com", "lm.facebook.com", "l.instagram.com"}
# A bare "facebook.com" is an address; "minsa.peru" is a user name with a dot.
_DOMAIN = re.compile(r"^[\w\-]+(\.[\w\-]+)*\.(com|pe|org|net|me|be|am|gob|edu|io|tv|app)$", re.I)
# Zero-width characters come along when text is copied from apps; spaces or control
# characters inside make it no address and no handle.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff]")
_SPACE_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
_HANDLE_OK = re.compile(r"^[\w.\-]{1,150}$", re.UNICODE)


class AccountReferenceError(ValueError):
    """The text is not a URL or handle of a social-network account."""


class LinkKind:
    SHARE = "compartir"  # facebook.com/share/…: a share link of a page, post or video
    POST = "publicacion"  # a post, reel or video: the account is not in the URL
    SHORT = "enlace_corto"  # vm.tiktok.com/…, t.co/…


class UnresolvableLinkError(AccountReferenceError):
    """A link to a platform whose account can't be read from the URL itself."""

    def __init__(self, kind: str, platform: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.platform = platform


@dataclass(frozen=True)
class Reference:
    platform: str | None
    handle: str
    key: str
    url: str
    # The page's name when the address carries one beside its id (/people/<Name>/<id>/,
    # /p/<Name>-<id>/): "Minsa Peru Oficial". The look-up checks it for look-alikes.
    name: str = ""


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


def _id_reference(number: str, *, profile_php: bool = False, name: str = "") -> Reference:
    """A Facebook page or profile known by its numeric id (and the name its address shows)."""
    url = (
        f"https://www.facebook.com/profile.php?id={number}"
        if profile_php
        else canonical_url(Platform.FACEBOOK, number)
    )
    name = " ".join(unquote(name).replace("-", " ").split())[:150]
    return Reference(platform=Platform.FACEBOOK, handle=number, key=number, url=url, name=name)


def _facebook(segments: list[str], query: dict[str, list[str]], text: str) -> str | Reference:
    """The handle (or a reference by id) of a Facebook URL's path."""
    first = segments[0].lower() if segments else ""
    if first == "share":
        raise UnresolvableLinkError(LinkKind.SHARE, Platform.FACEBOOK)
    if first in ("profile.php", "permalink.php") or (first == "story.php" and "id" in query):
        number = query.get("id", [""])[0]
        if not number.isdigit():
            raise AccountReferenceError(text)
        return _id_reference(number, profile_php=True)
    if first == "watch" and "v" in query:
        raise UnresolvableLinkError(LinkKind.POST, Platform.FACEBOOK)
    if first in ("people", "pages") and segments[1:2] == ["category"]:
        if len(segments) < 4:
            raise AccountReferenceError(text)
        last = segments[3]
        name, _dash, number = last.rpartition("-")
        return _id_reference(number, name=name) if number.isdigit() else last
    if first in ("people", "pages"):
        # /people/<Name>/<id>/ and the older /pages/<Name>/<id>: the id names the page.
        if len(segments) >= 3 and segments[2].isdigit():
            return _id_reference(segments[2], name=segments[1])
        raise AccountReferenceError(text)
    if first == "p" and len(segments) >= 2:
        # The newer page address /p/<Name>-<id>/.
        name, _dash, number = segments[1].rpartition("-")
        if number.isdigit():
            return _id_reference(number, name=name)
        return segments[1]
    if first in _POST_PATHS[Platform.FACEBOOK]:
        raise UnresolvableLinkError(LinkKind.POST, Platform.FACEBOOK)
    if first.isdigit():
        return _id_reference(first)
    return segments[0] if segments else ""


def _other_site(host: str, path: str) -> Reference:
    """A site that is not a known platform: its address (host and path) is the key."""
    key = (host.removeprefix("www.") + path.rstrip("/")).lower()
    url = f"https://{host}{path.rstrip('/')}"
    return Reference(platform=Platform.OTHER, handle=key, key=key, url=url)


def _refuse_links_without_account(host: str, platform: str, segments: list[str], text: str) -> None:
    """Short links and video links name no account: say so (and what they are)."""
    if host in _SHORT_HOSTS or (platform == Platform.TIKTOK and segments[:1] == ["t"]):
        raise UnresolvableLinkError(LinkKind.SHORT, platform)
    if host.endswith("fb.watch") or host.endswith("youtu.be"):
        if segments:
            raise UnresolvableLinkError(LinkKind.POST, platform)  # a video, not an account
        raise AccountReferenceError(text)


def _under_prefix(platform: str, first: str, segments: list[str]) -> str | Reference:
    """Accounts whose address puts the handle after a fixed word (YouTube's /channel/,
    LinkedIn's /company/, WhatsApp's /channel/, Instagram's /stories/): the reference, the
    handle, or "" when YouTube's or LinkedIn's handle is missing. Instagram's /stories and
    WhatsApp's /channel with nothing after them are read as a handle, as they always were."""
    if len(segments) < 2:
        return "" if platform in (Platform.YOUTUBE, Platform.LINKEDIN) else segments[0]
    handle = segments[1]
    if platform == Platform.INSTAGRAM:
        return handle
    if platform == Platform.YOUTUBE:
        url = f"https://www.youtube.com/{first}/{handle}"
    elif platform == Platform.LINKEDIN:
        url = f"https://www.linkedin.com/{first}/{handle}"
    else:
        url = f"https://whatsapp.com/channel/{handle}"
    return Reference(platform=platform, handle=handle, key=handle_key(handle), url=url)


_PREFIXES: dict[str, tuple[str, ...]] = {
    Platform.INSTAGRAM: ("stories",),
    Platform.YOUTUBE: ("channel", "c", "user"),
    Platform.LINKEDIN: ("company", "in", "school"),
    Platform.WHATSAPP: ("channel",),
}


def _path_handle(
    platform: str, segments: list[str], query: dict[str, list[str]], text: str
) -> str | Reference:
    """The handle in a known platform's URL path (or a full reference, for addresses that
    fix their own canonical form); "" when the path names none."""
    first = segments[0].lower() if segments else ""
    if platform == Platform.FACEBOOK:
        return _facebook(segments, query, text)
    if first == "share" and platform in (Platform.INSTAGRAM, Platform.TIKTOK):
        raise UnresolvableLinkError(LinkKind.SHARE, platform)
    if (
        first in _POST_PATHS.get(platform, set())
        or (platform == Platform.YOUTUBE and first == "watch" and "v" in query)
        or (platform == Platform.X and first == "i" and "status" in [s.lower() for s in segments])
    ):
        raise UnresolvableLinkError(LinkKind.POST, platform)
    if first in _PREFIXES.get(platform, ()):
        return _under_prefix(platform, first, segments)
    return segments[0] if segments else ""


def _from_url(text: str, depth: int = 0) -> Reference:
    if not re.match(r"^https?://", text, re.IGNORECASE):
        text = "https://" + text
    parts = urlsplit(text)
    host = parts.netloc.lower().rsplit("@", 1)[-1].split(":")[0]
    platform = _platform_for_host(host)
    segments = [s for s in parts.path.split("/") if s]
    if not segments and parts.fragment.startswith("!/"):
        segments = [s for s in parts.fragment[2:].split("/") if s]  # twitter.com/#!/handle
    query = parse_qs(parts.query)
    if host in _SHIM_HOSTS and depth == 0:
        target = query.get("u", [""])[0]
        if target:
            return _from_url(target, depth=1)
        raise AccountReferenceError(text)
    if platform is None:
        if not parts.netloc or "." not in parts.netloc:
            raise AccountReferenceError(text)
        return _other_site(host, parts.path)
    _refuse_links_without_account(host, platform, segments, text)
    found = _path_handle(platform, segments, query, text)
    if isinstance(found, Reference):
        return found
    handle = found.lstrip("@")
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
    text = _INVISIBLE.sub("", text)
    for _ in range(2):  # «https://…». or <https://…>, as pasted from a message
        text = text.strip().strip("<>\"'«»“”").rstrip(".,;:)]")
    if not text or len(text) > 500 or _SPACE_OR_CONTROL.search(text):
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
