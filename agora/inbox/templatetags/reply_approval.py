"""``{% reply_approver conversation as can_approve %}``: whether the signed-in person may
approve held answers of the conversation's entity (agora/inbox/permissions.py)."""

from __future__ import annotations

from typing import Any

from django import template

from agora.inbox import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def reply_approver(context: dict[str, Any], conversation: Any) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or conversation is None:
        return False
    return permissions.may_approve_reply(user, conversation.entity_id)
