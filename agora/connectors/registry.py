"""Registers each connector's sender, reply finder and comment hider with the inbox."""

from __future__ import annotations

import importlib

from agora.directory.models import Platform
from agora.inbox import senders

# platform -> "module:function" that sends one answer and returns the platform's message id.
SENDERS = {
    Platform.FACEBOOK: "agora.connectors.meta:send_reply",
    Platform.INSTAGRAM: "agora.connectors.meta:send_reply",
    Platform.X: "agora.connectors.x:send_reply",
    Platform.YOUTUBE: "agora.connectors.youtube:send_reply",
}


# platform -> "module:function" that hides or shows a comment (platforms whose API can hide).
HIDERS = {
    Platform.FACEBOOK: "agora.connectors.meta:hide_comment",
    Platform.INSTAGRAM: "agora.connectors.meta:hide_comment",
}

# How to look on each platform for an answer whose send may have been published.
FINDER = "agora.connectors.lookups:find_reply"


def _load(target: str) -> object | None:
    module_name, function = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None  # connector not installed yet
    return getattr(module, function)


def register_all() -> None:
    finder = _load(FINDER)
    for platform, target in SENDERS.items():
        sender = _load(target)
        if sender is not None:
            senders.register(platform, sender, finder)  # type: ignore[arg-type]
    for platform, target in HIDERS.items():
        hider = _load(target)
        if hider is not None:
            senders.register_hider(platform, hider)  # type: ignore[arg-type]


# platform -> "module:function" that publishes a planned post, and the one that looks for it
# on the platform when the outcome is unknown (agora/publishing/publishers.py).
PUBLISHERS = {
    Platform.FACEBOOK: (
        "agora.connectors.meta_publish:publish_post",
        "agora.connectors.meta_publish:find_post",
    ),
    Platform.X: (
        "agora.connectors.x_publish:publish_post",
        "agora.connectors.x_publish:find_post",
    ),
}


def register_publishers() -> None:
    from agora.publishing import publishers

    for platform, (publish_target, find_target) in PUBLISHERS.items():
        publish = _load(publish_target)
        if publish is not None:
            publishers.register_publisher(platform, publish, _load(find_target))  # type: ignore[arg-type]
