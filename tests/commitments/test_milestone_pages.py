"""The staff page for milestones (issue #7): rector staff and the managers of the lead entity
add and edit a commitment's milestones through ``milestone_add`` / ``milestone_update``
(audited, Spanish errors, nothing written on bad input, progress refreshed); nobody else can
reach it."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from agora.commitments import services
from agora.commitments.models import Commitment, Milestone, MilestoneStatus
from agora.core.errors import PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, Membership, MembershipRole
from tests.helpers import login

pytestmark = pytest.mark.django_db

NEW = {
    "activity": "Publicar el padrón de organizaciones",
    "responsible": "Oficina de Participación",
    "start_month": "2025-04",
    "end_month": "2025-07",
    "weight": "2",
}


def _url(commitment: Commitment) -> str:
    return f"/compromisos/equipo/{commitment.code}/hitos/"


@pytest.fixture
def foreign_communicator(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    """A communicator of an entity that has nothing to do with the commitment."""
    user = make_user("comunicador-sunat")
    Membership.objects.create(user=user, entity=entities["sunat"], role=MembershipRole.COMUNICADOR)
    return user


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, commitment: Commitment) -> None:
    for url in (_url(commitment), f"{_url(commitment)}{commitment.milestones.first().pk}/"):  # type: ignore[union-attr]
        response = client.get(url)
        assert response.status_code == 302 and "/cuenta/" in response["Location"]
    response = client.post(_url(commitment), NEW)
    assert response.status_code == 302
    assert commitment.milestones.count() == 2


@pytest.mark.parametrize("who", ["foreign_communicator", "other_manager", "communicator"])
def test_people_outside_the_lead_entitys_management_get_404(
    client: Client,
    commitment: Commitment,
    first_milestone: Milestone,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    """A communicator of another entity, a manager of another entity, and even a
    communicator (not manager) of the lead entity: no page, no link, nothing written."""
    user = request.getfixturevalue(who)
    login(client, user)
    assert client.get(_url(commitment)).status_code == 404
    assert client.post(_url(commitment), NEW).status_code == 404
    edit = f"{_url(commitment)}{first_milestone.pk}/"
    assert client.post(edit, {**NEW, "status": "completado"}).status_code == 404
    assert commitment.milestones.count() == 2
    first_milestone.refresh_from_db()
    assert first_milestone.activity == "Actividad 1"
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert _url(commitment) not in page


def test_lead_entity_manager_adds_a_milestone_and_progress_is_refreshed(
    client: Client, commitment: Commitment, manager: User, rector: User, first_milestone: Milestone
) -> None:
    services.milestone_update(
        actor=rector, milestone=first_milestone, status=MilestoneStatus.COMPLETADO
    )
    login(client, manager)
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert f'href="{_url(commitment)}"' in page and "Editar hitos" in page
    assert f'href="{_url(commitment)}"' in client.get("/compromisos/equipo/").content.decode()
    form_page = client.get(_url(commitment)).content.decode()
    assert 'name="status"' not in form_page  # status changes go through progress reports
    response = client.post(_url(commitment), {**NEW, "status": "completado"})
    assert response.status_code == 302
    added = commitment.milestones.get(order=3)
    assert added.activity == NEW["activity"] and added.weight == 2
    assert added.status == MilestoneStatus.NO_INICIADO
    assert (added.start_month, added.end_month) == (
        datetime.date(2025, 4, 1),
        datetime.date(2025, 7, 1),
    )
    commitment.refresh_from_db()
    assert commitment.progress == Decimal("25.0")  # 1 of 4 weight units
    event = AuditEvent.objects.get(verb="hito.agregado", object_id=str(added.pk))
    assert event.actor == manager and event.scope == "minsa"


def test_lead_entity_manager_edits_a_milestone_but_not_its_status(
    client: Client, commitment: Commitment, manager: User, first_milestone: Milestone
) -> None:
    login(client, manager)
    edit = f"{_url(commitment)}{first_milestone.pk}/"
    page = client.get(edit).content.decode()
    assert 'value="2025-01"' in page and 'value="2025-02"' in page
    response = client.post(edit, {**NEW, "weight": "3"})
    assert response.status_code == 302
    first_milestone.refresh_from_db()
    assert first_milestone.activity == NEW["activity"] and first_milestone.weight == 3
    event = AuditEvent.objects.get(verb="hito.actualizado", object_id=str(first_milestone.pk))
    assert event.actor == manager
    assert event.before is not None and event.before["weight"] == 1
    assert event.after is not None and event.after["weight"] == 3
    with pytest.raises(PermissionDeniedError):
        services.milestone_update(
            actor=manager, milestone=first_milestone, status=MilestoneStatus.COMPLETADO
        )
    first_milestone.refresh_from_db()
    assert first_milestone.status == MilestoneStatus.NO_INICIADO


def test_rector_edits_any_commitments_milestones_including_status(
    client: Client, make_commitment: Callable[..., Commitment], rector: User
) -> None:
    commitment = make_commitment("PE9002", lead="sunat")
    milestone = commitment.milestones.get(order=2)
    login(client, rector)
    page = client.get(commitment.get_absolute_url()).content.decode()
    assert "Editar hitos" in page
    edit = f"{_url(commitment)}{milestone.pk}/"
    response = client.post(
        edit,
        {
            "activity": "Actividad 2",
            "responsible": "",
            "start_month": "2025-02",
            "end_month": "2025-03",
            "weight": "1",
            "status": "completado",
        },
    )
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert commitment.progress == Decimal("50.0")
    assert (
        AuditEvent.objects.get(verb="hito.actualizado", object_id=str(milestone.pk)).actor == rector
    )


def test_a_milestone_ending_before_it_starts_is_refused_in_spanish(
    client: Client, commitment: Commitment, manager: User, first_milestone: Milestone
) -> None:
    login(client, manager)
    response = client.post(_url(commitment), {**NEW, "start_month": "2025-09"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "El hito termina (2025-07) antes de empezar (2025-09)." in html
    assert 'role="alert"' in html
    edit = f"{_url(commitment)}{first_milestone.pk}/"
    response = client.post(edit, {**NEW, "start_month": "julio", "end_month": "2025-08"})
    assert response.status_code == 200
    assert "indique el mes como AAAA-MM" in response.content.decode()
    assert commitment.milestones.count() == 2
    first_milestone.refresh_from_db()
    assert first_milestone.activity == "Actividad 1"
    assert not AuditEvent.objects.filter(
        verb__in=["hito.agregado", "hito.actualizado"], actor=manager
    ).exists()


def test_a_milestone_of_another_commitment_is_not_found(
    client: Client, make_commitment: Callable[..., Commitment], manager: User
) -> None:
    mine = make_commitment("PE9003")
    other = make_commitment("PE9004", lead="sunat")
    login(client, manager)
    foreign = other.milestones.get(order=1)
    response = client.post(f"{_url(mine)}{foreign.pk}/", NEW)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.activity == "Actividad 1"
