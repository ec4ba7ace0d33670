"""What the commitments services share: the secretariat (rector staff) check and the
entities a person manages."""

from __future__ import annotations

from django.utils.translation import gettext as _

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.core.permissions import user_is_rector
from agora.directory import roles


def _require_rector(actor: User | None) -> None:
    if actor is None or not user_is_rector(actor):
        raise PermissionDeniedError(
            _("Solo la secretaría (personal del ente rector) puede hacer esto.")
        )


def entities_managed_by(actor: User) -> set[int]:
    """Entities where ``actor`` is an active communications manager."""
    return set(roles.managed_by(actor).values_list("pk", flat=True))
