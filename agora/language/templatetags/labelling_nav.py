"""The labelling queue's entry in the staff navigation, with how many messages wait."""

from __future__ import annotations

from typing import Any

from django import template

from agora.language import labelling

register = template.Library()


@register.simple_tag(takes_context=True)
def labelling_waiting(context: Any) -> int:
    """Messages waiting for the signed-in person in the labelling queue (counted up to
    ``BADGE_LIMIT`` + 1, remembered for a minute)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return labelling.queue_waiting_badge(user)
