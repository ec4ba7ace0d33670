"""Agreements name the responsible directory entity and/or person, the session that adopted
them, and whether the government decision comes from or leads to the agreement; the public
follow-up page and the API show them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.errors import DomainError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity
from agora.participation import services
from agora.participation.models import Agreement, Forum, ForumSession
from tests.helpers import login

pytestmark = pytest.mark.django_db


def _due() -> Any:
    return timezone.localdate() + timedelta(days=30)


@pytest.fixture
def session(forum: Forum) -> ForumSession:
    return services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Primera sesión",
        starts_at=timezone.now() - timedelta(days=1),
        agenda="1.",
    )


def test_entity_alone_is_enough(rector: User, forum: Forum, entities: dict[str, Entity]) -> None:
    agreement = services.agreement_create(
        actor=rector,
        forum=forum,
        draft=services.AgreementDraft(
            text="Publicar datos",
            responsible="",
            responsible_entity=entities["minsa"],
            due_date=_due(),
            decision_kind="resolucion",
            decision_direction="deriva_de",
            decision_reference="R.M. 1-2026",
        ),
    )
    agreement.refresh_from_db()
    assert agreement.responsible_entity == entities["minsa"] and agreement.responsible == ""
    assert agreement.decision_direction == "deriva_de"


def test_neither_entity_nor_person_refused(rector: User, forum: Forum) -> None:
    with pytest.raises(DomainError, match="entidad responsable o la persona"):
        services.agreement_create(
            actor=rector,
            forum=forum,
            draft=services.AgreementDraft(
                text="Algo",
                responsible="  ",
                due_date=_due(),
            ),
        )
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("kind", "direction", "message"),
    [("norma", "de_lado", "proviene de la decisión"), ("", "conduce_a", "tipo de decisión")],
)
def test_bad_direction_refused(
    rector: User, forum: Forum, kind: str, direction: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        services.agreement_create(
            actor=rector,
            forum=forum,
            draft=services.AgreementDraft(
                text="Algo",
                responsible="Secretaría",
                due_date=_due(),
                decision_kind=kind,
                decision_direction=direction,
                decision_reference="Ley 1",
            ),
        )
    assert not Agreement.objects.exists()


def _post(client: Client, forum: Forum, **data: Any) -> str:
    payload = {"accion": "acuerdo", "text": "Acuerdo", "due_date": _due().isoformat(), **data}
    return client.post(
        reverse("participation:forum_manage", args=[forum.slug]), payload, follow=True
    ).content.decode()


def test_form_takes_entity_session_and_direction(
    rector: User, forum: Forum, entities: dict[str, Entity], session: ForumSession
) -> None:
    client = login(Client(), rector)
    manage = client.get(reverse("participation:forum_manage", args=[forum.slug])).content.decode()
    assert "Sesión 1: Primera sesión" in manage and 'name="decision_direction"' in manage
    page = _post(
        client,
        forum,
        responsible_entity="MINSA",
        responsible="Dirección de Salud Ambiental",
        session=session.pk,
        decision_kind="norma",
        decision_direction="conduce_a",
        decision_reference="Decreto Supremo 5-2026",
    )
    assert "Acuerdo registrado" in page
    agreement = Agreement.objects.get()
    assert agreement.responsible_entity == entities["minsa"]
    assert agreement.responsible == "Dirección de Salud Ambiental"
    assert agreement.session == session
    assert agreement.decision_direction == "conduce_a"
    assert AuditEvent.objects.filter(verb="acuerdo.creado").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"responsible_entity": "no-existe"}, "No existe en el directorio una entidad"),
        (
            {"responsible": "X", "decision_kind": "norma", "decision_reference": "Ley 1"},
            "proviene de la decisión de gobierno o conduce a ella",
        ),
        ({}, "Indique la entidad responsable o la persona responsable"),
    ],
)
def test_form_bad_input_refused_with_spanish_message(
    rector: User, forum: Forum, entities: dict[str, Entity], data: dict[str, str], message: str
) -> None:
    page = _post(login(Client(), rector), forum, **data)
    assert message in page
    assert not Agreement.objects.exists()


def test_session_of_another_forum_refused_by_form(
    rector: User, forum: Forum, session: ForumSession
) -> None:
    other = services.forum_save(
        actor=rector, name="Otro foro", sector="Vivienda", scope="nacional", purpose="Otro."
    )
    page = _post(login(Client(), rector), other, responsible="X", session=session.pk)
    assert "Revise los datos del acuerdo" in page
    assert not Agreement.objects.exists()


def test_public_follow_up_page_and_api_show_them(
    forum: Forum, entities: dict[str, Entity], session: ForumSession
) -> None:
    services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        draft=services.AgreementDraft(
            text="Publicar el reglamento",
            responsible="Oficina de Participación",
            responsible_entity=entities["minsa"],
            session=session,
            due_date=_due(),
            decision_kind="resolucion",
            decision_direction="deriva_de",
            decision_reference="R.M. 2-2026",
        ),
    )
    page = Client().get(reverse("participation:agreements", args=[forum.slug])).content.decode()
    assert 'href="/directorio/minsa/"' in page and entities["minsa"].name in page
    assert "Oficina de Participación" in page
    assert "El acuerdo proviene de la decisión" in page
    assert session.get_absolute_url() in page
    row = Client().get("/api/v1/agreements/").json()["results"][0]
    assert row["responsible_entity"] == "minsa"
    assert row["decision_direction"] == "deriva_de"
    assert row["session"] == session.number


def test_follow_up_page_queries_do_not_grow_with_agreements(
    forum: Forum,
    entities: dict[str, Entity],
    session: ForumSession,
    django_assert_max_num_queries: Any,
) -> None:
    for index in range(12):
        services.agreement_create(
            actor=None,
            system=True,
            forum=forum,
            draft=services.AgreementDraft(
                text=f"Acuerdo {index}",
                responsible="",
                responsible_entity=entities["minsa" if index % 2 else "pcm"],
                session=session,
                due_date=_due(),
            ),
        )
    client = Client()
    url = reverse("participation:agreements", args=[forum.slug])
    client.get(url)
    with django_assert_max_num_queries(12):
        client.get(url)
