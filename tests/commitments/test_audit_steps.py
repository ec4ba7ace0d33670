"""Every co-creation and follow-up step leaves one audit entry (issue #7, "every step
audited"): the verb, who did it, and the object it was done to, with what changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    Milestone,
    MilestoneStatus,
    ProposalGroup,
    SmartCriterion,
)
from agora.core.errors import DomainError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity
from tests.helpers import login

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ONE_EACH = dict.fromkeys(SmartCriterion.values, 1)


def _event(verb: str, instance: models.Model, actor: User | None) -> AuditEvent:
    """The one entry of ``verb`` for ``instance``, by ``actor``."""
    events = AuditEvent.objects.filter(
        verb=verb, object_type=instance._meta.label_lower, object_id=str(instance.pk)
    )
    assert events.count() == 1, list(events.values_list("verb", "object_id"))
    event = events.get()
    assert event.actor == actor
    assert event.actor_label == (actor.username if actor else "sistema")
    return event


def test_workshop_recording_is_audited(rector: User, plan: ActionPlan) -> None:
    workshop = services.workshop_record(
        actor=rector,
        plan=plan,
        label="AQP",
        place="Arequipa",
        people=42,
        participation={"sociedad_civil": 12, "universidad": 3},
    )
    event = _event("taller.creado", workshop, rector)
    assert event.after == {
        "people": 42,
        "participation": {"sociedad_civil": 12, "universidad": 3},
    }
    services.workshop_record(actor=rector, plan=plan, label="AQP", place="Arequipa", people=45)
    assert _event("workshop_updated", workshop, rector).after["people"] == 45  # type: ignore[index]


def test_proposal_submission_is_audited_with_the_entitys_scope(
    manager: User, plan: ActionPlan, entities: dict[str, Entity]
) -> None:
    proposal = services.proposal_submit(
        actor=manager, plan=plan, title="Historia clínica electrónica", entity=entities["minsa"]
    )
    event = _event("propuesta.enviada", proposal, manager)
    assert event.scope == "minsa"
    assert event.after is not None
    assert event.after["title"] == "Historia clínica electrónica"
    assert event.after["entity"] == entities["minsa"].pk


def test_smart_scoring_is_audited_with_previous_scores(
    rector: User, plan: ActionPlan, make_user: Callable[..., User]
) -> None:
    evaluator = make_user("evaluadora")
    plan.evaluators.add(evaluator)
    proposal = services.proposal_submit(
        actor=rector, plan=plan, title="Portal de datos abiertos", submitter_name="Proética"
    )
    services.smart_score_record(actor=evaluator, proposal=proposal, scores=ONE_EACH)
    first = _event("propuesta.puntuada_smart", proposal, evaluator)
    assert first.before is None and first.after == ONE_EACH
    services.smart_score_record(
        actor=evaluator, proposal=proposal, scores={**ONE_EACH, "especifico": 3}
    )
    second = AuditEvent.objects.filter(verb="propuesta.puntuada_smart").latest("id")
    assert second.actor == evaluator and second.object_id == str(proposal.pk)
    assert second.before == ONE_EACH
    assert second.after is not None and second.after["especifico"] == 3


def test_selection_is_audited_with_before_and_after(rector: User, plan: ActionPlan) -> None:
    a, b, c = (
        services.proposal_submit(actor=rector, plan=plan, title=t, submitter_name="Red")
        for t in ("Propuesta uno", "Propuesta dos", "Propuesta tres")
    )
    services.proposals_select(actor=rector, plan=plan, proposals=[a, b])
    services.proposals_select(actor=rector, plan=plan, proposals=[c])
    events = list(AuditEvent.objects.filter(verb="propuestas.seleccionadas").order_by("id"))
    assert [e.object_id for e in events] == [str(plan.pk)] * 2
    assert all(e.actor == rector for e in events)
    assert events[0].before == {"selected": []}
    assert events[0].after == {"selected": sorted([a.pk, b.pk])}
    assert events[1].before == {"selected": sorted([a.pk, b.pk])}
    assert events[1].after == {"selected": [c.pk]}


def _groups(rector: User, plan: ActionPlan) -> list[ProposalGroup]:
    for title in (
        "Portal de datos abiertos del Estado peruano",
        "Crear el portal de datos abiertos del Estado",
        "Datos abiertos del Estado peruano en un portal único",
        "Capacitación en consulta previa a pueblos indígenas",
        "Capacitar en consulta previa a los pueblos indígenas",
    ):
        services.proposal_submit(actor=rector, plan=plan, title=title, submitter_name="Red")
    groups = services.proposal_groups_suggest(actor=rector, plan=plan, threshold=0.3)
    event = _event("grupo_propuestas.sugerido", plan, rector)
    assert event.after is not None
    assert event.after["groups"] == [g.pk for g in groups]
    return groups


def test_group_confirm_and_dismiss_are_audited(rector: User, plan: ActionPlan) -> None:
    groups = _groups(rector, plan)
    assert len(groups) == 2
    confirmed, dismissed = groups
    services.proposal_group_confirm(actor=rector, group=confirmed)
    event = _event("grupo_propuestas.confirmado", confirmed, rector)
    assert event.after is not None
    assert event.after["representative"] == confirmed.representative_id
    assert sorted(event.after["members"]) == sorted(
        confirmed.proposals.values_list("pk", flat=True)
    )
    services.proposal_group_dismiss(actor=rector, group=dismissed)
    event = _event("grupo_propuestas.descartado", dismissed, rector)
    assert event.before == {"status": "sugerida"}
    assert event.after is not None and event.after["status"] == "descartada"


def test_group_decisions_through_the_staff_page_are_audited_as_the_signed_in_person(
    client: Client, rector: User, plan: ActionPlan
) -> None:
    groups = _groups(rector, plan)
    login(client, rector)
    url = f"/compromisos/equipo/planes/{plan.cycle}/propuestas/"
    client.post(url, {"action": "descartar", "group": str(groups[1].pk)})
    client.post(url, {"action": "confirmar", "group": str(groups[0].pk)})
    _event("grupo_propuestas.descartado", groups[1], rector)
    _event("grupo_propuestas.confirmado", groups[0], rector)


def test_update_post_approve_and_reject_are_audited(
    rector: User, manager: User, commitment: Commitment, first_milestone: Milestone
) -> None:
    approved = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Se aprobó la directiva de participación.",
        milestone=first_milestone,
        milestone_status=MilestoneStatus.COMPLETADO,
        evidence_links=["https://www.gob.pe/directiva"],
        files=[SimpleUploadedFile("directiva.pdf", PDF, content_type="application/pdf")],
    )
    posted = _event("avance.enviado", approved, manager)
    assert posted.scope == "minsa"
    assert posted.after == {
        "milestone": first_milestone.pk,
        "milestone_status": "completado",
        "links": ["https://www.gob.pe/directiva"],
        "files": ["directiva.pdf"],
    }
    services.update_approve(actor=rector, update=approved, note="Conforme.")
    assert _event("avance.aprobado", approved, rector).scope == "minsa"
    changed = _event("hito.estado_cambiado", first_milestone, rector)
    assert changed.before is not None and changed.before["status"] == "no_iniciado"
    assert changed.after is not None and changed.after["status"] == "completado"

    rejected = services.update_post(
        actor=manager, commitment=commitment, text="Avance sin sustento suficiente."
    )
    services.update_reject(actor=rector, update=rejected, note="Adjunte la resolución.")
    event = _event("avance.rechazado", rejected, rector)
    assert event.reason == "Adjunte la resolución." and event.scope == "minsa"


def test_review_recording_is_audited_only_when_it_changes(
    rector: User, commitment: Commitment
) -> None:
    values = {
        "verifiable": True,
        "relevance": ["transparencia"],
        "potential_impact": "moderado",
        "completion": "limitado",
        "opened_government": "marginal",
    }
    review = services.review_record(actor=rector, commitment=commitment, **values)  # type: ignore[arg-type]
    event = _event("revision_independiente.registrada", review, rector)
    assert event.before is None
    assert event.after is not None and event.after["completion"] == "limitado"
    assert event.after["starred"] is False
    services.review_record(actor=rector, commitment=commitment, **values)  # type: ignore[arg-type]
    assert AuditEvent.objects.filter(verb="revision_independiente.registrada").count() == 1
    services.review_record(
        actor=rector,
        commitment=commitment,
        **{**values, "potential_impact": "transformador", "completion": "completo"},  # type: ignore[arg-type]
    )
    latest = AuditEvent.objects.filter(verb="revision_independiente.registrada").latest("id")
    assert latest.actor == rector and latest.object_id == str(review.pk)
    assert latest.before is not None and latest.before["starred"] is False
    assert latest.after is not None and latest.after["starred"] is True


def test_refused_steps_leave_no_audit_entry(
    manager: User, rector: User, plan: ActionPlan, commitment: Commitment
) -> None:
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError):
        services.workshop_record(actor=rector, plan=plan, label="X", place="Lima", people=-1)
    with pytest.raises(DomainError):
        services.proposal_submit(actor=manager, plan=plan, title="ok", submitter_name="Red")
    with pytest.raises(DomainError):
        services.review_record(actor=rector, commitment=commitment, completion="casi")
    with pytest.raises(DomainError):
        services.update_post(actor=manager, commitment=commitment, text="corto")
    assert AuditEvent.objects.count() == before
