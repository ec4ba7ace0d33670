"""Registers each connector's sender with the inbox."""

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


def register_all() -> None:
    for platform, target in SENDERS.items():
        module_name, function = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # connector not installed yet
        senders.register(platform, getattr(module, function))
