"""Services: every write validates, audits, and on bad input raises a Spanish DomainError and
writes nothing."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Evidence,
    GroupStatus,
    IndependentReview,
    Milestone,
    MilestoneStatus,
    Proposal,
    ProposalGroup,
    SmartScore,
    UpdateStatus,
    Workshop,
    starred_by_ogp_rule,
)
from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40


def _counts() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        Milestone.objects.count(),
        CommitmentUpdate.objects.count(),
        Evidence.objects.count(),
        SmartScore.objects.count(),
        Proposal.objects.filter(selected=True).count(),
        Workshop.objects.count(),
        Proposal.objects.count(),
    )


# --- milestones and progress -----------------------------------------------------------------


def test_milestone_ending_before_it_starts_is_refused(rector: User, commitment: Commitment) -> None:
    before = _counts()
    with pytest.raises(DomainError, match=r"termina .* antes de empezar"):
        services.milestone_add(
            actor=rector,
            commitment=commitment,
            activity="Al revés",
            start_month="2025-06",
            end_month="2025-05",
        )
    assert _counts() == before


@pytest.mark.parametrize("month", ["2025-13", "junio", "", "2025"])
def test_milestone_with_a_bad_month_is_refused(
    rector: User, commitment: Commitment, month: str
) -> None:
    before = _counts()
    with pytest.raises(DomainError, match="AAAA-MM"):
        services.milestone_add(
            actor=rector,
            commitment=commitment,
            activity="X",
            start_month=month,
            end_month="2025-05",
        )
    assert _counts() == before


def test_milestone_update_refuses_end_before_start_and_keeps_the_row(
    rector: User, first_milestone: Milestone
) -> None:
    before = _counts()
    with pytest.raises(DomainError):
        services.milestone_update(actor=rector, milestone=first_milestone, end_month="2024-01")
    first_milestone.refresh_from_db()
    assert first_milestone.end_month == datetime.date(2025, 2, 1)
    assert _counts() == before


def test_milestone_zero_weight_refused(rector: User, commitment: Commitment) -> None:
    with pytest.raises(DomainError, match="peso"):
        services.milestone_add(
            actor=rector,
            commitment=commitment,
            activity="X",
            start_month="2025-01",
            end_month="2025-01",
            weight=0,
        )


def test_only_rector_and_lead_entity_managers_add_milestones(
    manager: User, other_manager: User, communicator: User, commitment: Commitment
) -> None:
    """Managers of another entity and communicators cannot; a lead-entity manager can, but
    not with a status other than "not started" (status comes with an approved report)."""
    for outsider in (other_manager, communicator):
        with pytest.raises(PermissionDeniedError):
            services.milestone_add(
                actor=outsider,
                commitment=commitment,
                activity="X",
                start_month="2025-01",
                end_month="2025-02",
            )
    with pytest.raises(PermissionDeniedError):
        services.milestone_add(
            actor=manager,
            commitment=commitment,
            activity="X",
            start_month="2025-01",
            end_month="2025-02",
            status=MilestoneStatus.COMPLETADO,
        )
    assert commitment.milestones.count() == 2
    added = services.milestone_add(
        actor=manager,
        commitment=commitment,
        activity="X",
        start_month="2025-01",
        end_month="2025-02",
    )
    assert added.order == 3 and added.status == MilestoneStatus.NO_INICIADO


def test_progress_is_the_weighted_share_of_completed_milestones(
    rector: User, commitment: Commitment
) -> None:
    services.milestone_add(
        actor=rector,
        commitment=commitment,
        activity="Pesado",
        start_month="2025-03",
        end_month="2025-04",
        weight=2,
    )
    m1, m2, m3 = commitment.milestones.order_by("order")
    assert commitment.status == CommitmentStatus.NO_INICIADO
    services.milestone_update(actor=rector, milestone=m3, status=MilestoneStatus.COMPLETADO)
    commitment.refresh_from_db()
    assert float(commitment.progress) == 50.0  # 2 of 4
    assert commitment.status == CommitmentStatus.EN_CURSO
    services.milestone_update(actor=rector, milestone=m1, status=MilestoneStatus.COMPLETADO)
    services.milestone_update(actor=rector, milestone=m2, status=MilestoneStatus.COMPLETADO)
    commitment.refresh_from_db()
    assert float(commitment.progress) == 100.0
    assert commitment.status == CommitmentStatus.COMPLETADO
    assert AuditEvent.objects.filter(verb="hito.actualizado").count() == 3


def test_overdue_detection(commitment: Commitment, first_milestone: Milestone) -> None:
    today = datetime.date(2025, 3, 10)  # milestone 1 ended February 2025, milestone 2 ends March
    assert first_milestone.is_overdue(today)
    assert not commitment.milestones.get(order=2).is_overdue(today)
    assert Commitment.objects.with_overdue(today).get(pk=commitment.pk).overdue  # type: ignore[attr-defined]
    before_end = datetime.date(2025, 2, 28)
    assert not Commitment.objects.with_overdue(before_end).get(pk=commitment.pk).overdue  # type: ignore[attr-defined]
    Milestone.objects.filter(pk=first_milestone.pk).update(status=MilestoneStatus.COMPLETADO)
    assert not Commitment.objects.with_overdue(today).get(pk=commitment.pk).overdue  # type: ignore[attr-defined]


# --- progress reports with evidence ---------------------------------------------------------


def test_manager_posts_update_rector_approves_then_it_applies(
    manager: User, rector: User, commitment: Commitment, first_milestone: Milestone
) -> None:
    update = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Se aprobó la directiva con resolución ministerial.",
        milestone=first_milestone,
        milestone_status=MilestoneStatus.COMPLETADO,
        evidence_links=["https://www.gob.pe/institucion/minsa/normas-legales/1"],
        files=[SimpleUploadedFile("resolucion.pdf", PDF, content_type="application/pdf")],
    )
    assert update.status == UpdateStatus.PENDIENTE
    assert update.entity.code == "minsa"
    assert update.files.get().mime_type == "application/pdf"
    first_milestone.refresh_from_db()
    assert first_milestone.status == MilestoneStatus.NO_INICIADO  # nothing public yet
    assert rector.notifications.filter(kind="compromiso_avance").exists()
    services.update_approve(actor=rector, update=update)
    first_milestone.refresh_from_db()
    commitment.refresh_from_db()
    assert first_milestone.status == MilestoneStatus.COMPLETADO
    assert first_milestone.evidence_links == [
        "https://www.gob.pe/institucion/minsa/normas-legales/1"
    ]
    assert float(commitment.progress) == 50.0
    assert AuditEvent.objects.filter(verb="avance.aprobado", object_id=str(update.pk)).exists()
    with pytest.raises(DomainError, match="ya fue revisado"):
        services.update_approve(actor=rector, update=update)


def test_update_by_other_entity_or_rector_or_anonymous_is_refused(
    other_manager: User, communicator: User, rector: User, commitment: Commitment
) -> None:
    before = _counts()
    for actor in (other_manager, communicator, rector):
        with pytest.raises(PermissionDeniedError):
            services.update_post(actor=actor, commitment=commitment, text="Avance suficiente largo")
    assert _counts() == before


def test_only_rector_approves_and_rejection_needs_a_reason(
    manager: User, rector: User, commitment: Commitment
) -> None:
    update = services.update_post(
        actor=manager, commitment=commitment, text="Avance del trimestre."
    )
    with pytest.raises(PermissionDeniedError):
        services.update_approve(actor=manager, update=update)
    with pytest.raises(DomainError, match="motivo"):
        services.update_reject(actor=rector, update=update, note="  ")
    update.refresh_from_db()
    assert update.status == UpdateStatus.PENDIENTE
    services.update_reject(actor=rector, update=update, note="Falta la evidencia.")
    update.refresh_from_db()
    assert update.status == UpdateStatus.RECHAZADA
    assert manager.notifications.filter(text__contains="Falta la evidencia").exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("informe.pdf", b"MZ\x90\x00 not a pdf, an executable" + b"\x00" * 64, "no es un PDF"),
        ("foto.png", b"just text pretending to be an image", "no es un PDF"),
        ("script.pdf", b"#!/bin/sh\necho hola\n", "no es un PDF"),
        ("vacio.pdf", b"", "vacío"),
        ("falso.docx", b"PK\x03\x04" + b"\x00" * 100, "no es un PDF"),
    ],
)
def test_evidence_that_is_not_pdf_image_or_office_is_refused(
    manager: User, commitment: Commitment, name: str, content: bytes, reason: str
) -> None:
    before = _counts()
    with pytest.raises(DomainError, match=reason):
        services.update_post(
            actor=manager,
            commitment=commitment,
            text="Avance con evidencia.",
            files=[
                SimpleUploadedFile("bien.png", PNG, content_type="image/png"),
                SimpleUploadedFile(name, content, content_type="application/pdf"),
            ],
        )
    assert _counts() == before


def test_evidence_over_20_mb_is_refused(manager: User, commitment: Commitment) -> None:
    big = SimpleUploadedFile(
        "grande.pdf", PDF + b"0" * (20 * 1024 * 1024), content_type="application/pdf"
    )
    before = _counts()
    with pytest.raises(DomainError, match="20 MB"):
        services.update_post(
            actor=manager, commitment=commitment, text="Avance con evidencia.", files=[big]
        )
    assert _counts() == before


def test_office_document_is_accepted(manager: User, commitment: Commitment) -> None:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    update = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Acta de la reunión.",
        files=[SimpleUploadedFile("acta.docx", buffer.getvalue())],
    )
    assert update.files.count() == 1


def test_bad_evidence_link_and_foreign_milestone_are_refused(
    manager: User, commitment: Commitment, make_commitment: Callable[..., Commitment]
) -> None:
    other = make_commitment("PE9002")
    before = _counts()
    with pytest.raises(DomainError, match="dirección web"):
        services.update_post(
            actor=manager,
            commitment=commitment,
            text="Avance con enlace.",
            evidence_links=["javascript:alert(1)"],
        )
    with pytest.raises(DomainError, match="no pertenece"):
        services.update_post(
            actor=manager,
            commitment=commitment,
            text="Avance de otro hito.",
            milestone=other.milestones.first(),
        )
    assert _counts() == before


# --- workshops, proposals, grouping -----------------------------------------------------------


def test_workshop_records_participants_per_type(rector: User, plan: ActionPlan) -> None:
    workshop = services.workshop_record(
        actor=rector,
        plan=plan,
        label="AREQUIPA",
        place="Arequipa",
        people=40,
        participation={"entidad_publica": 12, "sociedad_civil": 20},
    )
    assert dict(workshop.participation.values_list("organisation_type", "count")) == {
        "entidad_publica": 12,
        "sociedad_civil": 20,
    }
    before = _counts()
    with pytest.raises(DomainError):
        services.workshop_record(
            actor=rector, plan=plan, label="X", place="X", participation={"marcianos": 1}
        )
    with pytest.raises(DomainError):
        services.workshop_record(
            actor=rector, plan=plan, label="X", place="X", participation={"universidad": -1}
        )
    assert _counts() == before


def test_proposal_from_entity_only_by_its_manager(
    manager: User, other_manager: User, plan: ActionPlan, entities: dict[str, Entity]
) -> None:
    proposal = services.proposal_submit(
        actor=manager, plan=plan, title="Datos abiertos de citas médicas", entity=entities["minsa"]
    )
    assert proposal.source == "entidad"
    with pytest.raises(PermissionDeniedError):
        services.proposal_submit(
            actor=other_manager, plan=plan, title="Otra propuesta", entity=entities["minsa"]
        )
    with pytest.raises(DomainError, match="de dónde viene"):
        services.proposal_submit(actor=manager, plan=plan, title="Sin origen")


def _proposals(rector: User, plan: ActionPlan, titles: list[str]) -> list[Proposal]:
    workshop = services.workshop_record(actor=rector, plan=plan, label="LIMA", place="Lima")
    return [
        services.proposal_submit(actor=rector, plan=plan, title=t, workshop=workshop)
        for t in titles
    ]


def test_grouping_suggests_similar_proposals_and_staff_confirms(
    rector: User, plan: ActionPlan
) -> None:
    a, b, c = _proposals(
        rector,
        plan,
        [
            "Portal de datos abiertos del Estado peruano",
            "Crear el portal de datos abiertos del Estado",
            "Capacitación en consulta previa a pueblos indígenas",
        ],
    )
    groups = services.proposal_groups_suggest(actor=rector, plan=plan, threshold=0.3)
    assert len(groups) == 1
    assert set(groups[0].proposals.values_list("pk", flat=True)) == {a.pk, b.pk}
    services.proposal_group_confirm(actor=rector, group=groups[0])
    b.refresh_from_db()
    c.refresh_from_db()
    assert b.merged_into == a and c.merged_into is None
    assert ProposalGroup.objects.get().status == GroupStatus.CONFIRMADA
    assert AuditEvent.objects.filter(verb="grupo_propuestas.confirmado").count() == 1
    with pytest.raises(DomainError, match="ya fue decidida"):
        services.proposal_group_confirm(actor=rector, group=groups[0])


def test_grouping_needs_rector(manager: User, plan: ActionPlan) -> None:
    with pytest.raises(PermissionDeniedError):
        services.proposal_groups_suggest(actor=manager, plan=plan)


# --- SMART scoring, ranking and selection ---------------------------------------------------

FULL = {"especifico": 3, "medible": 2, "asequible": 3, "relevante": 1, "oportuno": 1}


@pytest.mark.parametrize(
    "bad",
    [
        {**FULL, "especifico": 4},
        {**FULL, "medible": 3},
        {**FULL, "relevante": -1},
        {**FULL, "oportuno": "mucho"},
        {k: v for k, v in FULL.items() if k != "oportuno"},
        {**FULL, "simpatico": 1},
    ],
)
def test_score_outside_the_rubric_is_refused(
    rector: User, plan: ActionPlan, bad: dict[str, object]
) -> None:
    (proposal,) = _proposals(rector, plan, ["Una propuesta cualquiera"])
    before = _counts()
    with pytest.raises(DomainError):
        services.smart_score_record(actor=rector, proposal=proposal, scores=bad)  # type: ignore[arg-type]
    assert _counts() == before


def test_only_evaluators_score(
    rector: User, manager: User, plan: ActionPlan, make_user: Callable[..., User]
) -> None:
    (proposal,) = _proposals(rector, plan, ["Una propuesta cualquiera"])
    with pytest.raises(PermissionDeniedError):
        services.smart_score_record(actor=manager, proposal=proposal, scores=FULL)
    plan.evaluators.add(manager)
    services.smart_score_record(actor=manager, proposal=proposal, scores=FULL)
    assert SmartScore.objects.filter(evaluator=manager).count() == 5


def test_ranking_mean_disagreement_and_order(
    rector: User, plan: ActionPlan, make_user: Callable[..., User]
) -> None:
    a, b, c = _proposals(rector, plan, ["Propuesta A", "Propuesta B", "Propuesta C"])
    e1, e2 = make_user("evaluadora-1"), make_user("evaluador-2")
    plan.evaluators.add(e1, e2)
    services.smart_score_record(actor=e1, proposal=a, scores=FULL)  # 10
    services.smart_score_record(
        actor=e2, proposal=a, scores={**FULL, "especifico": 1, "asequible": 1}
    )  # 6
    services.smart_score_record(actor=e1, proposal=b, scores={**FULL, "medible": 1})  # 9
    services.smart_score_record(actor=e2, proposal=b, scores={**FULL, "medible": 1})  # 9
    ranking = services.proposals_rank(plan=plan)
    assert [r.proposal.pk for r in ranking] == [b.pk, a.pk, c.pk]
    assert (ranking[0].mean, ranking[0].stdev, ranking[0].spread) == (9.0, 0.0, 0)
    assert (ranking[1].mean, ranking[1].stdev, ranking[1].spread) == (8.0, 2.0, 4)
    assert ranking[2].mean is None and ranking[2].evaluators == 0
    # Re-scoring replaces the evaluator's earlier score.
    services.smart_score_record(actor=e2, proposal=a, scores=FULL)
    assert services.proposals_rank(plan=plan)[0].proposal.pk == a.pk


def test_selection_over_the_cap_is_refused(rector: User, plan: ActionPlan) -> None:
    plan.selection_cap = 2
    plan.save()
    proposals = _proposals(rector, plan, ["Uno uno", "Dos dos", "Tres tres"])
    services.proposals_select(actor=rector, plan=plan, proposals=proposals[:1])
    before = _counts()
    with pytest.raises(DomainError, match="como máximo 2"):
        services.proposals_select(actor=rector, plan=plan, proposals=proposals)
    assert _counts() == before
    assert list(Proposal.objects.filter(selected=True)) == proposals[:1]
    services.proposals_select(actor=rector, plan=plan, proposals=proposals[1:])
    assert set(Proposal.objects.filter(selected=True)) == set(proposals[1:])


def test_default_cap_is_20(rector: User, plan: ActionPlan) -> None:
    proposals = _proposals(rector, plan, [f"Propuesta número {n}" for n in range(21)])
    with pytest.raises(DomainError, match="como máximo 20"):
        services.proposals_select(actor=rector, plan=plan, proposals=proposals)
    assert len(services.proposals_select(actor=rector, plan=plan, proposals=proposals[:20])) == 20


# --- independent review ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verifiable", "relevance", "impact", "completion", "starred"),
    [
        (True, ["transparencia"], "transformador", "sustancial", True),
        (True, ["transparencia"], "transformador", "completo", True),
        (True, ["transparencia"], "moderado", "completo", False),
        (True, [], "transformador", "completo", False),
        (False, ["transparencia"], "transformador", "completo", False),
        (True, ["transparencia"], "transformador", "limitado", False),
        (None, ["transparencia"], "transformador", "completo", False),
    ],
)
def test_starred_is_computed_by_the_ogp_rule(
    rector: User,
    commitment: Commitment,
    verifiable: bool | None,
    relevance: list[str],
    impact: str,
    completion: str,
    starred: bool,
) -> None:
    assert (
        starred_by_ogp_rule(
            verifiable=verifiable,
            relevance=relevance,
            potential_impact=impact,
            completion=completion,
        )
        is starred
    )
    review = services.review_record(
        actor=rector,
        commitment=commitment,
        verifiable=verifiable,
        relevance=relevance,
        potential_impact=impact,
        completion=completion,
        opened_government="marginal",
    )
    assert IndependentReview.objects.get(pk=review.pk).starred is starred


def test_review_rejects_unknown_values_and_non_rector(
    rector: User, manager: User, commitment: Commitment
) -> None:
    with pytest.raises(DomainError):
        services.review_record(actor=rector, commitment=commitment, potential_impact="enorme")
    with pytest.raises(DomainError):
        services.review_record(actor=rector, commitment=commitment, relevance=["felicidad"])
    with pytest.raises(PermissionDeniedError):
        services.review_record(actor=manager, commitment=commitment)
    assert not IndependentReview.objects.exists()
