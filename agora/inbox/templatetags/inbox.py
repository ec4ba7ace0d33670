"""Template helpers of the inbox list (see agora/inbox/rendering.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from agora.inbox import rendering

register = template.Library()


@register.simple_tag
def filter_options(field: BoundField) -> SafeString:
    choices: Any = getattr(field.field, "choices", [])
    return rendering.select_options(choices, field.value())


@register.simple_tag
def conversation_rows(page: list[Any], now: datetime, show_entity: bool) -> SafeString:
    return rendering.conversation_rows(page, now=now, show_entity=show_entity)


# Form fields written in Python: Django renders every <option> and checkbox through a template
# of its own, which took most of a conversation page (one classification form per message).


@register.simple_tag
def quick_select(field: BoundField) -> SafeString:
    """``<select>`` of a choice field, as Django's widget writes it."""
    choices: Any = getattr(field.field, "choices", [])
    return format_html(
        '<select name="{}" id="{}"{}{}>{}</select>',
        field.html_name,
        field.auto_id,
        mark_safe(" required") if field.field.required else "",
        mark_safe(' aria-invalid="true"') if field.errors else "",
        rendering.select_options(choices, field.value()),
    )


@register.simple_tag
def quick_checkboxes(field: BoundField) -> SafeString:
    """One ``<div class="field-check">`` per choice of a multiple-choice field, the ids Django
    gives them (``<id>_<n>``)."""
    chosen = {str(value) for value in (field.value() or [])}
    return format_html_join(
        "",
        '<div class="field-check"><input type="checkbox" name="{}" value="{}" id="{}_{}"{}>'
        ' <label for="{}_{}">{}</label></div>',
        (
            (
                field.html_name,
                value,
                field.auto_id,
                n,
                mark_safe(" checked") if str(value) in chosen else "",
                field.auto_id,
                n,
                label,
            )
            for n, (value, label) in enumerate(getattr(field.field, "choices", []))
        ),
    )
