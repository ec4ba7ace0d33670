"""Fixtures of the publishing tests: MINSA's accounts (X and Facebook) and a content plan of
the coming weeks, built through the services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from agora.commitments.models import ActionPlan, Commitment, PlanStatus
from agora.core.models import User
from agora.directory.models import AccountStatus, Entity, SocialAccount
from agora.publishing import services
from agora.publishing.models import ContentPlan, PlannedPost
from agora.publishing.services import LIMA


@pytest.fixture
def minsa_accounts(entities: dict[str, Entity]) -> dict[str, SocialAccount]:
    minsa = entities["minsa"]
    x = SocialAccount.objects.create(
        entity=minsa,
        platform="x",
        handle="minsa_prueba",
        handle_key="minsa_prueba",
        url="https://x.com/minsa_prueba",
        status=AccountStatus.VERIFICADA,
    )
    facebook = SocialAccount.objects.create(
        entity=minsa,
        platform="facebook",
        handle="minsaprueba",
        handle_key="minsaprueba",
        url="https://www.facebook.com/minsaprueba",
        status=AccountStatus.VERIFICADA,
    )
    return {"x": x, "facebook": facebook}


@pytest.fixture
def content_plan(
    communicator: User, entities: dict[str, Entity], minsa_accounts: dict[str, SocialAccount]
) -> ContentPlan:
    today = timezone.localdate()
    return services.plan_create(
        actor=communicator,
        entity=entities["minsa"],
        title="Plan de vacunación",
        period_start=today,
        period_end=today + dt.timedelta(days=40),
        objectives="Informar sobre la campaña de vacunación.",
        accounts=minsa_accounts.values(),
        themes=["Vacunación", "Prevención"],
    )


def in_days(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LIMA)


GOOD_TEXT = "Te invitamos a vacunarte en nuestros centros de salud este fin de semana."


@pytest.fixture
def make_post(
    content_plan: ContentPlan, communicator: User, minsa_accounts: dict[str, SocialAccount]
) -> Callable[..., PlannedPost]:
    def make(text: str = GOOD_TEXT, *, author: User | None = None, **extra: Any) -> PlannedPost:
        return services.post_create(
            actor=author or communicator,
            plan=extra.pop("plan", content_plan),
            title=extra.pop("title", "Campaña de vacunación"),
            scheduled_at=extra.pop("scheduled_at", in_days(3)),
            texts=extra.pop("texts", {minsa_accounts["x"]: text}),
            **extra,
        )

    return make


@pytest.fixture
def cited_commitment(entities: dict[str, Entity]) -> Commitment:
    plan = ActionPlan.objects.create(
        cycle=2025,
        title="Plan de prueba",
        period_start=2025,
        period_end=2026,
        status=PlanStatus.IMPLEMENTACION,
    )
    return Commitment.objects.create(
        plan=plan, code="PE9100", title="Vacunación verificable", lead_entity=entities["minsa"]
    )


# The sandbox platform's fixtures (tests/connectors/test_sandbox.py): every call to it goes to
# this app through the test client.
from tests.connectors.test_sandbox import (  # noqa: E402, F401 - fixtures
    _sandbox_settings,
    demo_account,
    platform,
)
from tests.connectors.test_sandbox_polled import x_account  # noqa: E402, F401 - fixture
