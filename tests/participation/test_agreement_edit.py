"""The forum's secretariat corrects an agreement after it was recorded (text, responsible
entity or person, due date, session, government decision and its direction and link):
only through ``services.agreement_edit``, refused to everyone else, nothing written on bad
input or when nothing changed, audited with the changed fields before and after, and the
public pages show the new values at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity
from agora.participation import services
from agora.participation.models import Agreement, Forum, ForumSession
from agora.participation.services import AgreementDraft
from tests.helpers import login

pytestmark = pytest.mark.django_db

ROLES = ["anonimo", "ciudadano", "miembro", "rector_ajeno", "secretaria"]
EDIT_VERB = "acuerdo.editado"


def _due(days: int = 30) -> Any:
    return timezone.localdate() + timedelta(days=days)


def _session(forum: Forum, title: str, days_ago: int) -> ForumSession:
    return services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title=title,
        starts_at=timezone.now() - timedelta(days=days_ago),
        agenda="1. Apertura",
    )


@pytest.fixture
def first(forum: Forum) -> ForumSession:
    return _session(forum, "Primera sesión", 10)


@pytest.fixture
def second(forum: Forum) -> ForumSession:
    return _session(forum, "Segunda sesión", 3)


@pytest.fixture
def agreement(forum: Forum, first: ForumSession, entities: dict[str, Entity]) -> Agreement:
    return services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        draft=AgreementDraft(
            text="Publicar el inventario de datos abiertos del sector.",
            responsible="Oficina de Estadística",
            responsible_entity=entities["minsa"],
            due_date=_due(),
            session=first,
            decision_kind="resolucion",
            decision_direction="deriva_de",
            decision_reference="R.M. N.° 100-2026-MINSA",
            decision_url="https://www.gob.pe/rm-100",
        ),
    )


@pytest.fixture
def users(
    rector: User, citizen: User, member_user: User, make_user: Callable[..., User]
) -> dict[str, Any]:
    return {
        "anonimo": None,
        "ciudadano": citizen,
        "miembro": member_user,
        "rector_ajeno": make_user("rector-ajeno", is_rector=True, totp=True),
        "secretaria": rector,
    }


def _changes(
    agreement: Agreement, second: ForumSession, entities: dict[str, Entity]
) -> dict[str, Any]:
    """What a draft says when it changes every editable field of ``agreement``."""
    return {
        "text": "Publicar el inventario y su calendario de actualización.",
        "responsible": "Dirección de Datos",
        "responsible_entity": entities["minedu"],
        "due_date": _due(60),
        "session": second,
        "decision_kind": "norma",
        "decision_direction": "conduce_a",
        "decision_reference": "D.S. N.° 7-2026-PCM",
        "decision_url": "https://www.gob.pe/ds-7",
    }


def _form(agreement: Agreement, session: ForumSession | None, **overrides: str) -> dict[str, Any]:
    """The edit page's POST data for the agreement as stored, with ``overrides``."""
    data: dict[str, Any] = {
        "text": agreement.text,
        "responsible_entity": (
            agreement.responsible_entity.code if agreement.responsible_entity else ""
        ),
        "responsible": agreement.responsible,
        "due_date": agreement.due_date.isoformat(),
        "session": session.pk if session else "",
        "decision_kind": agreement.decision_kind,
        "decision_direction": agreement.decision_direction,
        "decision_reference": agreement.decision_reference,
        "decision_url": agreement.decision_url,
    }
    data.update(overrides)
    return data


def _row(agreement: Agreement) -> dict[str, Any]:
    return dict(Agreement.objects.filter(pk=agreement.pk).values().get())


def _edit_url(agreement: Agreement) -> str:
    return reverse("participation:agreement_edit", args=[agreement.forum.slug, agreement.number])


# --- Service ------------------------------------------------------------------------------


