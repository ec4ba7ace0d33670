"""``{% entity_settings_link %}``: the inbox header's link to the entity settings area, shown
only to people who manage an entity (and rector staff)."""

from __future__ import annotations

from typing import Any

from django import template

from agora.inbox import moderation

register = template.Library()


@register.inclusion_tag("connectors/_settings_link.html", takes_context=True)
def entity_settings_link(context: dict[str, Any]) -> dict[str, Any]:
    """Uses the inbox header's summary (kept per person, read once per request), so the link
    costs no query of its own on the inbox list."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show": False}
    summary = getattr(request, "_agora_moderation_summary", None)
    if summary is None:
        summary = moderation.header_summary(user=user)
        request._agora_moderation_summary = summary  # type: ignore[union-attr]
    return {"show": summary.manages}
