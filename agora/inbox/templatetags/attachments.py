"""The attachments of a message in the conversation page (agora/inbox/attachments.py)."""

from __future__ import annotations

from typing import Any

from django import template

from agora.inbox.attachments import attachment_view
from agora.inbox.models import Message

register = template.Library()


@register.inclusion_tag("inbox/_attachments.html")
def message_attachments(message: Message) -> dict[str, Any]:
    """Thumbnails, links and map links of the message's attachments (prefetched by the
    thread's selector)."""
    return {
        "items": [attachment_view(a, message.platform) for a in message.attachments.all()],
        "message": message,
    }
