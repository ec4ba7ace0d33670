"""Selectors: who sees what (entity scoping of the staff queues) and the plan summaries."""

from __future__ import annotations

from collections.abc import Callable

from agora.commitments import selectors, services
from agora.commitments.models import ActionPlan, Commitment, MilestoneStatus
from agora.core.models import User


def test_manager_sees_only_commitments_of_entities_they_manage(
    make_commitment: Callable[..., Commitment],
    manager: User,
    other_manager: User,
    communicator: User,
) -> None:
    minsa = make_commitment("PE9001", lead="minsa")
    make_commitment("PE9002", lead="mef")
    supported = make_commitment("PE9003", lead="mef")
    supported.supporting_entities.add(minsa.lead_entity)  # type: ignore[arg-type]
    assert set(selectors.commitments_for_manager(manager).values_list("code", flat=True)) == {
        "PE9001",
        "PE9003",
    }
    assert not selectors.commitments_for_manager(other_manager).exists()
    assert not selectors.commitments_for_manager(
        communicator
    ).exists()  # communicators do not report


def test_update_queues_per_role(
    commitment: Commitment, manager: User, other_manager: User, rector: User
) -> None:
    update = services.update_post(actor=manager, commitment=commitment, text="Avance de prueba.")
    assert list(selectors.updates_pending(rector)) == [update]
    assert list(selectors.updates_pending(manager)) == [update]
    assert list(selectors.updates_pending(other_manager)) == []
    services.update_approve(actor=rector, update=update)
    assert list(selectors.updates_pending(rector)) == []
    assert list(selectors.updates_public(commitment)) == [update]


def test_plans_summary_counts_and_overdue(
    make_commitment: Callable[..., Commitment], rector: User, plan: ActionPlan
) -> None:
    done = make_commitment("PE9001")
    make_commitment("PE9002")
    for milestone in done.milestones.all():
        services.milestone_update(
            actor=rector, milestone=milestone, status=MilestoneStatus.COMPLETADO
        )
    ActionPlan.objects.create(cycle=2040, title="Vacío")
    summary = {p.cycle: p for p in selectors.plans_summary()}
    assert summary[2025].commitment_count == 2  # type: ignore[attr-defined]
    assert float(summary[2025].mean_progress) == 50.0  # type: ignore[attr-defined]
    assert summary[2025].has_overdue  # type: ignore[attr-defined]  # PE9002's 2025 milestones
    assert summary[2040].commitment_count == 0  # type: ignore[attr-defined]
    assert not summary[2040].has_overdue  # type: ignore[attr-defined]