def test_edit_changes_every_field_and_audits_before_after(
    rector: User,
    agreement: Agreement,
    first: ForumSession,
    second: ForumSession,
    entities: dict[str, Entity],
) -> None:
    services.agreement_edit(
        actor=rector,
        agreement=agreement,
        draft=AgreementDraft(**_changes(agreement, second, entities)),
    )
    agreement.refresh_from_db()
    assert agreement.text == "Publicar el inventario y su calendario de actualización."
    assert agreement.responsible == "Dirección de Datos"
    assert agreement.responsible_entity == entities["minedu"]
    assert agreement.due_date == _due(60)
    assert agreement.session == second
    assert (agreement.decision_kind, agreement.decision_direction) == ("norma", "conduce_a")
    assert agreement.decision_reference == "D.S. N.° 7-2026-PCM"
    assert agreement.decision_url == "https://www.gob.pe/ds-7"
    assert agreement.status == "pendiente" and agreement.number == 1

    event = AuditEvent.objects.get(verb=EDIT_VERB)
    assert event.actor == rector and event.object_id == str(agreement.pk)
    assert event.before is not None and event.after is not None
    assert event.before["responsible_entity"] == entities["minsa"].pk
    assert event.after["responsible_entity"] == entities["minedu"].pk
    assert (event.before["session"], event.after["session"]) == (first.pk, second.pk)
    assert (event.before["decision_direction"], event.after["decision_direction"]) == (
        "deriva_de",
        "conduce_a",
    )
    assert event.before["text"].startswith("Publicar el inventario de datos")
    assert event.after["decision_url"] == "https://www.gob.pe/ds-7"
    assert event.before["due_date"] == _due().isoformat()


def test_audit_keeps_only_the_changed_fields(rector: User, agreement: Agreement) -> None:
    services.agreement_edit(
        actor=rector,
        agreement=agreement,
        draft=replace(AgreementDraft.of(agreement), decision_direction="conduce_a"),
    )
    event = AuditEvent.objects.get(verb=EDIT_VERB)
    assert event.before == {"decision_direction": "deriva_de"}
    assert event.after == {"decision_direction": "conduce_a"}


def test_nothing_changed_writes_nothing(rector: User, agreement: Agreement) -> None:
    row = _row(agreement)
    audits = AuditEvent.objects.count()
    # Surrounding spaces are not a change.
    draft = replace(AgreementDraft.of(agreement), text="  " + agreement.text + "  ")
    services.agreement_edit(actor=rector, agreement=agreement, draft=draft)
    assert _row(agreement) == row  # updated_at included: no save
    assert AuditEvent.objects.count() == audits


def test_entity_can_be_removed_when_a_person_remains(
    rector: User, agreement: Agreement, second: ForumSession, entities: dict[str, Entity]
) -> None:
    changes = _changes(agreement, second, entities) | {"responsible_entity": None}
    services.agreement_edit(actor=rector, agreement=agreement, draft=AgreementDraft(**changes))
    agreement.refresh_from_db()
    assert agreement.responsible_entity is None
    assert agreement.responsible == "Dirección de Datos"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"text": "   "}, "Falta el texto del acuerdo"),
        ({"responsible": "", "responsible_entity": None}, "entidad responsable o la persona"),
        ({"responsible_entity": "unsaved"}, "no existe en el directorio"),
        ({"session": "other_forum"}, "no pertenece a este foro"),
        ({"decision_direction": "de_lado"}, "proviene de la decisión"),
        ({"decision_kind": "ley"}, "Tipo de decisión desconocido"),
        ({"decision_kind": "", "decision_reference": ""}, "tipo de decisión"),
        ({"decision_reference": "  "}, "norma, resolución o documento vinculado"),
        ({"decision_url": "javascript:alert(1)"}, "no es una dirección válida"),
        ({"decision_url": "gob.pe sin esquema"}, "no es una dirección válida"),
        ({"due_date": None}, "fecha límite"),
    ],
)
def test_bad_input_changes_nothing(
    rector: User,
    agreement: Agreement,
    second: ForumSession,
    entities: dict[str, Entity],
    override: dict[str, Any],
    message: str,
) -> None:
    changes = _changes(agreement, second, entities) | override
    if changes["responsible_entity"] == "unsaved":
        changes["responsible_entity"] = Entity(code="fantasma", name="Entidad fantasma")
    if changes["session"] == "other_forum":
        other = services.forum_save(
            actor=rector, name="Otro foro", sector="Salud", scope="nacional", purpose="Otro."
        )
        changes["session"] = _session(other, "Sesión ajena", 2)
    row = _row(agreement)
    audits = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=message):
        services.agreement_edit(actor=rector, agreement=agreement, draft=AgreementDraft(**changes))
    assert _row(agreement) == row
    assert AuditEvent.objects.count() == audits


