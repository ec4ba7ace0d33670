"""Platform roles: rector staff, and per-entity memberships (``directory.Membership``).

Entity-scoped checks live in each app's selectors; this module answers the questions that
do not depend on one entity.
"""

from __future__ import annotations

from typing import Any

MANAGER_ROLE = "gestor"


def user_is_rector(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and (user.is_rector or user.is_superuser))


def user_requires_2fa(user: Any) -> bool:
    """Rector staff, administrators and entity managers must sign in with a second factor."""
    if not user.is_authenticated:
        return False
    if user_is_rector(user) or user.is_staff:
        return True
    return bool(user.memberships.active().filter(role=MANAGER_ROLE).exists())
