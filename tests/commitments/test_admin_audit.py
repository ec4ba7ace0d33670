"""Edits made in Django's admin are audited like the services' (DESIGN: every write audited;
issue #7: every co-creation step): the object and its inline rows, before and after."""

from __future__ import annotations

import pytest
from django.test import Client

from agora.commitments.models import ActionPlan, Workshop, WorkshopParticipation
from agora.core.models import AuditEvent, User
from tests.inbox.test_views import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, rector: User) -> Client:
    rector.is_staff = True
    rector.is_superuser = True
    rector.save()
    return login(client, rector)


def _form(workshop: Workshop, place: str, rows: list[tuple[str, str, str]]) -> dict[str, str]:
    """The change form's fields, with the participation inline rows (id, type, count)."""
    data = {
        "plan": str(workshop.plan_id),
        "label": workshop.label,
        "place": place,
        "date": "",
        "date_text": workshop.date_text,
        "people": "40",
        "notes": "",
        "participation-TOTAL_FORMS": str(len(rows)),
        "participation-INITIAL_FORMS": str(sum(1 for pk, _t, _c in rows if pk)),
        "participation-MIN_NUM_FORMS": "0",
        "participation-MAX_NUM_FORMS": "1000",
    }
    for i, (pk, kind, count) in enumerate(rows):
        data |= {
            f"participation-{i}-id": pk,
            f"participation-{i}-workshop": str(workshop.pk),
            f"participation-{i}-organisation_type": kind,
            f"participation-{i}-count": count,
        }
    return data


def test_admin_change_and_inline_rows_are_audited(admin_client: Client, plan: ActionPlan) -> None:
    workshop = Workshop.objects.create(plan=plan, label="T1", place="Lima", date_text="2015")
    row = WorkshopParticipation.objects.create(
        workshop=workshop, organisation_type="sociedad_civil", count=5
    )
    url = f"/admin/commitments/workshop/{workshop.pk}/change/"
    response = admin_client.post(
        url,
        _form(
            workshop,
            "Arequipa",
            [(str(row.pk), "sociedad_civil", "7"), ("", "universidad", "2")],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = AuditEvent.objects.get(verb="admin.workshop.cambio", object_id=str(workshop.pk))
    assert changed.before is not None and changed.after is not None
    assert changed.before["place"] == "Lima" and changed.after["place"] == "Arequipa"
    assert changed.actor is not None and changed.actor.username == "rectora"
    row_event = AuditEvent.objects.get(
        verb="admin.workshopparticipation.cambio", object_id=str(row.pk)
    )
    assert row_event.before is not None and row_event.after is not None
    assert (row_event.before["count"], row_event.after["count"]) == (5, 7)
    added = WorkshopParticipation.objects.get(workshop=workshop, organisation_type="universidad")
    assert AuditEvent.objects.filter(
        verb="admin.workshopparticipation.alta", object_id=str(added.pk)
    ).exists()


def test_admin_deletion_is_audited_with_what_was_deleted(
    admin_client: Client, plan: ActionPlan
) -> None:
    workshop = Workshop.objects.create(plan=plan, label="T2", place="Cusco", date_text="2015")
    pk = workshop.pk
    response = admin_client.post(f"/admin/commitments/workshop/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Workshop.objects.filter(pk=pk).exists()
    deleted = AuditEvent.objects.get(verb="admin.workshop.baja", object_id=str(pk))
    assert deleted.before is not None
    assert deleted.before["place"] == "Cusco" and deleted.before["label"] == "T2"


def test_admin_user_changes_never_copy_the_password(admin_client: Client, rector: User) -> None:
    user = User.objects.create_user("persona", password="clave-segura-123")
    admin_client.post(f"/admin/core/user/{user.pk}/delete/", {"post": "yes"})
    event = AuditEvent.objects.get(verb="admin.user.baja", object_id=str(user.pk))
    assert event.before is not None and event.before["username"] == "persona"
    assert "password" not in event.before