@pytest.mark.parametrize("role", ROLES)
def test_service_authorisation_per_role(
    role: str,
    users: dict[str, Any],
    agreement: Agreement,
    second: ForumSession,
    entities: dict[str, Entity],
) -> None:
    # Anonymous visitors reach services as AnonymousUser (the views pass request.user).
    actor: Any = users[role] or AnonymousUser()
    row = _row(agreement)
    changes = _changes(agreement, second, entities)
    if role == "secretaria":
        services.agreement_edit(actor=actor, agreement=agreement, draft=AgreementDraft(**changes))
        assert _row(agreement) != row
        return
    with pytest.raises(PermissionDeniedError, match="secretaría técnica"):
        services.agreement_edit(actor=actor, agreement=agreement, draft=AgreementDraft(**changes))
    assert _row(agreement) == row
    assert not AuditEvent.objects.filter(verb=EDIT_VERB).exists()


def test_rector_office_superuser_may_edit(
    make_user: Callable[..., User],
    agreement: Agreement,
    second: ForumSession,
    entities: dict[str, Entity],
) -> None:
    office = make_user("jefatura", is_superuser=True, is_staff=True, totp=True)
    services.agreement_edit(
        actor=office,
        agreement=agreement,
        draft=AgreementDraft(**_changes(agreement, second, entities)),
    )
    assert AuditEvent.objects.get(verb=EDIT_VERB).actor == office


# --- Pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_per_role(
    role: str,
    users: dict[str, Any],
    agreement: Agreement,
    second: ForumSession,
) -> None:
    client = login(Client(), users[role])
    url = _edit_url(agreement)
    row = _row(agreement)
    page = client.get(url)
    response = client.post(url, _form(agreement, second, text="Texto corregido"))
    if role == "secretaria":
        assert page.status_code == 200
        assert "Editar el acuerdo 1" in page.content.decode()
        assert response.status_code == 302
        assert response["Location"].endswith(
            reverse("participation:forum_manage", args=[agreement.forum.slug]) + "#acuerdos"
        )
        agreement.refresh_from_db()
        assert agreement.text == "Texto corregido" and agreement.session == second
        assert AuditEvent.objects.filter(verb=EDIT_VERB, actor=users[role]).count() == 1
        return
    for answer in (page, response):
        if role == "anonimo":
            assert answer.status_code == 302 and "/cuenta/" in answer["Location"]
        else:
            assert answer.status_code in (403, 404)
    assert _row(agreement) == row
    assert not AuditEvent.objects.filter(verb=EDIT_VERB).exists()


def test_edit_page_is_filled_with_the_stored_values(
    rector: User, agreement: Agreement, first: ForumSession
) -> None:
    html = login(Client(), rector).get(_edit_url(agreement)).content.decode()
    assert 'value="minsa"' in html
    assert 'value="Oficina de Estadística"' in html
    assert f'<option value="{first.pk}" selected>' in html
    assert '<option value="deriva_de" selected>' in html
    assert 'value="https://www.gob.pe/rm-100"' in html
    assert f'type="date" name="due_date" value="{agreement.due_date.isoformat()}"' in html
    assert "csrfmiddlewaretoken" in html


def test_unknown_agreement_number_is_404(rector: User, agreement: Agreement) -> None:
    url = reverse("participation:agreement_edit", args=[agreement.forum.slug, 99])
    assert login(Client(), rector).get(url).status_code == 404


