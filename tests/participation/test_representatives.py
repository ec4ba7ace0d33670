"""Representatives (titular, alterno) managed by the secretariat from the forum management
page, and the applicant named titular on admission."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agora.core.errors import DomainError
from agora.core.models import AuditEvent, User
from agora.participation import selectors, services
from agora.participation.models import (
    AdmissionRequest,
    Forum,
    ForumMembership,
    Representative,
)
from tests.helpers import login

pytestmark = pytest.mark.django_db


def _manage(client: Client, forum: Forum, data: dict[str, Any]) -> str:
    response = client.post(
        reverse("participation:forum_manage", args=[forum.slug]), data, follow=True
    )
    assert response.status_code == 200
    return response.content.decode()


def _submit(actor: User, forum: Forum) -> AdmissionRequest:
    return services.admission_request_submit(
        actor=actor,
        forum=forum,
        organisation_name="Red Ciudadana",
        stakeholder_type="sociedad_civil",
        vote="voz_y_voto",
        checklist=dict.fromkeys(forum.requirements, True),
        documents_in=[
            ("Constancia", SimpleUploadedFile("c.pdf", b"%PDF-1.4 x", "application/pdf"))
        ],
    )


def test_user_by_login_finds_username_or_email_and_refuses_unknown(
    make_user: Callable[..., User],
) -> None:
    person = make_user("ana", email="ana@example.pe")
    assert services.user_by_login("ANA") == person
    assert services.user_by_login("Ana@Example.pe") == person
    with pytest.raises(DomainError, match="No existe una cuenta"):
        services.user_by_login("nadie@example.pe")
    with pytest.raises(DomainError, match="Falta"):
        services.user_by_login("  ")


def test_secretariat_names_titular_and_alterno_from_the_page(
    rector: User,
    forum: Forum,
    add_member: Callable[..., ForumMembership],
    make_user: Callable[..., User],
) -> None:
    membership = add_member("Colectivo Verde")
    titular = make_user("titular", email="titular@example.pe", first_name="Rosa", last_name="Q")
    alterno = make_user("alterno", email="alterno@example.pe")
    client = login(Client(), rector)
    page = _manage(
        client,
        forum,
        {
            "accion": "representante",
            "membership": membership.pk,
            "role": "titular",
            "login": "titular@example.pe",
            "full_name": "Rosa Q",
            "position": "Presidenta",
        },
    )
    assert "Representante registrado" in page
    _manage(
        client,
        forum,
        {
            "accion": "representante",
            "membership": membership.pk,
            "role": "alterno",
            "login": "alterno",
            "full_name": "alterno@example.pe",
        },
    )
    # The name is public: an e-mail address is refused, nothing written.
    assert not membership.representatives.filter(role="alterno").exists()
    _manage(
        client,
        forum,
        {
            "accion": "representante",
            "membership": membership.pk,
            "role": "alterno",
            "login": "alterno",
            "full_name": "Luis Mamani",
        },
    )
    reps = {r.role: r for r in membership.representatives.filter(is_active=True)}
    assert reps["titular"].user == titular and reps["titular"].full_name == "Rosa Q"
    assert reps["titular"].position == "Presidenta"
    assert reps["alterno"].user == alterno and reps["alterno"].full_name == "Luis Mamani"
    assert AuditEvent.objects.filter(verb="representante.designado").count() == 2
    # Both now count as members of the forum.
    assert selectors.forum_role(titular, forum) == selectors.MEMBER
    assert selectors.forum_role(alterno, forum) == selectors.MEMBER
    # The management page lists them with a button to end them.
    listing = client.get(reverse("participation:forum_manage", args=[forum.slug])).content.decode()
    assert "Rosa Q" in listing and "fin_representante" in listing


def test_unknown_user_refused_with_spanish_message_and_nothing_written(
    rector: User, forum: Forum, add_member: Callable[..., ForumMembership]
) -> None:
    membership = add_member("Colectivo Verde")
    page = _manage(
        login(Client(), rector),
        forum,
        {
            "accion": "representante",
            "membership": membership.pk,
            "role": "titular",
            "login": "fantasma@example.pe",
            "full_name": "Nadie",
        },
    )
    assert "No existe una cuenta con el usuario o correo «fantasma@example.pe»" in page
    assert not Representative.objects.exists()
    assert not AuditEvent.objects.filter(verb="representante.designado").exists()


def test_representative_of_another_forum_membership_refused(
    rector: User,
    forum: Forum,
    make_user: Callable[..., User],
    add_member: Callable[..., ForumMembership],
) -> None:
    other = services.forum_save(
        actor=rector, name="Otro foro", sector="Vivienda", scope="nacional", purpose="Otro."
    )
    membership = add_member("Colectivo Verde")
    make_user("alguien", email="alguien@example.pe")
    page = _manage(
        login(Client(), rector),
        other,
        {
            "accion": "representante",
            "membership": membership.pk,
            "role": "titular",
            "login": "alguien",
            "full_name": "Alguien Pérez",
        },
    )
    assert "La membresía no existe" in page
    assert not Representative.objects.exists()


def test_secretariat_ends_a_representative(
    rector: User,
    forum: Forum,
    add_member: Callable[..., ForumMembership],
    make_user: Callable[..., User],
) -> None:
    membership = add_member("Colectivo Verde")
    person = make_user("rep", email="rep@example.pe")
    rep = services.representative_set(
        actor=rector, membership=membership, role="alterno", full_name="Rep", user=person
    )
    client = login(Client(), rector)
    page = _manage(client, forum, {"accion": "fin_representante", "representative": rep.pk})
    assert "Representante dado de baja" in page
    rep.refresh_from_db()
    assert rep.is_active is False
    assert selectors.forum_role(person, forum) == selectors.PUBLIC
    assert AuditEvent.objects.filter(verb="representante.retirado").count() == 1
    again = _manage(client, forum, {"accion": "fin_representante", "representative": rep.pk})
    assert "ya no está vigente" in again
    assert AuditEvent.objects.filter(verb="representante.retirado").count() == 1


def test_admission_makes_the_applicant_titular_when_asked(
    rector: User, forum: Forum, citizen: User
) -> None:
    """The citizen's account is their e-mail with no name: naming them would publish the
    e-mail, so the decision is refused until the account has a name."""
    request = _submit(citizen, forum)
    decision = {
        "accion": "decidir",
        "request": request.pk,
        "admit": "1",
        "reason": "Cumple los requisitos.",
        "applicant_as_titular": "1",
    }
    client = login(Client(), rector)
    refused = _manage(client, forum, decision)
    assert "no tiene nombre registrado" in refused
    assert not Representative.objects.exists()
    assert not ForumMembership.objects.filter(admission=request).exists()
    citizen.first_name, citizen.last_name = "Ana", "Flores"
    citizen.save()
    page = _manage(client, forum, decision)
    assert "Decisión registrada" in page
    rep = Representative.objects.get()
    assert rep.role == "titular" and rep.user == citizen and rep.is_active
    assert rep.full_name == "Ana Flores"
    assert rep.membership.admission == request
    assert selectors.forum_role(citizen, forum) == selectors.MEMBER
    public = Client().get(reverse("participation:forum_detail", args=[forum.slug]))
    assert "ciudadana@example.pe" not in public.content.decode()


def test_admission_without_the_option_names_nobody(
    rector: User, forum: Forum, citizen: User
) -> None:
    request = _submit(citizen, forum)
    services.admission_decide(actor=rector, request=request, admit=True, reason="Cumple.")
    assert ForumMembership.objects.filter(admission=request).exists()
    assert not Representative.objects.exists()


def test_applicant_as_titular_refused_on_rejection_and_nothing_written(
    rector: User, forum: Forum, citizen: User
) -> None:
    request = _submit(citizen, forum)
    with pytest.raises(DomainError, match="Solo al admitir"):
        services.admission_decide(
            actor=rector,
            request=request,
            admit=False,
            reason="No cumple.",
            applicant_as_titular=True,
        )
    request.refresh_from_db()
    assert request.status == "pendiente"
    assert not Representative.objects.exists()


def test_representative_registered_in_admin() -> None:
    from agora.core.admin import AuditedAdmin

    assert isinstance(admin.site._registry[Representative], AuditedAdmin)


def test_one_person_cannot_hold_two_seats_in_a_forum(
    rector: User,
    forum: Forum,
    add_member: Callable[..., ForumMembership],
    make_user: Callable[..., User],
) -> None:
    first = add_member("Colectivo Verde")
    second = add_member("Red Azul")
    person = make_user("doble", email="doble@example.pe")
    services.representative_set(
        actor=rector, membership=first, role="titular", full_name="Doble", user=person
    )
    with pytest.raises(DomainError, match="ya es representante \\(titular\\) de Colectivo Verde"):
        services.representative_set(
            actor=rector, membership=first, role="alterno", full_name="Doble", user=person
        )
    with pytest.raises(DomainError, match="Colectivo Verde"):
        services.representative_set(
            actor=rector, membership=second, role="titular", full_name="Doble", user=person
        )
    assert Representative.objects.filter(user=person).count() == 1
    # Naming the same person again in the same role replaces the record, as for anyone.
    services.representative_set(
        actor=rector, membership=first, role="titular", full_name="Doble", user=person
    )
    assert Representative.objects.filter(user=person, is_active=True).count() == 1
