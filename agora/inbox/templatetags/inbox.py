"""Template helpers of the inbox list (see agora/inbox/rendering.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from agora.inbox import rendering

register = template.Library()


@register.simple_tag
def filter_options(field: BoundField) -> SafeString:
    choices: Any = getattr(field.field, "choices", [])
    return rendering.select_options(choices, field.value())


@register.simple_tag
def conversation_rows(page: list[Any], now: datetime, show_entity: bool) -> SafeString:
    return rendering.conversation_rows(page, now=now, show_entity=show_entity)
