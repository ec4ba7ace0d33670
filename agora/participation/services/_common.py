"""What the participation services share: required text, the secretariat and rector checks,
the e-mail after commit, seat counts, verified citizens and the links' lifetime."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import User
from agora.core.notifications import mail_each_on_commit
from agora.core.permissions import user_is_rector
from agora.participation.models import CitizenVerification, Forum, ForumMembership

TOKEN_MAX_AGE = 3 * 24 * 3600


def _required(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("Falta %(field)s.") % {"field": label})
    return value


def _ensure_secretariat(actor: User | None, forum: Forum) -> None:
    if actor is None or not forum.is_secretariat(actor):
        raise PermissionDeniedError(_("Solo la secretaría técnica del foro puede hacer esto."))


def _ensure_rector(actor: User | None) -> None:
    if actor is None or not user_is_rector(actor):
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


def _verified_citizen(user: User) -> bool:
    return CitizenVerification.objects.filter(user=user, verified_at__isnull=False).exists()
