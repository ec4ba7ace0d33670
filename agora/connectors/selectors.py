"""Reads of the connectors that other pages need: whether an account can publish an answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.directory.models import Platform, SocialAccount


@dataclass(frozen=True)
class SendReadiness:
    ready: bool
    reason: str = ""  # why not, in Spanish (empty when ready)
    token: bool = True  # whether a (new) token would fix it


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


def conversation_send_readiness(conversation: Any) -> SendReadiness:
    """Whether an answer to ``conversation`` can be published: what the platform's connector
    does not send (an X direct message), then the account (see ``account_send_readiness``)."""
    from agora.connectors.x import X_DIRECT_REFUSED
    from agora.inbox.models import ThreadKind

    if conversation.platform == Platform.X and conversation.thread_kind == ThreadKind.DIRECT:
        return SendReadiness(False, str(X_DIRECT_REFUSED), token=False)
    return account_send_readiness(conversation.account)