def test_agreement_of_another_forum_is_not_reachable(rector: User, agreement: Agreement) -> None:
    other = services.forum_save(
        actor=rector, name="Otro foro", sector="Salud", scope="nacional", purpose="Otro."
    )
    url = reverse("participation:agreement_edit", args=[other.slug, agreement.number])
    assert login(Client(), rector).get(url).status_code == 404


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"responsible_entity": "noexiste"}, "No existe en el directorio una entidad"),
        ({"decision_url": "notaurl"}, "Enlace"),
        ({"decision_direction": ""}, "proviene de la decisión de gobierno"),
        ({"text": ""}, "Acuerdo"),
        ({"due_date": "31/02/2026"}, "Fecha límite"),
        ({"responsible": "", "responsible_entity": ""}, "entidad responsable o la persona"),
    ],
)
def test_edit_page_bad_input_shows_spanish_error_and_writes_nothing(
    rector: User,
    agreement: Agreement,
    first: ForumSession,
    override: dict[str, str],
    message: str,
) -> None:
    row = _row(agreement)
    audits = AuditEvent.objects.count()
    response = login(Client(), rector).post(
        _edit_url(agreement), _form(agreement, first, **override)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "No se guardó ningún cambio" in html and message in html
    assert _row(agreement) == row
    assert AuditEvent.objects.count() == audits


def test_edit_page_refuses_a_session_of_another_forum(
    rector: User, agreement: Agreement, first: ForumSession
) -> None:
    other = services.forum_save(
        actor=rector, name="Otro foro", sector="Salud", scope="nacional", purpose="Otro."
    )
    foreign = _session(other, "Sesión ajena", 2)
    row = _row(agreement)
    response = login(Client(), rector).post(
        _edit_url(agreement), {**_form(agreement, first), "session": foreign.pk}
    )
    assert response.status_code == 400
    assert "Sesión en que se adoptó" in response.content.decode()
    assert _row(agreement) == row


def test_unchanged_post_says_so_and_writes_nothing(
    rector: User, agreement: Agreement, first: ForumSession
) -> None:
    row = _row(agreement)
    client = login(Client(), rector)
    response = client.post(_edit_url(agreement), _form(agreement, first), follow=True)
    assert "No había cambios que guardar en el acuerdo." in response.content.decode()
    assert _row(agreement) == row
    assert not AuditEvent.objects.filter(verb=EDIT_VERB).exists()


def test_management_page_links_each_agreement_to_its_edit_page(
    rector: User, agreement: Agreement
) -> None:
    html = (
        login(Client(), rector)
        .get(reverse("participation:forum_manage", args=[agreement.forum.slug]))
        .content.decode()
    )
    assert f'href="{_edit_url(agreement)}"' in html
    assert "Editar" in html


def test_edit_requires_csrf(rector: User, agreement: Agreement, first: ForumSession) -> None:
    client = Client(enforce_csrf_checks=True)
    login(client, rector)
    row = _row(agreement)
    response = client.post(_edit_url(agreement), _form(agreement, first, text="Sin token"))
    assert response.status_code == 403
    assert _row(agreement) == row


def test_public_pages_show_the_edit_at_once(
    rector: User,
    agreement: Agreement,
    first: ForumSession,
    second: ForumSession,
    entities: dict[str, Entity],
) -> None:
    """Anonymous visitors (the ones served kept pages) see the new values right after the
    edit, on the follow-up page and on both sessions' pages."""
    public = Client()
    follow_up = reverse("participation:agreements", args=[agreement.forum.slug])
    first_url = first.get_absolute_url()
    second_url = second.get_absolute_url()
    html = public.get(follow_up).content.decode()
    assert "Publicar el inventario de datos abiertos" in html
    assert "R.M. N.° 100-2026-MINSA" in html and "El acuerdo proviene de la decisión" in html
    assert "Publicar el inventario de datos abiertos" in public.get(first_url).content.decode()
    assert "Publicar el inventario" not in public.get(second_url).content.decode()

    response = login(Client(), rector).post(
        _edit_url(agreement),
        _form(
            agreement,
            second,
            text="Publicar el catálogo corregido.",
            responsible_entity="minedu",
            responsible="",
            decision_kind="norma",
            decision_direction="conduce_a",
            decision_reference="D.S. N.° 7-2026-PCM",
            decision_url="https://www.gob.pe/ds-7",
        ),
    )
    assert response.status_code == 302

    html = public.get(follow_up).content.decode()
    assert "Publicar el catálogo corregido." in html
    assert "Publicar el inventario de datos abiertos" not in html
    assert entities["minedu"].name in html and "Oficina de Estadística" not in html
    assert "El acuerdo conduce a la decisión" in html
    assert "El acuerdo proviene de la decisión" not in html
    assert 'href="https://www.gob.pe/ds-7"' in html and "R.M. N.° 100-2026-MINSA" not in html
    assert "Publicar el catálogo corregido." in public.get(second_url).content.decode()
    assert "Publicar el catálogo corregido." not in public.get(first_url).content.decode()
