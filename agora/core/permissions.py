"""Platform roles: rector staff, and per-entity memberships (``directory.Membership``).

Entity-scoped checks live in each app's selectors; this module answers the questions that
do not depend on one entity.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

V = TypeVar("V", bound=Callable[..., Any])

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


def user_is_entity_staff(user: Any) -> bool:
    """Staff of Ágora: rector staff, or a person with an active membership of some entity.
    Everyone else who signs in (citizens taking part in consultations) is not."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user_is_rector(user):
        return True
    cached = getattr(user, "_agora_entity_staff", None)
    if cached is None:
        cached = bool(user.memberships.active().exists())
        user._agora_entity_staff = cached  # one query per request, however many checks
    return bool(cached)


STAFF_ONLY = _(
    "Esta página es solo para el personal de las entidades públicas y del ente rector. "
    "Si trabaja en una entidad, pida a su responsable de comunicaciones que le dé acceso."
)


def staff_required(view: V) -> V:
    """A view for staff only: anonymous visitors are sent to sign in (``login_required``) and
    a signed-in citizen gets a 403 page that says why, never an empty staff page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not user_is_entity_staff(request.user):
            raise PermissionDenied(STAFF_ONLY)
        return view(request, *args, **kwargs)

    return cast(V, login_required(wrapped))
