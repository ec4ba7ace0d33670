"""What the participation services share: required text, the secretariat and rector checks,
the e-mail after commit, seat counts and the links' lifetime."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import mail_each_on_commit
from agora.participation import permissions
from agora.participation.models import Forum, ForumMembership

TOKEN_MAX_AGE = 3 * 24 * 3600


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Falta %(field)s.") % {"field": label})
    return value


def _ensure_secretariat(actor: User | None, forum: Forum) -> None:
    if not permissions.may_manage_forum(actor, forum):
        raise PermissionDeniedError(_("Solo la secretaría técnica del foro puede hacer esto."))


def _ensure_rector(actor: User | None) -> None:
    if not permissions.is_rector_staff(actor):
        raise PermissionDeniedError(_("Solo el personal del ente rector puede hacer esto."))


def _send_mail(subject: str, body: str, recipients: list[str]) -> None:
    """One e-mail per address, after commit (``agora.core.notifications.mail_each``)."""
    mail_each_on_commit(subject, body, recipients)


def _seats_taken(forum: Forum, stakeholder_type: str, on: date | None = None) -> int:
    return (
        ForumMembership.objects.current(on)
        .voting()
        .filter(forum=forum, stakeholder_type=stakeholder_type)
        .count()
    )
