"""Where the inbox finds how to send an answer on each platform, how to look on the platform
for an answer whose send may or may not have been published, and how to hide a comment there.
Connectors register them at start-up (``ConnectorsConfig.ready``), so the inbox does not
import them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agora.inbox.models import Message


class SendError(Exception):
    """The platform refused or failed. ``permanent``: retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class SendUncertain(SendError):
    """The request reached the platform (or may have) but no answer came back: a read
    timeout, a connection reset after sending, a gateway timeout, a success without an id.
    The answer may be published: look on the platform before sending it again."""


class LookupUnavailable(Exception):
    """The platform could not be read to tell whether an answer was published (the read
    failed, or it is not permitted): a person has to check."""


Sender = Callable[["Message"], str]
# The platform id of the account's answer to the same target with the same text, published
# since the answer was written; None when the platform shows for certain that there is none.
# Raises LookupUnavailable.
Finder = Callable[["Message"], "str | None"]
_SENDERS: dict[str, Sender] = {}
_FINDERS: dict[str, Finder] = {}


def register(platform: str, sender: Sender, finder: Finder | None = None) -> None:
    _SENDERS[platform] = sender
    if finder is not None:
        _FINDERS[platform] = finder


# Hides (True) or shows (False) one comment on the platform: (account, comment id, hidden).
Hider = Callable[[Any, str, bool], None]
_HIDERS: dict[str, Hider] = {}


def register_hider(platform: str, hider: Hider) -> None:
    _HIDERS[platform] = hider


def hider_for(platform: str) -> Hider | None:
    """How to hide a comment on ``platform``; None where its API cannot hide (only delete)."""
    return _HIDERS.get(platform)


def sender_for(platform: str) -> Sender | None:
    return _SENDERS.get(platform)


def finder_for(platform: str) -> Finder | None:
    return _FINDERS.get(platform)
