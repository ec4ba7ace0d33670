"""Approved answers managed in the inbox (agora/inbox/canned.py, views_canned.py): who may
create, edit, archive and restore them (per role), the placeholders and their refusal, the
use recorded only with a saved answer, archived ones no longer offered, the pages, and the
first-person-plural check."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import canned, selectors, services
from agora.inbox.models import CannedAnswer, CannedAnswerUse, Conversation, Message, ResponsePolicy
from tests.helpers import html, login
from tests.inbox.test_views import (
    HTMX,
    XSS,
    XSS_ESCAPED,
    assert_no_inline_code,
    ingest,
    minsa_account,
)

__all__ = ["minsa_account"]

LIST = "/bandeja/respuestas/"
NEW = "/bandeja/respuestas/nueva/"
BODY = "Hola, {nombre}. En {entidad} le informamos que puede vacunarse en cualquier posta."


@pytest.fixture
def citizen(make_user: Callable[..., User]) -> User:
    """Signed in, works for no entity."""
    return make_user("ciudadana")


@pytest.fixture
def minsa_answer(manager: User, entities: dict[str, Entity]) -> CannedAnswer:
    return canned.canned_answer_create(
        actor=manager,
        entity=entities["minsa"],
        title="Dónde vacunarse",
        body=BODY,
        category="Vacunación",
        shortcut="vacunas",
    )


@pytest.fixture
def general_answer(rector: User) -> CannedAnswer:
    return canned.canned_answer_create(
        actor=rector, entity=None, title="Gracias", body="Gracias por escribirnos, {nombre}."
    )


@pytest.fixture
def sunat_answer(other_manager: User, entities: dict[str, Entity]) -> CannedAnswer:
    return canned.canned_answer_create(
        actor=other_manager, entity=entities["sunat"], title="RUC", body="Su RUC se tramita."
    )


# --- services: who may write -----------------------------------------------------------------


def test_manager_creates_an_answer_approved_in_their_name_and_audited(
    manager: User, entities: dict[str, Entity]
) -> None:
    answer = canned.canned_answer_create(
        actor=manager,
        entity=entities["minsa"],
        title="  Citas  ",
        body="Podemos ayudarle, {nombre}.",
        category="Citas",
        shortcut="/Citas",
    )
    assert (answer.title, answer.shortcut, answer.approved_by) == ("Citas", "citas", manager)
    assert answer.approved_at is not None and answer.archived_at is None
    event = AuditEvent.objects.get(verb="respuesta_aprobada.creada")
    assert event.actor == manager and event.scope == "minsa"
    assert (event.after or {})["body"] == "Podemos ayudarle, {nombre}."


@pytest.mark.parametrize(
    ("who", "library", "allowed"),
    [
        ("communicator", "minsa", False),
        ("manager", "minsa", True),
        ("manager", "general", False),
        ("other_manager", "minsa", False),
        ("rector", "minsa", True),
        ("rector", "general", True),
        ("citizen", "minsa", False),
    ],
)
def test_who_may_create_an_approved_answer(
    request: pytest.FixtureRequest,
    entities: dict[str, Entity],
    who: str,
    library: str,
    allowed: bool,
) -> None:
    """Communicators use approved answers but never write them; an entity's manager writes
    its own; only the rector office writes the general ones (for every entity)."""
    actor: User = request.getfixturevalue(who)
    entity = None if library == "general" else entities[library]

    def create() -> CannedAnswer:
        return canned.canned_answer_create(actor=actor, entity=entity, title="T", body="Texto")

    if allowed:
        assert create().approved_by == actor
    else:
        with pytest.raises(PermissionDeniedError):
            create()
        assert not CannedAnswer.objects.exists()


@pytest.mark.parametrize("who", ["communicator", "other_manager", "citizen"])
def test_only_managers_edit_archive_and_restore(
    request: pytest.FixtureRequest, minsa_answer: CannedAnswer, who: str
) -> None:
    actor: User = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        canned.canned_answer_update(actor=actor, canned=minsa_answer, title="X", body="Y")
    with pytest.raises(PermissionDeniedError):
        canned.canned_answer_archive(actor=actor, canned=minsa_answer)
    minsa_answer.refresh_from_db()
    assert (minsa_answer.title, minsa_answer.archived_at) == ("Dónde vacunarse", None)


def test_a_manager_cannot_change_the_general_answers(
    manager: User, general_answer: CannedAnswer
) -> None:
    with pytest.raises(PermissionDeniedError, match="ente rector"):
        canned.canned_answer_archive(actor=manager, canned=general_answer)


def test_editing_approves_again_and_keeps_the_old_text_in_the_audit_log(
    minsa_answer: CannedAnswer, rector: User
) -> None:
    edited = canned.canned_answer_update(
        actor=rector, canned=minsa_answer, title="Vacunas", body="Le informamos: {plazo}."
    )
    assert (edited.title, edited.approved_by, edited.category, edited.shortcut) == (
        "Vacunas",
        rector,
        "",
        "",
    )
    event = AuditEvent.objects.get(verb="respuesta_aprobada.cambiada")
    assert (event.before or {})["body"] == BODY
    assert (event.after or {})["body"] == "Le informamos: {plazo}."


# --- services: placeholders and checks -------------------------------------------------------


def test_unknown_placeholders_are_refused_naming_them(
    manager: User, entities: dict[str, Entity], minsa_answer: CannedAnswer
) -> None:
    with pytest.raises(canned.PlaceholderError) as refused:
        canned.canned_answer_create(
            actor=manager,
            entity=entities["minsa"],
            title="Mal",
            body="Hola {nombre}, {Nombre} y {fecha}; otra vez {fecha}.",
        )
    message = refused.value.message
    assert "Los marcadores {Nombre}, {fecha} no existen" in str(message)
    assert "{nombre}, {entidad}, {plazo}" in str(message)
    assert CannedAnswer.objects.count() == 1
    with pytest.raises(canned.PlaceholderError, match=r"El marcador \{dni\} no existe"):
        canned.canned_answer_update(actor=manager, canned=minsa_answer, title="T", body="{dni}")
    minsa_answer.refresh_from_db()
    assert minsa_answer.body == BODY


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"title": " "}, "Escriba un título."),
        ({"body": "  "}, "Escriba el texto de la respuesta."),
        ({"title": "t" * 121}, "El título admite hasta 120 caracteres."),
        ({"shortcut": "dos palabras"}, "El atajo admite"),
        ({"shortcut": "vacunas"}, "Ya hay una respuesta aprobada activa con el atajo «vacunas»."),
    ],
)
def test_bad_fields_are_refused_in_spanish(
    manager: User,
    entities: dict[str, Entity],
    minsa_answer: CannedAnswer,
    fields: dict[str, str],
    error: str,
) -> None:
    values = {"title": "Otra", "body": "Texto", "category": "", "shortcut": "", **fields}
    with pytest.raises(DomainError, match=error):
        canned.canned_answer_create(actor=manager, entity=entities["minsa"], **values)
    assert CannedAnswer.objects.count() == 1


def test_the_same_shortcut_is_fine_in_another_library(
    other_manager: User, entities: dict[str, Entity], minsa_answer: CannedAnswer
) -> None:
    other = canned.canned_answer_create(
        actor=other_manager, entity=entities["sunat"], title="V", body="V", shortcut="vacunas"
    )
    assert other.shortcut == "vacunas"


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Ana Pérez", "Ana"),
        ("MARÍA JOSÉ QUISPE", "María"),
        ("Ana", "Ana"),
        ("José-Luis Huamán", "José-luis"),
        ("@juanito", ""),
        ("juanito", ""),
        ("juan_perez", ""),
        ("Rosa88", ""),
        ("Dr. Pérez", ""),
        ("🌻 Flor", ""),
        ("", ""),
        ("   ", ""),
    ],
)
def test_the_first_name_is_used_only_when_it_clearly_is_one(name: str, first: str) -> None:
    assert canned.citizen_first_name(name) == first


def test_render_fills_name_entity_and_deadline_for_the_conversation(
    minsa_account: SocialAccount, minsa_answer: CannedAnswer, rector: User
) -> None:
    conv = ingest(minsa_account, author_name="Ana Pérez")
    text = canned.canned_answer_render(canned=minsa_answer, conversation=conv)
    assert text == (
        "Hola, Ana. En Ministerio de Salud le informamos que puede vacunarse en cualquier posta."
    )
    handle = ingest(minsa_account, author_name="@anita_2024", author_id="otra")
    assert canned.canned_answer_render(canned=minsa_answer, conversation=handle).startswith(
        "Hola, vecino/vecina. "
    )
    deadline = canned.canned_answer_create(
        actor=rector, entity=None, title="Plazo", body="En un plazo de {plazo}."
    )
    # The default policy: 45 working hours of 9-hour days.
    assert canned.canned_answer_render(canned=deadline, conversation=conv) == (
        "En un plazo de 5 días hábiles."
    )
    ResponsePolicy.objects.create(entity=conv.entity, resolution_hours=Decimal("20"))
    assert canned.canned_answer_render(canned=deadline, conversation=conv) == (
        "En un plazo de 20 horas hábiles."
    )


# --- use: counted only with a saved answer ---------------------------------------------------


def _uses(answer: CannedAnswer) -> tuple[int, object]:
    row = canned.canned_answers_for_staff(user=answer.approved_by, archived=None).get(  # type: ignore[arg-type]
        pk=answer.pk
    )
    return row.use_count, row.last_used_at  # type: ignore[attr-defined]


def test_use_is_recorded_with_the_saved_answer_only(
    minsa_account: SocialAccount, minsa_answer: CannedAnswer, communicator: User
) -> None:
    conv = ingest(minsa_account)
    assert _uses(minsa_answer) == (0, None)
    # A refused answer (empty) records nothing.
    with pytest.raises(DomainError):
        services.message_answer(
            conversation=conv, author=communicator, body="  ", canned=minsa_answer
        )
    assert not CannedAnswerUse.objects.exists()
    message = services.message_answer(
        conversation=conv, author=communicator, body="Hola, Ana.", canned=minsa_answer
    )
    use = CannedAnswerUse.objects.get()
    assert (use.message, use.used_by, use.entity_id) == (message, communicator, conv.entity_id)
    assert _uses(minsa_answer) == (1, message.sent_at)
    # Without an approved answer, nothing is recorded.
    services.message_answer(conversation=conv, author=communicator, body="Otra respuesta.")
    assert CannedAnswerUse.objects.count() == 1


def test_another_entitys_answer_cannot_be_recorded_and_the_answer_is_not_saved(
    minsa_account: SocialAccount, sunat_answer: CannedAnswer, communicator: User
) -> None:
    conv = ingest(minsa_account)
    with pytest.raises(DomainError, match="no está disponible"):
        services.message_answer(
            conversation=conv, author=communicator, body="Hola", canned=sunat_answer
        )
    assert not conv.messages.filter(direction="saliente").exists()
    assert not CannedAnswerUse.objects.exists()


# --- archive ---------------------------------------------------------------------------------


def test_archived_answers_are_not_offered_but_keep_their_history(
    minsa_account: SocialAccount,
    minsa_answer: CannedAnswer,
    general_answer: CannedAnswer,
    communicator: User,
    manager: User,
) -> None:
    conv = ingest(minsa_account)
    services.message_answer(
        conversation=conv, author=communicator, body="Hola", canned=minsa_answer
    )
    canned.canned_answer_archive(actor=manager, canned=minsa_answer)
    with pytest.raises(DomainError, match="ya está archivada"):
        canned.canned_answer_archive(actor=manager, canned=minsa_answer)
    assert list(selectors.canned_answers_for(conv.entity)) == [general_answer]
    assert [item.pk for item in canned.canned_items_for(conversation=conv)] == [general_answer.pk]
    assert _uses(minsa_answer)[0] == 1
    archived = list(canned.canned_answers_for_staff(user=communicator, archived=True))
    assert archived == [minsa_answer]
    with pytest.raises(DomainError, match="Restaure"):
        canned.canned_answer_update(actor=manager, canned=minsa_answer, title="T", body="B")
    canned.canned_answer_restore(actor=manager, canned=minsa_answer)
    assert minsa_answer in list(selectors.canned_answers_for(conv.entity))
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"respuesta_aprobada.archivada", "respuesta_aprobada.restaurada"} <= verbs


# --- the guideline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le informo que yo puedo ayudarle.", ["le informamos", "nosotros", "podemos"]),
        ("Escriba a mi oficina o a MI EQUIPO.", ["nuestra oficina", "nuestro equipo"]),
        ("Le informamos que podemos ayudarle en nuestra oficina.", []),
        ("Mayo, yoga y miércoles no son primera persona.", []),
        ("Yo, yo y yo.", ["nosotros"]),
        ("le   informo", ["le informamos"]),
    ],
)
def test_first_person_singular_is_flagged_with_the_plural(text: str, expected: list[str]) -> None:
    hints = canned.first_person_singular_hints(text)
    assert [hint.suggestion for hint in hints] == expected


def test_singular_phrasing_is_advice_never_a_refusal(
    minsa_account: SocialAccount, communicator: User
) -> None:
    conv = ingest(minsa_account)
    message = services.message_answer(
        conversation=conv, author=communicator, body="Le informo que yo puedo ayudarle."
    )
    assert message.pk is not None


# --- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("communicator", 200),
        ("manager", 200),
        ("rector", 200),
        ("other_manager", 200),
        ("citizen", 403),
    ],
)
def test_the_library_page_per_role(
    client: Client,
    request: pytest.FixtureRequest,
    minsa_answer: CannedAnswer,
    general_answer: CannedAnswer,
    sunat_answer: CannedAnswer,
    who: str,
    status: int,
) -> None:
    user: User = request.getfixturevalue(who)
    login(client, user)
    response = client.get(LIST)
    assert response.status_code == status
    if status != 200:
        return
    page = html(response)
    assert_no_inline_code(page)
    sees_minsa = who in ("communicator", "manager", "rector")
    assert ("Dónde vacunarse" in page) is sees_minsa
    assert "Gracias" in page  # the general library, for everyone who works an inbox
    assert ("RUC" in page) is (who in ("other_manager", "rector"))
    edit = f"/bandeja/respuestas/{minsa_answer.pk}/editar/"
    assert (edit in page) is (who in ("manager", "rector"))
    assert (f"/bandeja/respuestas/{general_answer.pk}/editar/" in page) is (who == "rector")
    assert (NEW in page) is (who != "communicator")
    if sees_minsa:
        assert "{nombre}" in page and "/vacunas" in page


def test_the_library_page_needs_a_sign_in(client: Client, db: None) -> None:
    response = client.get(LIST)
    assert response.status_code == 302 and "/cuenta/ingresar/" in response["Location"]


def test_the_library_shows_uses_and_last_use(
    client: Client,
    minsa_account: SocialAccount,
    minsa_answer: CannedAnswer,
    communicator: User,
) -> None:
    conv = ingest(minsa_account)
    for body in ("Uno", "Dos"):
        services.message_answer(
            conversation=conv, author=communicator, body=body, canned=minsa_answer
        )
    login(client, communicator)
    page = html(client.get(LIST))
    assert '<dd class="canned-uses">2</dd>' in page
    assert "nunca" not in page.split(f'id="respuesta-{minsa_answer.pk}"')[1].split("</li>")[0]


def test_the_library_searches_and_shows_archived_ones_apart(
    client: Client, minsa_answer: CannedAnswer, general_answer: CannedAnswer, manager: User
) -> None:
    login(client, manager)
    found = html(client.get(LIST, {"q": "vacunas"}))
    assert "Dónde vacunarse" in found and "Gracias por escribirnos" not in found
    canned.canned_answer_archive(actor=manager, canned=minsa_answer)
    active = html(client.get(LIST))
    assert "Dónde vacunarse" not in active
    archived = html(client.get(LIST, {"estado": "archivadas"}))
    assert "Dónde vacunarse" in archived and "Restaurar" in archived


def test_the_inbox_links_to_the_library(client: Client, communicator: User) -> None:
    login(client, communicator)
    assert f'href="{LIST}"' in html(client.get("/bandeja/"))


def test_manager_creates_one_from_the_page(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    login(client, manager)
    form = html(client.get(NEW))
    assert "{nombre}" in form and "{entidad}" in form and "{plazo}" in form
    assert 'value="minsa"' in form and 'value="sunat"' not in form
    response = client.post(
        NEW,
        {"entidad": "minsa", "titulo": "Citas", "texto": "Hola, {nombre}.", "atajo": "citas"},
    )
    assert response.status_code == 302 and response["Location"] == LIST
    answer = CannedAnswer.objects.get()
    assert (answer.entity, answer.approved_by, answer.shortcut) == (
        entities["minsa"],
        manager,
        "citas",
    )


def test_the_page_refuses_an_unknown_placeholder_and_keeps_what_was_typed(
    client: Client, manager: User
) -> None:
    login(client, manager)
    response = client.post(
        NEW, {"entidad": "minsa", "titulo": "Citas", "texto": "Hola, {apellido}."}
    )
    assert response.status_code == 400
    page = html(response)
    assert "El marcador {apellido} no existe." in page
    assert "Hola, {apellido}.</textarea>" in page
    assert not CannedAnswer.objects.exists()


def test_a_manager_cannot_create_for_another_entity_from_the_page(
    client: Client, manager: User
) -> None:
    login(client, manager)
    response = client.post(NEW, {"entidad": "sunat", "titulo": "T", "texto": "Texto"})
    assert response.status_code == 400
    assert "No gestiona las respuestas de esa entidad." in html(response)
    assert not CannedAnswer.objects.exists()


def test_rector_creates_a_general_one_or_one_for_an_entity_by_code(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    login(client, rector)
    assert client.post(NEW, {"entidad": "", "titulo": "G", "texto": "General"}).status_code == 302
    assert client.post(NEW, {"entidad": "SUNAT", "titulo": "S", "texto": "S"}).status_code == 302
    bad = client.post(NEW, {"entidad": "no-existe", "titulo": "N", "texto": "N"})
    assert bad.status_code == 400 and "No hay ninguna entidad con el código" in html(bad)
    assert dict(CannedAnswer.objects.values_list("title", "entity__code")) == {
        "G": None,
        "S": "sunat",
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("communicator", 403),
        ("manager", 200),
        ("rector", 200),
        ("other_manager", 404),
        ("citizen", 404),
    ],
)
def test_edit_archive_and_create_pages_per_role(
    client: Client,
    request: pytest.FixtureRequest,
    minsa_answer: CannedAnswer,
    who: str,
    status: int,
) -> None:
    """Communicators see but cannot change (403); an answer outside the person's entities
    does not exist for them (404); a citizen may not create either (403)."""
    user: User = request.getfixturevalue(who)
    login(client, user)
    base = f"/bandeja/respuestas/{minsa_answer.pk}"
    assert client.get(f"{base}/editar/").status_code == status
    changed = client.post(f"{base}/editar/", {"titulo": "Cambiada", "texto": "Nuevo texto"})
    archived = client.post(f"{base}/archivar/")
    minsa_answer.refresh_from_db()
    if status == 200:
        assert changed.status_code == 302 and archived.status_code == 302
        assert minsa_answer.title == "Cambiada" and minsa_answer.archived_at is not None
        assert client.post(f"{base}/restaurar/").status_code == 302
    else:
        assert changed.status_code == status and archived.status_code == status
        assert minsa_answer.title == "Dónde vacunarse" and minsa_answer.archived_at is None
    creating = client.get(NEW).status_code
    assert creating == (403 if who in ("communicator", "citizen") else 200)


def test_edit_page_refuses_bad_input_and_changes_nothing(
    client: Client, manager: User, minsa_answer: CannedAnswer
) -> None:
    login(client, manager)
    url = f"/bandeja/respuestas/{minsa_answer.pk}/editar/"
    page = html(client.get(url))
    assert "Hola, {nombre}." in page
    response = client.post(url, {"titulo": "", "texto": "Hola {x}"})
    assert response.status_code == 400
    assert "Escriba un título." in html(response)
    minsa_answer.refresh_from_db()
    assert minsa_answer.body == BODY
    assert client.get("/bandeja/respuestas/999999/editar/").status_code == 404
    assert client.get(f"/bandeja/respuestas/{minsa_answer.pk}/archivar/").status_code == 405


# --- the reply box ---------------------------------------------------------------------------


def test_the_reply_box_offers_the_answers_filled_in_with_the_guideline(
    client: Client,
    minsa_account: SocialAccount,
    minsa_answer: CannedAnswer,
    general_answer: CannedAnswer,
    sunat_answer: CannedAnswer,
    communicator: User,
    rector: User,
) -> None:
    conv = ingest(minsa_account, author_name="Ana Pérez")
    canned.canned_answer_archive(actor=rector, canned=general_answer)
    login(client, communicator)
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert_no_inline_code(page)
    assert 'id="selector-respuestas"' in page and 'role="listbox"' in page
    assert "Hola, Ana. En Ministerio de Salud le informamos" in page
    assert f'id="opcion-respuesta-{minsa_answer.pk}"' in page
    assert f'id="opcion-respuesta-{general_answer.pk}"' not in page  # archived
    assert "RUC" not in page
    assert "primera persona del plural" in page and 'data-frase="le informo"' in page
    assert "/static/agora/inbox-canned" in page
    assert 'name="respuesta_aprobada_usada"' in page


def test_without_javascript_the_select_fills_the_box_and_the_answer_counts(
    client: Client,
    minsa_account: SocialAccount,
    minsa_answer: CannedAnswer,
    communicator: User,
) -> None:
    conv = ingest(minsa_account, author_name="Ana Pérez")
    login(client, communicator)
    page = html(client.get(f"/bandeja/{conv.pk}/", {"respuesta_aprobada": minsa_answer.pk}))
    assert "Hola, Ana. En Ministerio de Salud le informamos" in page.split("</textarea>")[0]
    assert f'id="respuesta-aprobada-usada" value="{minsa_answer.pk}"' in page
    fragment = html(
        client.get(
            f"/bandeja/{conv.pk}/respuesta-aprobada/",
            {"respuesta_aprobada": minsa_answer.pk},
            headers=HTMX,
        )
    )
    assert "Hola, Ana." in fragment and f'value="{minsa_answer.pk}"' in fragment
    response = client.post(
        f"/bandeja/{conv.pk}/responder/",
        {"texto": "Hola, Ana. Le informamos.", "respuesta_aprobada_usada": minsa_answer.pk},
    )
    assert response.status_code == 302
    use = CannedAnswerUse.objects.get()
    assert use.message.text == "Hola, Ana. Le informamos."


def test_a_refused_answer_counts_no_use_and_keeps_the_choice(
    client: Client,
    minsa_account: SocialAccount,
    minsa_answer: CannedAnswer,
    sunat_answer: CannedAnswer,
    communicator: User,
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    url = f"/bandeja/{conv.pk}/responder/"
    empty = client.post(url, {"texto": "", "respuesta_aprobada_usada": minsa_answer.pk})
    assert empty.status_code == 400
    assert f'id="respuesta-aprobada-usada" value="{minsa_answer.pk}"' in html(empty)
    other = client.post(url, {"texto": "Hola", "respuesta_aprobada_usada": sunat_answer.pk})
    assert other.status_code == 400
    assert "Esa respuesta aprobada no está disponible." in html(other)
    junk = client.post(url, {"texto": "Hola", "respuesta_aprobada_usada": "1 OR 1"}, headers=HTMX)
    assert junk.status_code == 200 and "no está disponible" in html(junk)
    assert not CannedAnswerUse.objects.exists()
    assert not Message.objects.filter(conversation=conv, direction="saliente").exists()
    assert Conversation.objects.get(pk=conv.pk).status == "nuevo"


def test_the_library_page_reads_a_fixed_number_of_queries(
    client: Client,
    minsa_account: SocialAccount,
    manager: User,
    communicator: User,
    entities: dict[str, Entity],
    django_assert_max_num_queries: Any,
) -> None:
    conv = ingest(minsa_account)
    for number in range(12):
        answer = canned.canned_answer_create(
            actor=manager, entity=entities["minsa"], title=f"R{number}", body="Texto"
        )
        services.message_answer(conversation=conv, author=communicator, body="Hola", canned=answer)
    login(client, manager)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert html(response).count('class="canned-uses">1<') == 12


def test_titles_and_texts_are_escaped_everywhere(
    client: Client, minsa_account: SocialAccount, manager: User, entities: dict[str, Entity]
) -> None:
    canned.canned_answer_create(actor=manager, entity=entities["minsa"], title=XSS, body=XSS)
    conv = ingest(minsa_account, author_name="<b>Ana</b>")
    login(client, manager)
    for url in (LIST, f"/bandeja/{conv.pk}/"):
        page = html(client.get(url))
        assert XSS not in page and XSS_ESCAPED in page
        assert "<b>Ana</b>" not in page
        assert_no_inline_code(page)


def test_demo_answers_are_marked_approved_valid_and_loaded_once(
    entities: dict[str, Entity],
) -> None:
    from agora.directory import demo as directory_demo
    from agora.inbox.canned_demo import canned_answers_create_demo

    directory_demo.users_create_demo()
    assert canned_answers_create_demo() == 4
    assert canned_answers_create_demo() == 0
    answers = CannedAnswer.objects.all()
    assert all(a.is_demo and a.approved_at is not None for a in answers)
    assert {a.entity.code if a.entity else None for a in answers} == {"minsa", None}
    assert all(canned.placeholders_unknown(a.body) == [] for a in answers)
