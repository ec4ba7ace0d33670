"""Where publishing finds how to publish a planned post on each platform, and how to look on
the platform for a post whose publication may or may not have gone through. Connectors
register both at start-up (``ConnectorsConfig.ready``), so publishing does not import them.

The errors are the inbox's (agora/inbox/senders.py): ``SendError`` (refused; ``permanent``
when retrying will not help), ``SendUncertain`` (it may be published: look before any new
attempt) and ``LookupUnavailable`` (the platform could not be read)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agora.publishing.models import PostVariant

# Publishes the variant's text on its account; returns the platform's id for the post.
Publisher = Callable[["PostVariant"], str]
# The platform id of the account's post with the variant's text, published since it was due;
# None when the platform shows for certain that there is none. Raises LookupUnavailable.
PostFinder = Callable[["PostVariant"], "str | None"]
_PUBLISHERS: dict[str, Publisher] = {}
_FINDERS: dict[str, PostFinder] = {}


def register_publisher(platform: str, publish: Publisher, find: PostFinder | None = None) -> None:
    _PUBLISHERS[platform] = publish
    if find is not None:
        _FINDERS[platform] = find


def publisher_for(platform: str) -> Publisher | None:
    return _PUBLISHERS.get(platform)


def post_finder_for(platform: str) -> PostFinder | None:
    return _FINDERS.get(platform)


def publishing_platforms() -> set[str]:
    """The platforms Ágora can publish on (a connector registered a publisher)."""
    return set(_PUBLISHERS)
