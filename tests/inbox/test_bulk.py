"""Bulk actions of the inbox list (agora/inbox/bulk.py, agora/inbox/views_bulk.py): assign,
close, tag and hide many conversations at once; all or nothing within the actor's scope, a
cap on how many, one audit entry per conversation, Spanish 4xx errors that change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox import bulk, services
from agora.inbox.models import (
    Conversation,
    Label,
    Message,
    ModerationAction,
    Status,
    ThreatAlert,
)
from tests.helpers import html, login
from tests.inbox.test_views import LIST, ingest, minsa_account, sunat_account, sunat_communicator

__all__ = ["minsa_account", "sunat_account", "sunat_communicator"]

BULK = "/bandeja/en-bloque/"


@pytest.fixture
def convs(minsa_account: SocialAccount) -> list[Conversation]:
    return [ingest(minsa_account, author_id=f"c{i}", author_name=f"Persona {i}") for i in range(4)]


@pytest.fixture
def colleague(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("ana-minsa", first_name="Ana", last_name="Quispe")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.COMUNICADOR)
    return user


def _ids(conversations: list[Conversation]) -> list[str]:
    return [str(c.pk) for c in conversations]


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Conversation.objects.order_by("pk").values_list("pk", "status", "assignee_id", "hidden")
    )


# --- services ---------------------------------------------------------------------------------


def test_bulk_assign_assigns_each_and_audits_each(
    convs: list[Conversation], communicator: User, colleague: User
) -> None:
    done = bulk.conversations_bulk_assign(actor=communicator, ids=_ids(convs), assignee=colleague)
    assert {c.assignee_id for c in done} == {colleague.pk}
    assert set(Conversation.objects.values_list("assignee_id", flat=True)) == {colleague.pk}
    audits = AuditEvent.objects.filter(verb="conversacion.asignada")
    assert sorted(int(a.object_id) for a in audits) == sorted(c.pk for c in convs)
    assert all(
        a.actor == communicator and (a.after or {})["assignee"] == colleague.pk for a in audits
    )


def test_bulk_close_closes_each_clears_deadlines_and_audits_each(
    convs: list[Conversation], communicator: User
) -> None:
    assert all(c.due_at is not None for c in convs)
    bulk.conversations_bulk_close(actor=communicator, ids=_ids(convs[:3]))
    closed = Conversation.objects.filter(status=Status.CERRADO)
    assert sorted(closed.values_list("pk", flat=True)) == sorted(c.pk for c in convs[:3])
    assert all(c.due_at is None and c.resolved_at is not None for c in closed)
    assert Conversation.objects.get(pk=convs[3].pk).status != Status.CERRADO
    assert AuditEvent.objects.filter(verb="conversacion.estado_cambiado").count() == 3


def test_bulk_tag_adds_the_label_without_removing_others_once_per_conversation(
    convs: list[Conversation], communicator: User
) -> None:
    services.conversation_set_labels(conversation=convs[0], actor=communicator, names=["salud"])
    added = bulk.conversations_bulk_tag(actor=communicator, ids=_ids(convs), name="  vacunas  ")
    assert added == 4
    assert sorted(convs[0].labels.values_list("name", flat=True)) == ["salud", "vacunas"]
    assert all(c.labels.filter(name="vacunas").exists() for c in convs)
    assert Label.objects.filter(name="vacunas").count() == 1
    again = bulk.conversations_bulk_tag(actor=communicator, ids=_ids(convs), name="vacunas")
    assert again == 0
    audits = AuditEvent.objects.filter(verb="conversacion.etiquetada")
    # One for the first single label, four for the bulk tag, none for the repeat.
    assert audits.count() == 5


def test_bulk_hide_hides_citizen_messages_records_moderation_and_keeps_threats(
    convs: list[Conversation], minsa_account: SocialAccount, communicator: User
) -> None:
    threat = convs[3]
    message = Message.objects.get(conversation=threat)
    message.flags = ["amenaza"]
    message.save(update_fields=["flags"])
    ThreatAlert.objects.create(
        entity_id=threat.entity_id, conversation=threat, message=message, model_version="t"
    )
    hidden, kept = bulk.conversations_bulk_hide(
        actor=communicator, ids=_ids(convs), reason="Spam repetido"
    )
    assert (hidden, kept) == (3, 1)
    assert Message.objects.filter(hidden_at__isnull=False).count() == 3
    assert Message.objects.count() == 4  # nothing deleted
    assert Message.objects.get(pk=message.pk).hidden_at is None
    actions = ModerationAction.objects.all()
    assert actions.count() == 3
    assert all(a.actor == communicator and a.reason == "Spam repetido" for a in actions)
    assert set(Conversation.objects.filter(hidden=True).values_list("pk", flat=True)) == {
        c.pk for c in convs[:3]
    }
    assert AuditEvent.objects.filter(verb="conversacion.ocultada").count() == 3


@pytest.mark.parametrize(
    "call",
    [
        lambda actor, ids: bulk.conversations_bulk_assign(actor=actor, ids=ids, assignee=actor),
        lambda actor, ids: bulk.conversations_bulk_close(actor=actor, ids=ids),
        lambda actor, ids: bulk.conversations_bulk_tag(actor=actor, ids=ids, name="x"),
        lambda actor, ids: bulk.conversations_bulk_hide(actor=actor, ids=ids),
    ],
    ids=["asignar", "cerrar", "etiquetar", "ocultar"],
)
def test_every_bulk_action_refuses_another_entitys_ids_as_a_whole(
    call: Callable[[User, list[str]], object],
    convs: list[Conversation],
    sunat_account: SocialAccount,
    communicator: User,
) -> None:
    other = ingest(sunat_account)
    before = _snapshot()
    audits = AuditEvent.objects.count()
    with pytest.raises(PermissionDeniedError, match="no es de su entidad"):
        call(communicator, [*_ids(convs), str(other.pk)])
    assert _snapshot() == before
    assert AuditEvent.objects.count() == audits
    assert not Label.objects.filter(name="x").exists()
    assert not ModerationAction.objects.exists()


def test_per_role_scope(
    convs: list[Conversation],
    sunat_account: SocialAccount,
    manager: User,
    rector: User,
    sunat_communicator: User,
    make_user: Callable[..., User],
) -> None:
    """A manager and rector staff act on MINSA's conversations; SUNAT's communicator and a
    citizen (no membership) may not."""
    bulk.conversations_bulk_close(actor=manager, ids=_ids(convs[:1]))
    bulk.conversations_bulk_close(actor=rector, ids=_ids(convs[1:2]))
    citizen = make_user("ciudadana")
    for outsider in (sunat_communicator, citizen):
        with pytest.raises(PermissionDeniedError):
            bulk.conversations_bulk_close(actor=outsider, ids=_ids(convs[2:]))
    assert Conversation.objects.filter(status=Status.CERRADO).count() == 2


def test_assignee_must_work_for_every_entity_involved(
    convs: list[Conversation], rector: User, sunat_communicator: User
) -> None:
    with pytest.raises(DomainError, match="no trabaja para la entidad"):
        bulk.conversations_bulk_assign(actor=rector, ids=_ids(convs), assignee=sunat_communicator)
    assert not Conversation.objects.filter(assignee__isnull=False).exists()


def test_cap_and_bad_ids_are_refused_in_spanish(
    convs: list[Conversation], communicator: User
) -> None:
    with pytest.raises(DomainError, match="hasta 200 conversaciones"):
        bulk.conversations_bulk_close(actor=communicator, ids=[str(i) for i in range(1, 202)])
    with pytest.raises(DomainError, match="no es una conversación"):
        bulk.conversations_bulk_close(actor=communicator, ids=["12", "abc"])
    with pytest.raises(DomainError, match="Elija al menos una conversación"):
        bulk.conversations_bulk_close(actor=communicator, ids=[])
    with pytest.raises(DomainError, match="Escriba la etiqueta"):
        bulk.conversations_bulk_tag(actor=communicator, ids=_ids(convs), name="   ")
    assert not Conversation.objects.filter(status=Status.CERRADO).exists()


# --- the view ---------------------------------------------------------------------------------


def test_bulk_close_from_the_list_returns_to_the_same_filters_with_a_message(
    client: Client, convs: list[Conversation], communicator: User
) -> None:
    login(client, communicator)
    response = client.post(
        BULK,
        {
            "accion": "cerrar",
            "conversaciones": _ids(convs[:3]),
            "volver": "estado=nuevo&plataforma=facebook",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == LIST + "?estado=nuevo&plataforma=facebook"
    page = client.get(response["Location"])
    assert "Se cerraron 3 conversaciones." in html(page)
    assert Conversation.objects.filter(status=Status.CERRADO).count() == 3


def test_list_has_labelled_row_checkboxes_and_the_bulk_bar(
    client: Client, convs: list[Conversation], communicator: User
) -> None:
    page = html(login(client, communicator).get(LIST))
    assert 'id="acciones-en-bloque"' in page
    assert "Seleccionar todas las visibles" in page
    for conv in convs:
        assert f'id="elegir-{conv.pk}" form="acciones-en-bloque"' in page
        assert f'name="visibles" value="{conv.pk}"' in page
    assert page.count('<label class="visually-hidden" for="elegir-') == len(convs)


def test_all_visible_applies_to_the_rows_of_the_page(
    client: Client, convs: list[Conversation], communicator: User, colleague: User
) -> None:
    login(client, communicator)
    response = client.post(
        BULK,
        {
            "accion": "asignar",
            "asignar_a": str(colleague.pk),
            "todas": "1",
            "visibles": _ids(convs),
        },
    )
    assert response.status_code == 302
    assert set(Conversation.objects.values_list("assignee_id", flat=True)) == {colleague.pk}
    response = client.post(
        BULK, {"accion": "asignar", "asignar_a": "yo", "conversaciones": _ids(convs[:1])}
    )
    assert Conversation.objects.get(pk=convs[0].pk).assignee == communicator


def test_view_tag_and_hide_say_what_changed(
    client: Client, convs: list[Conversation], communicator: User
) -> None:
    login(client, communicator)
    response = client.post(
        BULK,
        {"accion": "etiquetar", "etiqueta": "dengue", "conversaciones": _ids(convs)},
        follow=True,
    )
    assert "Se agregó la etiqueta «dengue» a 4 conversaciones." in html(response)
    response = client.post(
        BULK, {"accion": "ocultar", "conversaciones": _ids(convs[:2])}, follow=True
    )
    assert "Se ocultaron 2 mensajes de la ciudadanía (no se borra nada)." in html(response)
    assert (
        ModerationAction.objects.filter(reason="Ocultado en bloque desde la bandeja.").count() == 2
    )


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"accion": "cerrar", "conversaciones": ["abc"]}, 400, "no es una conversación"),
        ({"accion": "cerrar"}, 400, "Elija al menos una conversación"),
        ({"accion": "borrar", "conversaciones": ["1"]}, 400, "Elija una acción"),
        ({"accion": "asignar", "asignar_a": "x", "conversaciones": ["1"]}, 400, "a quién asignar"),
        (
            {"accion": "asignar", "asignar_a": "999999", "conversaciones": ["1"]},
            400,
            "no existe",
        ),
        ({"accion": "cerrar", "conversaciones": ["999999"]}, 403, "no es de su entidad"),
    ],
)
def test_view_refuses_bad_input_with_a_spanish_4xx_and_changes_nothing(
    client: Client,
    convs: list[Conversation],
    communicator: User,
    data: dict[str, Any],
    status: int,
    text: str,
) -> None:
    login(client, communicator)
    before = _snapshot()
    response = client.post(BULK, {**data, "volver": "estado=nuevo"})
    assert response.status_code == status
    page = html(response)
    assert text in page
    assert "No se cambió ninguna conversación." in page
    assert 'href="/bandeja/?estado=nuevo"' in page
    assert _snapshot() == before


def test_view_return_address_never_leaves_the_inbox(
    client: Client, convs: list[Conversation], communicator: User
) -> None:
    login(client, communicator)
    response = client.post(
        BULK,
        {"accion": "cerrar", "conversaciones": _ids(convs[:1]), "volver": "//evil.example/x"},
    )
    assert response["Location"].startswith(LIST + "?")
    assert "evil.example" not in response["Location"].split("?")[0]


def test_view_citizen_is_refused_and_anonymous_sent_to_sign_in(
    client: Client, convs: list[Conversation], make_user: Callable[..., User]
) -> None:
    response = client.post(BULK, {"accion": "cerrar", "conversaciones": _ids(convs)})
    assert response.status_code == 302 and "/cuenta/ingresar/" in response["Location"]
    login(client, make_user("ciudadano"))
    response = client.post(BULK, {"accion": "cerrar", "conversaciones": _ids(convs)})
    assert response.status_code == 403
    assert not Conversation.objects.filter(status=Status.CERRADO).exists()
