"""The crisis manual and crisis mode (issue 18, point 6): the manager edits the manual and
declares a crisis, which pauses the entity's approved and scheduled posts; the team marks the
checklist's steps with who and when; closing resumes the posts (or leaves them paused); one
open crisis per entity; every step audited; each role sees and does only what it may."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.test import Client

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.publishing import crisis
from agora.publishing.models import Crisis, CrisisStepDone, CrisisTrigger, PostStatus
from tests.helpers import login
from tests.publishing.factories import planned_post


@pytest.fixture
def manual(manager: User, entities: dict[str, Entity]) -> None:
    minsa = entities["minsa"]
    crisis.crisis_manual_update(entity=minsa, actor=manager, introduction="Cuando hay un pico.")
    crisis.crisis_step_add(entity=minsa, actor=manager, text="Avisar al jefe", responsible="Jefa")
    crisis.crisis_step_add(entity=minsa, actor=manager, text="Publicar la declaración")
    crisis.crisis_contact_add(entity=minsa, actor=manager, name="Ana Pérez", phone="999")
    crisis.holding_statement_add(
        entity=minsa, actor=manager, title="Caída del sistema", text="Estamos revisando."
    )


@pytest.mark.django_db
def test_only_the_manager_edits_the_manual(
    communicator: User, other_manager: User, rector: User, entities: dict[str, Entity]
) -> None:
    for person in (communicator, other_manager, rector):
        with pytest.raises(PermissionDeniedError):
            crisis.crisis_step_add(entity=entities["minsa"], actor=person, text="Un paso")


@pytest.mark.django_db
def test_the_manual_is_ordered_and_its_statements_approved_by_the_manager(
    manual: None, manager: User, entities: dict[str, Entity]
) -> None:
    minsa = entities["minsa"]
    found = crisis.manual_for(minsa)
    assert found is not None
    steps = list(found.steps.all())
    assert [s.text for s in steps] == ["Avisar al jefe", "Publicar la declaración"]
    crisis.crisis_step_move(entity=minsa, actor=manager, step=steps[1], up=True)
    moved = crisis.manual_for(minsa)
    assert moved is not None
    assert [s.text for s in moved.steps.all()] == ["Publicar la declaración", "Avisar al jefe"]
    statement = found.statements.get()
    assert statement.approved_by == manager and statement.approved_at is not None
    assert AuditEvent.objects.filter(verb="crisis.declaracion_aprobada").count() == 1


@pytest.mark.django_db
def test_opening_a_crisis_pauses_approved_and_scheduled_posts_and_closing_resumes_them(
    manual: None, manager: User, entities: dict[str, Entity], demo_account: SocialAccount
) -> None:
    minsa = entities["minsa"]
    approved = planned_post(account=demo_account)
    scheduled = planned_post(account=demo_account, status=PostStatus.PROGRAMADO, title="B")
    draft = planned_post(account=demo_account, status=PostStatus.BORRADOR, title="C")
    opened = crisis.crisis_open(entity=minsa, actor=manager, summary="Pico de reclamos")
    for post in (approved, scheduled, draft):
        post.refresh_from_db()
    assert approved.paused_at is not None and scheduled.paused_at is not None
    assert draft.paused_at is None
    event = AuditEvent.objects.get(verb="crisis.abierta")
    assert event.after is not None
    assert sorted(event.after["paused_posts"]) == sorted([approved.pk, scheduled.pk])
    crisis.crisis_close(crisis=opened, actor=manager, resume=True)
    for post in (approved, scheduled):
        post.refresh_from_db()
        assert post.paused_at is None
    assert AuditEvent.objects.filter(verb="crisis.cerrada").count() == 1


@pytest.mark.django_db
def test_closing_without_resuming_leaves_the_posts_paused_until_resumed(
    manager: User, entities: dict[str, Entity], demo_account: SocialAccount
) -> None:
    minsa = entities["minsa"]
    post = planned_post(account=demo_account)
    opened = crisis.crisis_open(entity=minsa, actor=manager, summary="Algo pasa")
    crisis.crisis_close(crisis=opened, actor=manager, resume=False)
    post.refresh_from_db()
    assert post.paused_at is not None
    assert crisis.crisis_posts_resume(entity=minsa, actor=manager) == [post.pk]
    post.refresh_from_db()
    assert post.paused_at is None


@pytest.mark.django_db
def test_one_open_crisis_per_entity(manager: User, entities: dict[str, Entity]) -> None:
    crisis.crisis_open(entity=entities["minsa"], actor=manager, summary="Uno")
    with pytest.raises(DomainError):
        crisis.crisis_open(
            entity=entities["minsa"], actor=manager, summary="Dos", trigger=CrisisTrigger.PICO
        )
    assert Crisis.objects.filter(closed_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_only_the_manager_opens_and_closes_a_crisis(
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    minsa = entities["minsa"]
    for person in (communicator, other_manager, rector):
        with pytest.raises(PermissionDeniedError):
            crisis.crisis_open(entity=minsa, actor=person, summary="No")
    opened = crisis.crisis_open(entity=minsa, actor=manager, summary="Sí")
    with pytest.raises(PermissionDeniedError):
        crisis.crisis_close(crisis=opened, actor=communicator, resume=True)


@pytest.mark.django_db
def test_a_communicator_marks_a_step_done_once_with_who_and_when(
    manual: None,
    manager: User,
    communicator: User,
    other_manager: User,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    minsa = entities["minsa"]
    opened = crisis.crisis_open(entity=minsa, actor=manager, summary="Pico")
    manual_obj = crisis.manual_for(minsa)
    assert manual_obj is not None
    step = manual_obj.steps.first()
    assert step is not None
    for person in (other_manager, rector):
        with pytest.raises(PermissionDeniedError):
            crisis.crisis_step_mark(crisis=opened, step=step, actor=person)
    done = crisis.crisis_step_mark(crisis=opened, step=step, actor=communicator, note="Avisado")
    assert done.done_by == communicator and done.done_at is not None
    with pytest.raises(DomainError):
        crisis.crisis_step_mark(crisis=opened, step=step, actor=manager)
    assert CrisisStepDone.objects.count() == 1
    assert AuditEvent.objects.filter(verb="crisis.paso_hecho", actor=communicator).exists()


@pytest.mark.django_db
def test_crisis_pages_per_role(
    client: Client,
    manual: None,
    manager: User,
    communicator: User,
    other_manager: User,
    entities: dict[str, Entity],
    demo_account: SocialAccount,
) -> None:
    planned_post(account=demo_account, status=PostStatus.PROGRAMADO, title="Feria de salud")
    url = "/publicaciones/crisis/minsa/"
    # Another entity's manager does not see it; anonymous people are sent to sign in.
    assert Client().get(url).status_code == 302
    assert login(Client(), other_manager).get(url).status_code == 404
    # The communicator sees the manual but cannot declare a crisis nor edit the manual.
    as_communicator = login(Client(), communicator)
    page = as_communicator.get(url)
    assert page.status_code == 200 and "Avisar al jefe" in page.content.decode()
    assert "abrir-crisis" not in page.content.decode()
    assert as_communicator.post(url + "abrir/", {"resumen": "x"}).status_code == 403
    assert as_communicator.get(url + "manual/").status_code == 403
    assert not Crisis.objects.exists()
    # The manager declares it: the scheduled post shows paused.
    as_manager = login(client, manager)
    assert as_manager.post(url + "abrir/", {"resumen": "Reclamos masivos"}).status_code == 302
    page = as_manager.get(url)
    text = page.content.decode()
    assert "Crisis abierta" in text and "En pausa por una crisis" in text
    step = crisis.manual_for(entities["minsa"]).steps.first()  # type: ignore[union-attr]
    assert step is not None
    answer = as_communicator.post(url + f"pasos/{step.pk}/hecho/", {"nota": "Listo"})
    assert answer.status_code == 302
    assert CrisisStepDone.objects.filter(done_by=communicator).count() == 1
    # A bad step id changes nothing and is no 500.
    assert as_communicator.post(url + "pasos/999999/hecho/").status_code == 302
    assert as_manager.post(url + "cerrar/", {"reanudar": "on"}).status_code == 302
    assert not Crisis.objects.filter(closed_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_manager_edits_the_manual_on_its_page(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    as_manager = login(client, manager)
    url = "/publicaciones/crisis/minsa/manual/"
    assert as_manager.get(url).status_code == 200
    answer = as_manager.post(url, {"accion": "paso", "texto": "Convocar al comité"})
    assert answer.status_code == 302
    assert as_manager.post(url, {"accion": "paso", "texto": ""}).status_code == 400
    assert as_manager.post(url, {"accion": "quitar", "tipo": "x", "pk": "1"}).status_code == 400
    manual_obj = crisis.manual_for(entities["minsa"])
    assert manual_obj is not None and [s.text for s in manual_obj.steps.all()] == [
        "Convocar al comité"
    ]


@pytest.mark.django_db
def test_the_spike_banner_leads_managers_to_the_manual_and_opens_a_spike_crisis(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    minsa = entities["minsa"]
    spike = SimpleNamespace(
        entity=minsa, last_hour=9, usual_per_hour=1.0, checklist=["Avisar"], can_edit=True
    )
    banner = render_to_string("inbox/_crisis_banner.html", {"crises": [spike]})
    assert "/publicaciones/crisis/minsa/?origen=pico" in banner
    assert "Abrir el manual de crisis" in banner
    spike.can_edit = False
    assert "Abrir el manual de crisis" not in render_to_string(
        "inbox/_crisis_banner.html", {"crises": [spike]}
    )
    as_manager = login(client, manager)
    page = as_manager.get("/publicaciones/crisis/minsa/?origen=pico").content.decode()
    assert 'value="pico"' in page
    as_manager.post("/publicaciones/crisis/minsa/abrir/", {"origen": "pico", "resumen": ""})
    opened = Crisis.objects.get()
    assert opened.trigger == CrisisTrigger.PICO and opened.opened_by == manager
