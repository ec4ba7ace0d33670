"""The admin's moderation policy is saved through the moderation service, like the staff page
(issue #19): the same checks (who may set it, the crisis bounds) and the same audit entry."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, Membership, MembershipRole
from agora.inbox.models import ModerationPolicy
from tests.helpers import login

pytestmark = pytest.mark.django_db

ADD = "/admin/inbox/moderationpolicy/add/"


def _form(entity: Entity | None = None, **changes: Any) -> dict[str, str]:
    data = {
        "entity": str(entity.pk) if entity is not None else "",
        "hide_insults": "on",
        "hide_spam": "on",
        "crisis_multiplier": "3",
        "crisis_min_messages": "5",
        "crisis_baseline_days": "14",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _admin(user: User) -> User:
    user.is_staff = True
    user.save()
    codenames = [f"{verb}_moderationpolicy" for verb in ("add", "change", "delete", "view")]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def staff_manager(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    """A manager of MINSA with the admin's permissions on moderation policies."""
    user = _admin(make_user("gestora-admin", totp=True))
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.GESTOR)
    return user


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


def test_the_rector_sets_the_default_with_the_service_audit(client: Client, rector: User) -> None:
    login(client, _admin(rector))
    response = client.post(ADD, _form(hide_spam=None, crisis_baseline_days="7"))
    assert response.status_code == 302
    policy = ModerationPolicy.objects.get(entity__isnull=True)
    assert (policy.hide_insults, policy.hide_spam) == (True, False)
    assert policy.crisis_baseline_days == 7
    assert policy.updated_by == rector
    assert _verbs() == ["moderacion.politica_actualizada"]  # the service's, not the admin's
    event = AuditEvent.objects.get()
    assert event.after is not None and event.after["crisis_baseline_days"] == "7"

    # A second «default» from the admin changes the one there is, as the service does.
    response = client.post(ADD, _form(crisis_multiplier="4"))
    assert response.status_code == 302
    assert ModerationPolicy.objects.filter(entity__isnull=True).count() == 1
    assert ModerationPolicy.objects.get(entity__isnull=True).crisis_multiplier == Decimal("4")


def test_the_crisis_bounds_are_checked_as_on_the_staff_page(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    login(client, _admin(rector))
    response = client.post(ADD, _form(entities["minsa"], crisis_multiplier="0.5"))
    assert response.status_code == 200
    assert "al menos 1 vez la tasa habitual" in response.content.decode()
    response = client.post(ADD, _form(entities["minsa"], crisis_min_messages="0"))
    assert response.status_code == 200
    assert "al menos 1." in response.content.decode()
    assert not ModerationPolicy.objects.exists()
    assert _verbs() == []


def test_a_manager_sets_only_the_policy_of_their_entities(
    client: Client, staff_manager: User, entities: dict[str, Entity]
) -> None:
    login(client, staff_manager)
    response = client.post(ADD, _form(entities["sunat"]))
    assert response.status_code == 200
    assert "Solo los responsables de la entidad" in response.content.decode()
    response = client.post(ADD, _form())
    assert response.status_code == 200
    assert "Solo el ente rector define la política general" in response.content.decode()
    assert not ModerationPolicy.objects.exists()

    response = client.post(ADD, _form(entities["minsa"], hide_insults=None))
    assert response.status_code == 302
    policy = ModerationPolicy.objects.get(entity=entities["minsa"])
    assert not policy.hide_insults
    event = AuditEvent.objects.get()
    assert (event.verb, event.scope) == ("moderacion.politica_actualizada", "minsa")


def test_changing_keeps_the_entity_and_deleting_goes_through_the_service(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    policy = ModerationPolicy.objects.create(entity=entities["minsa"])
    login(client, _admin(rector))
    change = f"/admin/inbox/moderationpolicy/{policy.pk}/change/"
    response = client.post(change, _form(entities["sunat"], hide_spam=None))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.entity == entities["minsa"]  # read-only once created
    assert not policy.hide_spam
    event = AuditEvent.objects.get()
    assert event.before is not None and event.before["hide_spam"] == "True"
    assert event.after is not None and event.after["hide_spam"] == "False"

    response = client.post(f"/admin/inbox/moderationpolicy/{policy.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ModerationPolicy.objects.exists()
    assert _verbs() == ["moderacion.politica_actualizada", "moderacion.politica_eliminada"]
