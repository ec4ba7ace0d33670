"""What the commitments services share: the secretariat's (rector staff's) check."""

from __future__ import annotations

from django.utils.translation import gettext as _

from agora.commitments import permissions
from agora.core.errors import PermissionDeniedError
from agora.core.models import User


def _require_rector(actor: User | None) -> None:
    if not permissions.may_run_plans(actor):
        raise PermissionDeniedError(
            _("Solo la secretaría (personal del ente rector) puede hacer esto.")
        )
