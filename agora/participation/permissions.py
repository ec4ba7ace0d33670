"""Who may do what in participation (docs/arquitectura.md, roles), as named predicates that
services, selectors and views ask instead of repeating the checks:

- a forum's **technical secretariat**: rector staff named to it (and the rector office's
  superusers) manage the forum, its members, sessions, agreements and consultations;
- **rector staff** create forums (and are the only ones who may sit in a secretariat) and
  national consultations, and see what is not published;
- a forum's **members**: active representatives of a current member organisation;
- **verified citizens**: signed-in people whose e-mail address is verified comment and ask
  for admission.

Each predicate answers for anyone (``None``, anonymous, inactive: no); services turn a "no"
into ``PermissionDeniedError`` with their own message, selectors into a 404.
"""

from __future__ import annotations

from typing import Any

from agora.core.permissions import user_is_rector
from agora.participation.models import (
    AdmissionDocument,
    CitizenVerification,
    Consultation,
    Forum,
    Representative,
)


def _signed_in(user: Any) -> bool:
    return user is not None and bool(user.is_authenticated)


def is_rector_staff(user: Any) -> bool:
    """Staff of the rector body (or a superuser of its office), signed in and active."""
    return _signed_in(user) and user_is_rector(user)


def is_verified_citizen(user: Any) -> bool:
    """Signed in with an e-mail address verified through the link Ágora sent."""
    return (
        _signed_in(user)
        and CitizenVerification.objects.filter(user=user, verified_at__isnull=False).exists()
    )


def may_manage_forum(user: Any, forum: Forum) -> bool:
    """The forum's technical secretariat (``Forum.is_secretariat``)."""
    return user is not None and forum.is_secretariat(user)


def is_forum_member(user: Any, forum: Forum) -> bool:
    """An active representative of an organisation that is a member of ``forum`` now."""
    return (
        _signed_in(user)
        and Representative.objects.filter(
            user=user, is_active=True, membership__in=forum.memberships.current()
        ).exists()
    )


def may_see_unpublished(user: Any) -> bool:
    """Unpublished forums and every consultation, drafts included."""
    return is_rector_staff(user)


def may_request_admission(user: Any) -> bool:
    """A verified citizen, or rector staff, may ask for an organisation's admission."""
    return _signed_in(user) and (is_verified_citizen(user) or user_is_rector(user))


def may_see_admission_document(user: Any, forum: Forum, document: AdmissionDocument) -> bool:
    """A document of an admission request to ``forum``: its secretariat, rector staff and
    the person who sent the request."""
    if not _signed_in(user):
        return False
    return (
        may_manage_forum(user, forum)
        or user_is_rector(user)
        or document.request.requested_by_id == user.pk
    )


def may_create_consultation(user: Any, forum: Forum | None) -> bool:
    """A forum's consultation: its secretariat; a national one (no forum): rector staff."""
    if forum is not None:
        return may_manage_forum(user, forum)
    return is_rector_staff(user)


def may_manage_consultation(user: Any, consultation: Consultation) -> bool:
    """Publish it, publish new versions, moderate and answer its comments."""
    return may_create_consultation(user, consultation.forum)
