"""Reads of the connectors that other pages need: whether an account can publish an answer."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.directory.models import SocialAccount


@dataclass(frozen=True)
class SendReadiness:
    ready: bool
    reason: str = ""  # why not, in Spanish (empty when ready)


def account_send_readiness(account: SocialAccount) -> SendReadiness:
    """Whether an answer written now can be published on ``account``, from what Ágora knows
    without calling the platform (one query): a stored credential, not expired (unless it can
    be renewed), and not refused by the platform since it was registered."""
    try:
        credential = account.credential
    except ObjectDoesNotExist:
        return SendReadiness(False, _("No tiene un token registrado."))
    if not credential.secret:
        return SendReadiness(False, _("No tiene un token registrado."))
    if (
        credential.expires_at is not None
        and credential.expires_at <= timezone.now()
        and not credential.refresh_token
    ):
        return SendReadiness(False, _("Su token venció."))
    if credential.refused_at is not None and credential.refused_at >= credential.set_at:
        reason = _("La plataforma rechazó su token en el último envío.")
        if credential.refused_error:
            reason = f"{reason} {credential.refused_error}"
        return SendReadiness(False, reason)
    return SendReadiness(True)
