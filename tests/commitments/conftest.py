"""Fixtures of the commitments tests: a plan with commitments led by entities of the shared
``entities`` fixture (MINSA is managed by ``manager``), built through the services."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from agora.commitments import services
from agora.commitments.models import ActionPlan, Commitment, Milestone, PlanStatus, PolicyArea
from agora.core.models import User
from agora.directory.models import Entity


@pytest.fixture
def plan(db: None) -> ActionPlan:
    return ActionPlan.objects.create(
        cycle=2025,
        title="Plan de prueba 2025-2026",
        period_start=2025,
        period_end=2026,
        status=PlanStatus.IMPLEMENTACION,
    )


@pytest.fixture
def area(db: None) -> PolicyArea:
    return PolicyArea.objects.create(
        name="E-Government", name_es="Gobierno electrónico", slug="e-government"
    )


@pytest.fixture
def make_commitment(
    plan: ActionPlan, entities: dict[str, Entity], rector: User
) -> Callable[..., Commitment]:
    def make(
        code: str = "PE9001", *, lead: str = "minsa", milestones: int = 2, **extra: object
    ) -> Commitment:
        commitment = Commitment.objects.create(
            plan=extra.pop("plan_obj", plan),  # type: ignore[misc]
            code=code,
            title=extra.pop("title", f"Compromiso de prueba {code}"),
            lead_entity=entities[lead],
            **extra,
        )
        for index in range(milestones):
            services.milestone_add(
                actor=rector,
                commitment=commitment,
                activity=f"Actividad {index + 1}",
                start_month=datetime.date(2025, 1 + index, 1),
                end_month=datetime.date(2025, 2 + index, 1),
            )
        commitment.refresh_from_db()
        return commitment

    return make


@pytest.fixture
def commitment(make_commitment: Callable[..., Commitment]) -> Commitment:
    return make_commitment()


@pytest.fixture
def first_milestone(commitment: Commitment) -> Milestone:
    return commitment.milestones.get(order=1)
