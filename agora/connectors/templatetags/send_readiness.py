"""``{% send_readiness_warning conversation %}``: above the reply box, says so when the
account cannot publish an answer yet, with the way to fix it for those who can."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from agora.connectors.permissions import may_manage_access
from agora.connectors.selectors import conversation_send_readiness

register = template.Library()


@register.inclusion_tag("connectors/_send_readiness.html", takes_context=True)
def send_readiness_warning(context: dict[str, Any], conversation: Any) -> dict[str, Any]:
    if conversation is None:
        return {"readiness": None}
    readiness = conversation_send_readiness(conversation)
    if readiness.ready:
        return {"readiness": None}
    request = context.get("request")
    user = getattr(request, "user", None)
    entity = conversation.entity
    url = ""
    if user is not None and user.is_authenticated and may_manage_access(user, entity):
        url = reverse("entity_settings:page", args=[entity.code])
    return {"readiness": readiness, "settings_url": url}


@register.simple_tag
def sandbox_link(conversation: Any) -> str:
    """The sandbox page's address when the answer was published there (demo accounts while
    the sandbox is on), else ""."""
    from django.conf import settings

    if conversation is None or not settings.SANDBOX_ENABLED or not conversation.account.is_demo:
        return ""
    return reverse("sandbox:publications")


@register.simple_tag
def platform_link(conversation: Any, message: Any) -> str:
    """Where a person checks on the platform whether an answer was published: the sandbox's
    page for demo accounts while it is on; else the citizen's post, comment or the inbox of
    the platform's business tools."""
    from agora.connectors.lookups import platform_url

    if conversation is None:
        return ""
    return sandbox_link(conversation) or platform_url(conversation, message)
