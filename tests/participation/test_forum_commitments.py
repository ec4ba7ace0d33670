"""The forum page shows the Open Government action plans whose commission is this forum, with
links to their commitments; the free-text reference stays as a note."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agora.commitments.models import ActionPlan, Commitment
from agora.core.models import User
from agora.participation import selectors, services
from agora.participation.models import Forum

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans(forum: Forum, rector: User) -> dict[str, Any]:
    followed = ActionPlan.objects.create(
        cycle=2025, title="Plan de Acción 2025-2027", commission=forum
    )
    Commitment.objects.create(plan=followed, code="PE0101", title="Datos abiertos de agua")
    Commitment.objects.create(plan=followed, code="PE0100", title="Transparencia ambiental")
    other_forum = services.forum_save(
        actor=rector, name="Otro foro", sector="Vivienda", scope="nacional", purpose="Otro."
    )
    elsewhere = ActionPlan.objects.create(
        cycle=2023, title="Plan seguido por otro foro", commission=other_forum
    )
    Commitment.objects.create(plan=elsewhere, code="PE0900", title="Compromiso ajeno")
    ActionPlan.objects.create(cycle=2021, title="Plan sin comisión")
    return {"followed": followed, "elsewhere": elsewhere}


def test_selector_returns_only_this_forums_plans_with_commitments_in_code_order(
    forum: Forum, plans: dict[str, Any], django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(2):
        result = selectors.forum_action_plans(forum)
        codes = [c.code for plan in result for c in plan.forum_commitments]
    assert [p.cycle for p in result] == [2025]
    assert codes == ["PE0100", "PE0101"]


def test_forum_page_links_plan_and_commitments(forum: Forum, plans: dict[str, Any]) -> None:
    forum.commitments_reference = "Compromiso 5 del plan anterior (referencia)."
    forum.save()
    page = Client().get(forum.get_absolute_url()).content.decode()
    assert 'href="/compromisos/planes/2025/"' in page
    assert 'href="/compromisos/PE0100/"' in page and "Transparencia ambiental" in page
    assert 'href="/compromisos/PE0101/"' in page
    assert "PE0900" not in page and "Plan sin comisión" not in page
    assert "Compromiso 5 del plan anterior (referencia)." in page


def test_forum_without_plans_shows_no_commitments_section(forum: Forum) -> None:
    page = Client().get(forum.get_absolute_url()).content.decode()
    assert 'id="compromisos"' not in page
