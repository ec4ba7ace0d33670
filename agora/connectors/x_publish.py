"""Publishing a planned post on an X account (agora/publishing/publishing.py calls these
through the publisher registry, agora/publishing/publishers.py).

X API v2, documented at https://docs.x.com/x-api/posts/creation-of-a-post: ``POST /2/tweets``
with ``{"text": …}`` answers 201 ``{"data": {"id": "…", "text": "…"}}`` (the same call the
inbox uses for replies, without ``reply``). To tell whether a post whose call timed out went
through, the account's own posts are read with ``GET /2/users/:id/tweets`` (newest first) and
matched by text, never a reply, since the post was due."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from agora.connectors import lookups, meta, x
from agora.directory.models import Platform
from agora.inbox.senders import SendError, SendUncertain

if TYPE_CHECKING:
    from agora.publishing.models import PostVariant


def _checked(variant: PostVariant) -> None:
    if variant.account.platform != Platform.X:
        raise SendError(_("La cuenta no es de X."), permanent=True)
    if not variant.account.platform_id:
        raise SendError(_("La cuenta no tiene su id de X en el directorio."), permanent=True)


def publish_post(variant: PostVariant) -> str:
    """Publishes the variant's text on its X account; returns the post's id. A post with an
    image is not published without it (X's media upload is not supported yet): it fails
    with the reason, to publish by hand."""
    _checked(variant)
    if variant.post.media:
        raise SendError(
            _("Ágora aún no sube imágenes a X: publíquela a mano en X con su imagen."),
            permanent=True,
        )
    try:
        return x.XClient.for_account(variant.account).post(variant.text)
    except x.XError as exc:
        if exc.uncertain or exc.status in (500, 502, 503, 504):
            raise SendUncertain(
                _("%(error)s Se comprobará en X si se publicó antes de intentarlo de nuevo.")
                % {"error": exc}
            ) from exc
        raise SendError(str(exc), permanent=not exc.retryable) from exc


def find_post(variant: PostVariant) -> str | None:
    """The account's post (not a reply) with the variant's text, created since the post was
    due; None when every newer post was read and none matches. Raises LookupUnavailable."""
    from agora.publishing.models import PostVariant as Variant

    _checked(variant)
    account = variant.account
    since = variant.post.scheduled_at - lookups.CLOCK_MARGIN
    taken = set(
        Variant.objects.filter(account_id=account.pk)
        .exclude(pk=variant.pk)
        .exclude(platform_post_id="")
        .values_list("platform_post_id", flat=True)
    )
    token = ""
    try:
        client = x.XClient.for_account(account)
        for _page in range(lookups.MAX_PAGES):
            body = client.user_tweets(account.platform_id, pagination_token=token).body
            older_seen = False
            for tweet in body.get("data") or []:
                created = meta.parse_time(str(tweet.get("created_at") or "").replace("Z", "+00:00"))
                if created is not None and created < since:
                    older_seen = True
                    continue
                tweet_id = str(tweet.get("id") or "")
                is_reply = any(
                    isinstance(ref, dict) and ref.get("type") == "replied_to"
                    for ref in tweet.get("referenced_tweets") or []
                )
                if (
                    tweet_id
                    and tweet_id not in taken
                    and not is_reply
                    and lookups.same_text(variant.text, str(tweet.get("text") or ""))
                ):
                    return tweet_id
            token = str((body.get("meta") or {}).get("next_token") or "")
            if older_seen or not token:
                return None
        raise lookups._unavailable("X", _("hay más publicaciones de las que se pudieron leer"))
    except x.XError as exc:
        raise lookups._unavailable("X", exc) from exc
