"""Template helpers of the inbox's bulk action bar and live updates (agora/inbox/live.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import template
from django.utils.translation import gettext as _

from agora.inbox import live
from agora.inbox.models import Conversation
from agora.inbox.selectors import EPOCH

register = template.Library()


@register.inclusion_tag("inbox/_bulk_bar.html", takes_context=True)
def bulk_bar(context: template.Context, form: Any) -> dict[str, Any]:
    """The bar, offering as assignees the people of the list's "Asignada a" filter."""
    people = [
        (value, label)
        for value, label in form.fields["asignada"].choices
        if value and value not in ("yo", "nadie")
    ]
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "assignees": [("yo", _("A mí")), *people, ("nadie", _("Nadie (quitar la asignación)"))],
    }


@register.simple_tag
def list_fingerprint(page: list[Conversation], status_tabs: list[dict[str, Any]]) -> str:
    counts = {tab["value"] or "todas": tab["count"] for tab in status_tabs}
    return live.list_fingerprint(page, counts)


@register.simple_tag(takes_context=True)
def conversation_fingerprint(context: template.Context, conversation: Conversation) -> str:
    return live.conversation_fingerprint(user=context["request"].user, pk=conversation.pk) or ""


@register.filter
def micros(moment: Any) -> int:
    """Microseconds since 1970 (what the live endpoints read back as ``visto``)."""
    return int((moment - EPOCH) // timedelta(microseconds=1)) if moment else 0
