"""Checks are skipped only on purpose: a service called with no person and without
``system=True`` is refused (it used to pass silently); jobs, demo loaders and commands say
``system=True`` and are audited as «sistema»."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from agora.core.errors import PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory import services as directory
from agora.directory.models import Entity, Platform
from agora.participation import services
from agora.participation.models import Forum, ForumMembership


def test_a_forum_step_without_a_person_is_refused_unless_it_says_system(forum: Forum) -> None:
    starts = timezone.now() + timedelta(days=3)
    with pytest.raises(PermissionDeniedError):
        services.session_schedule(
            actor=None, forum=forum, title="Sin persona", starts_at=starts, agenda="1."
        )
    session = services.session_schedule(
        actor=None, system=True, forum=forum, title="Del sistema", starts_at=starts, agenda="1."
    )
    event = AuditEvent.objects.get(verb="sesion.programada", object_id=str(session.pk))
    assert event.actor is None and event.actor_label == "sistema"


def test_a_representative_without_a_person_is_refused(
    add_member: Callable[..., ForumMembership],
) -> None:
    membership = add_member("Org")
    with pytest.raises(PermissionDeniedError):
        services.representative_set(
            actor=None, membership=membership, role="titular", full_name="A"
        )


def test_a_directory_account_without_a_person_is_refused(
    entities: dict[str, Entity], manager: User
) -> None:
    with pytest.raises(PermissionDeniedError):
        directory.account_propose(
            actor=None,
            entity=entities["minsa"],
            platform=Platform.X,
            handle="minsa_sistema",
            url="https://x.com/minsa_sistema",
        )
    account = directory.account_propose(
        actor=None,
        system=True,
        entity=entities["minsa"],
        platform=Platform.X,
        handle="minsa_sistema",
        url="https://x.com/minsa_sistema",
    )
    with pytest.raises(PermissionDeniedError):
        directory.account_verify(actor=None, account=account)
    verified = directory.account_verify(
        actor=None, system=True, account=account, evidence="Oficio 123-2026"
    )
    assert verified.status == "verificada"
