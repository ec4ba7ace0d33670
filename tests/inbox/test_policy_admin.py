"""One write path for the response-time policy (issue 19, point 3): the admin saves through
agora/inbox/policies.py like the settings pages, with the same checks, audit verbs and
recomputation of the stored due times."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from agora.core.models import AuditEvent, User
from agora.directory.models import Entity
from agora.inbox import policies
from agora.inbox.models import ResponsePolicy
from tests.inbox.test_policy_refresh import _queued
from tests.inbox.test_views import admin_client

__all__ = ["admin_client"]  # the fixture: a rector administrator signed in with the second factor

pytestmark = pytest.mark.django_db

FORM = {
    "first_response_hours": "8",
    "next_response_hours": "8",
    "resolution_hours": "45",
    "workday_start": "08:00",
    "workday_end": "18:00",
}


def _verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


def test_an_entity_policy_saved_in_the_admin_is_audited_as_on_the_settings_page(
    admin_client: Client, entities: dict[str, Entity]
) -> None:
    minsa = entities["minsa"]
    response = admin_client.post(
        "/admin/inbox/responsepolicy/add/", {**FORM, "entity": str(minsa.pk)}
    )
    assert response.status_code == 302
    policy = ResponsePolicy.objects.get(entity=minsa)
    assert policy.first_response_hours == Decimal("8.00")
    # The service's verb, never the admin's generic one, and the due times follow.
    assert _verbs() == ["plazos.politica_propia_fijada"]
    assert _queued() == ["agora.inbox.timeline.deadlines_refresh_entity"]

    change = admin_client.post(
        f"/admin/inbox/responsepolicy/{policy.pk}/change/",
        {**FORM, "first_response_hours": "6"},
    )
    assert change.status_code == 302
    policy.refresh_from_db()
    assert policy.first_response_hours == Decimal("6.00")
    assert _verbs() == ["plazos.politica_propia_fijada", "plazos.politica_cambiada"]


def test_the_default_policy_saved_in_the_admin_moves_every_entity(
    admin_client: Client, entities: dict[str, Entity]
) -> None:
    response = admin_client.post("/admin/inbox/responsepolicy/add/", {**FORM, "entity": ""})
    assert response.status_code == 302
    assert ResponsePolicy.objects.get(entity__isnull=True).workday_end.hour == 18
    assert _verbs() == ["plazos.politica_general_cambiada"]
    assert _queued() == ["agora.inbox.timeline.deadlines_refresh_all"]


def test_deleting_in_the_admin_goes_through_the_service(
    admin_client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    policy = policies.response_policy_set(
        actor=manager, entity=entities["minsa"], first_response_hours=4
    )
    response = admin_client.post(
        f"/admin/inbox/responsepolicy/{policy.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ResponsePolicy.objects.filter(entity=entities["minsa"]).exists()
    assert _verbs()[-1] == "plazos.politica_restablecida"


def test_only_rector_staff_change_the_default(manager: User) -> None:
    from agora.core.errors import PermissionDeniedError

    values = {name: getattr(policies.default_policy(), name) for name in policies.POLICY_FIELDS}
    with pytest.raises(PermissionDeniedError):
        policies.default_policy_set(actor=manager, values=values)
    assert not ResponsePolicy.objects.exists()
