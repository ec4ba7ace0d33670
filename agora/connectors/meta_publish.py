"""Publishing a planned post on a Facebook page (agora/publishing/publishing.py calls these
through the publisher registry, agora/publishing/publishers.py).

Graph API, documented at https://developers.facebook.com/docs/pages-api/getting-started
("To publish a post, send a POST request to the /page_id/feed endpoint … with the message
parameter"; see also https://developers.facebook.com/docs/graph-api/reference/page/feed):
``POST /{page-id}/feed`` with ``message`` (and ``link``) answers ``{"id": "{page-id}_{post-id}"}``.
To tell whether a post whose call timed out went through, the page's own posts are read with
``GET /{page-id}/posts?fields=id,message,created_time`` (newest first) and matched by text.

A post with an image goes to ``POST /{page-id}/photos`` instead (``url``: the image's public
address in Ágora's storage, which Meta downloads; ``message``: the caption).

Instagram publishes media through a two-step container flow (no text-only posts) and is not
offered yet: its variants fail with a clear reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _

from agora.connectors import lookups, meta
from agora.core.siteurl import site_url
from agora.directory.models import Platform
from agora.inbox.senders import SendError, SendUncertain

if TYPE_CHECKING:
    from agora.publishing.models import PostVariant


def _page_id(variant: PostVariant) -> str:
    account = variant.account
    if account.platform != Platform.FACEBOOK:
        raise SendError(
            _("Ágora aún no publica en %(platform)s: publíquela a mano en la red.")
            % {"platform": account.get_platform_display()},
            permanent=True,
        )
    if not account.platform_id:
        raise SendError(_("La cuenta no tiene su id de página en el directorio."), permanent=True)
    return str(account.platform_id)


def _media_url(variant: PostVariant) -> str:
    """The absolute public address of the post's image, which Meta downloads ("" if none):
    Ágora serves it once the post is scheduled (``publishing:post_media``)."""
    if not variant.post.media:
        return ""
    return site_url(reverse("publishing:post_media", args=[variant.post_id]))


def publish_post(variant: PostVariant) -> str:
    """Publishes the variant's text on its page, as the caption of the post's image when it
    has one (``POST /{page-id}/photos`` with ``url`` and ``message``, which answers the photo's
    ``id`` and the page post's ``post_id``; https://developers.facebook.com/docs/graph-api/
    reference/page/photos, "Creating"); returns the page post's id ("{page}_{post}")."""
    page_id = _page_id(variant)
    token = meta._token(variant.account)
    body: dict[str, Any] = {"message": variant.text}
    image = _media_url(variant)
    if image:
        body["url"] = image
    try:
        edge = f"{page_id}/photos" if image else f"{page_id}/feed"
        data = meta._graph_post(token, edge, body, account=variant.account)
    except SendError as exc:
        if exc.permanent or isinstance(exc, SendUncertain) or exc.__cause__ is not None:
            raise  # refused for good, already uncertain, or no connection was ever made
        # Meta answered with a temporary error (a 5xx, 429, a transient code): a post may be
        # created even so, so it is looked for on the page before any new attempt.
        raise SendUncertain(
            _("%(error)s Se comprobará en la página si se publicó antes de intentarlo de nuevo.")
            % {"error": str(exc)}
        ) from exc
    post_id = meta._str(data.get("post_id") if image else data.get("id"))
    if not post_id:
        # It may be published: looked for before any new attempt.
        raise SendUncertain(
            _(
                "Meta aceptó la publicación pero no devolvió su id: se comprobará en la "
                "página si se publicó."
            )
        )
    return post_id


def find_post(variant: PostVariant) -> str | None:
    """The page's post with the variant's text, created since the post was due (the
    clock margin of the inbox's lookups); None when every newer post was read and none
    matches. Raises LookupUnavailable when the page cannot be read."""
    from agora.publishing.models import PostVariant as Variant

    page_id = _page_id(variant)
    since = variant.post.scheduled_at - lookups.CLOCK_MARGIN
    params = {"fields": "id,message,created_time", "limit": "100"}
    items, complete = lookups._graph_scan(variant.account, f"{page_id}/posts", params)
    taken = set(
        Variant.objects.filter(account_id=variant.account_id)
        .exclude(pk=variant.pk)
        .exclude(platform_post_id="")
        .values_list("platform_post_id", flat=True)
    )
    older_seen = False
    for item in items:
        when = meta.parse_time(item.get("created_time"))
        if when is not None and when < since:
            older_seen = True
            continue
        post_id = str(item.get("id") or "")
        if (
            post_id
            and post_id not in taken
            and lookups.same_text(variant.text, str(item.get("message") or ""))
        ):
            return post_id
    if not complete and not older_seen:
        raise lookups._unavailable("Meta", _("hay más publicaciones de las que se pudieron leer"))
    return None
