"""Demo data (idempotent, always marked demo) and the periodic jobs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from agora.participation import tasks
from agora.participation.demo import participation_demo_load
from agora.participation.models import (
    Agreement,
    Consultation,
    Forum,
    ForumMembership,
    MemberOrganisation,
)

pytestmark = pytest.mark.django_db


def test_demo_load_is_idempotent_and_marked(entities: Any) -> None:
    first = participation_demo_load()
    second = participation_demo_load()
    assert first > 0 and second == 0
    assert Forum.objects.count() == 2 and not Forum.objects.filter(is_demo=True).exists()
    assert ForumMembership.objects.count() == 10
    assert not ForumMembership.objects.filter(is_demo=False).exists()
    assert not MemberOrganisation.objects.filter(is_demo=False).exists()
    assert all("(demo)" in o.name for o in MemberOrganisation.objects.all())
    assert not Agreement.objects.filter(is_demo=False).exists()
    assert Consultation.objects.get().is_demo


def test_command_runs(entities: Any) -> None:
    call_command("load_participation_demo")
    assert Consultation.objects.filter(slug="lineamientos-participacion-demo").exists()


def test_schedules_ensured_once() -> None:
    tasks.schedules_ensure()
    tasks.schedules_ensure()
    names = set(
        Schedule.objects.filter(name__startswith="participacion-").values_list("name", flat=True)
    )
    assert names == {
        "participacion-convocatorias",
        "participacion-mandatos",
        "participacion-acuerdos-vencidos",
        "participacion-oportunidades",
    }
    assert tasks.convocations_send() == 0
    assert tasks.agreements_overdue_remind() == 0
