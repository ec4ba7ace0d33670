"""The reply box's approved answers picker and the writing guideline (agora/inbox/canned.py)."""

from __future__ import annotations

from typing import Any

from django import template

from agora.inbox import canned
from agora.inbox.models import Conversation

register = template.Library()


@register.inclusion_tag("inbox/_canned_picker.html")
def canned_picker(conversation: Conversation) -> dict[str, Any]:
    """The approved answers offered in this conversation, filled in, for the keyboard
    picker (agora/static/agora/inbox-canned.js); nothing without approved answers."""
    return {"items": canned.canned_items_for(conversation=conversation)}


@register.inclusion_tag("inbox/_answer_guide.html")
def answer_guide() -> dict[str, Any]:
    """The first-person-plural guideline under the reply box, and the phrases the script
    flags while writing (the same list that canned.first_person_singular_hints uses)."""
    return {"rules": canned.SINGULAR_TO_PLURAL}
