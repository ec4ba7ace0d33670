"""Where the inbox finds how to send an answer on each platform. Connectors register their
sender at start-up (``ConnectorsConfig.ready``), so the inbox does not import them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agora.inbox.models import Message


class SendError(Exception):
    """The platform refused or failed. ``permanent``: retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


Sender = Callable[["Message"], str]
_SENDERS: dict[str, Sender] = {}


def register(platform: str, sender: Sender) -> None:
    _SENDERS[platform] = sender


def sender_for(platform: str) -> Sender | None:
    return _SENDERS.get(platform)
