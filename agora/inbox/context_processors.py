"""What the header needs on every page: whether the person is staff (and so sees the staff
menus) and their unread conversations for the "Bandeja" badge. Both are computed only when a
template asks (a public page of an anonymous visitor runs no query)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from agora.core.permissions import user_is_entity_staff
from agora.inbox.unread import unread_count


def staff_menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_entity_staff": False, "inbox_unread": 0}
    return {
        "is_entity_staff": lambda: user_is_entity_staff(user),
        "inbox_unread": lambda: unread_count(user=user),
    }
