"""Fixtures of the participation tests: a forum run by the rector, members, a verified
citizen, a member's representative, and an open consultation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from agora.core.models import User
from agora.participation import services
from agora.participation.models import (
    CitizenVerification,
    Consultation,
    Forum,
    ForumMembership,
    MemberOrganisation,
    StakeholderType,
)

DOCUMENT = """Texto introductorio de los lineamientos.

# Disposiciones generales

Los presentes lineamientos regulan la participación ciudadana.

Se aplican a los tres niveles de gobierno.

## Foros multiactor

Cada foro fija asientos mínimos y máximos por tipo de actor.
"""


@pytest.fixture
def forum(rector: User) -> Forum:
    forum = services.forum_save(
        actor=rector,
        name="Foro de prueba de Ambiente",
        sector="Ambiente",
        scope="nacional",
        purpose="Probar el protocolo.",
        requirements=["Constancia de existencia legal", "Carta de designación"],
    )
    for kind, low, high in [
        (StakeholderType.ESTADO, 1, 2),
        (StakeholderType.SOCIEDAD_CIVIL, 2, 3),
        (StakeholderType.ACADEMIA, 1, 1),
    ]:
        services.seat_rule_set(
            actor=rector, forum=forum, stakeholder_type=kind, min_seats=low, max_seats=high
        )
    return forum


@pytest.fixture
def add_member(forum: Forum, rector: User) -> Callable[..., ForumMembership]:
    def add(
        name: str, kind: str = StakeholderType.SOCIEDAD_CIVIL, vote: str = "voz_y_voto"
    ) -> ForumMembership:
        org = MemberOrganisation.objects.create(name=name, stakeholder_type=kind, is_demo=True)
        return services.membership_add(
            actor=rector,
            forum=forum,
            organisation=org,
            vote=vote,
            term_start=timezone.localdate() - timedelta(days=30),
            is_demo=True,
        )

    return add


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    user = make_user("ciudadana@example.pe", email="ciudadana@example.pe")
    CitizenVerification.objects.create(user=user, email=user.email, verified_at=timezone.now())
    return user


@pytest.fixture
def unverified(make_user: Callable[..., User]) -> User:
    user = make_user("sinverificar@example.pe", email="sinverificar@example.pe")
    CitizenVerification.objects.create(user=user, email=user.email)
    return user


@pytest.fixture
def member_user(make_user: Callable[..., User], add_member: Callable[..., ForumMembership]) -> User:
    user = make_user("representante@example.pe", email="representante@example.pe")
    membership = add_member("Asociación Civil Demo")
    services.representative_set(
        actor=None,
        system=True,
        membership=membership,
        role="titular",
        full_name="Rep Demo",
        user=user,
    )
    return user


@pytest.fixture
def consultation(rector: User, forum: Forum) -> Consultation:
    now = timezone.now()
    consultation = services.consultation_create(
        actor=rector,
        forum=forum,
        title="Lineamientos de participación",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=10),
    )
    return services.consultation_publish(actor=rector, consultation=consultation)
