"""«Mis datos» (Ley 29733, access and cancellation): a citizen sees and downloads only their
own data, all of it; deleting the account leaves no e-mail or name and keeps the public record
anonymised."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.models import AuditEvent, Notification, User
from agora.core.notifications import notify
from agora.participation import personal_data, services
from agora.participation.models import (
    CitizenVerification,
    Comment,
    CommentStatus,
    Consultation,
    ForumMembership,
    OpportunitySubscription,
    Representative,
)
from tests.helpers import login

PASSWORD = "contraseña-de-prueba-123"  # tests/conftest.py make_user


@pytest.fixture
def citizen_world(
    citizen: User,
    rector: User,
    consultation: Consultation,
    make_user: Callable[..., User],
    add_member: Callable[..., ForumMembership],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    citizen.first_name, citizen.last_name = "Rosa", "Quispe"
    citizen.save()
    published = services.comment_submit(
        actor=citizen, consultation=consultation, body="Comentario publicado de Rosa"
    )
    monkeypatch.setattr(services.consultations, "_moderation_flags", lambda body: ["spam"])
    held = services.comment_submit(
        actor=citizen, consultation=consultation, body="Comentario retenido de Rosa"
    )
    monkeypatch.undo()
    services.subscription_request(email=citizen.email)
    notify(users=[citizen], kind="prueba", text="Aviso para Rosa", email=False)
    membership = add_member("Colectivo de Rosa")
    services.representative_set(
        actor=None,
        system=True,
        membership=membership,
        role="titular",
        full_name="Rosa Quispe",
        email=citizen.email,
        user=citizen,
    )
    other = make_user("otra@example.pe", email="otra@example.pe")
    CitizenVerification.objects.create(user=other, email=other.email, verified_at=timezone.now())
    services.comment_submit(
        actor=other, consultation=consultation, body="Comentario de otra persona"
    )
    return {"published": published, "held": held, "other": other}


def _password_signs_in(username: str) -> bool:
    client = Client()
    client.post(
        reverse("two_factor:login"),
        {
            "login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": PASSWORD,
        },
    )
    return "_auth_user_id" in client.session


def test_my_data_page_shows_only_my_own(citizen: User, citizen_world: dict[str, Any]) -> None:
    html = login(Client(), citizen).get(reverse("participation:my_data")).content.decode()
    assert "ciudadana@example.pe" in html
    assert "Comentario publicado de Rosa" in html and "Comentario retenido de Rosa" in html
    assert "Comentario de otra persona" not in html and "otra@example.pe" not in html
    assert "Participante anónimo" in html  # what is kept is explained before deleting


def test_my_data_needs_sign_in(db: None) -> None:
    for name in ("my_data", "my_data_download"):
        answer = Client().get(reverse(f"participation:{name}"))
        assert answer.status_code == 302 and "/cuenta/ingresar/" in answer["Location"]


def test_download_contains_everything_and_only_mine(
    citizen: User, citizen_world: dict[str, Any]
) -> None:
    answer = login(Client(), citizen).get(reverse("participation:my_data_download"))
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    assert "no-store" in answer["Cache-Control"]
    data = json.loads(answer.content)
    assert data["cuenta"]["correo"] == "ciudadana@example.pe"
    assert data["cuenta"]["nombres"] == "Rosa"
    assert data["verificacion_de_correo"]["verificada_el"]
    assert [s["correo"] for s in data["suscripciones"]] == ["ciudadana@example.pe"]
    bodies = {c["texto"]: c["estado"] for c in data["comentarios"]}
    assert bodies == {
        "Comentario publicado de Rosa": "Publicado",
        "Comentario retenido de Rosa": "En revisión",
    }
    assert data["representaciones_en_foros"][0]["nombre"] == "Rosa Quispe"
    assert [n["texto"] for n in data["notificaciones"]] == ["Aviso para Rosa"]
    assert any(e["accion"] == "consulta.comentada" for e in data["registro_de_acciones"])
    assert "otra@example.pe" not in answer.content.decode()
    assert AuditEvent.objects.filter(actor=citizen, verb="ciudadano.datos_descargados").exists()


def test_delete_needs_the_password_and_the_confirmation(
    citizen: User, citizen_world: dict[str, Any]
) -> None:
    client = login(Client(), citizen)
    url = reverse("participation:my_data_delete")
    page = client.post(url, {"password": "otra-cosa", "confirmar": "1"}, follow=True)
    assert "no es correcta" in page.content.decode()
    page = client.post(url, {"password": PASSWORD}, follow=True)
    assert "Marque la casilla" in page.content.decode()
    citizen.refresh_from_db()
    assert citizen.is_active and citizen.email == "ciudadana@example.pe"


def test_delete_leaves_no_personal_data_and_keeps_the_public_record_anonymised(
    citizen: User, citizen_world: dict[str, Any], consultation: Consultation
) -> None:
    assert _password_signs_in("ciudadana@example.pe")
    client = login(Client(), citizen)
    page = client.post(
        reverse("participation:my_data_delete"), {"password": PASSWORD, "confirmar": "1"}
    )
    assert page.status_code == 200 and "Su cuenta fue eliminada" in page.content.decode()
    assert "_auth_user_id" not in client.session
    citizen.refresh_from_db()
    assert not citizen.is_active and not citizen.has_usable_password()
    assert (citizen.email, citizen.first_name, citizen.last_name) == ("", "", "")
    assert "ciudadana" not in citizen.username
    # No trace of the e-mail or the account's name anywhere personal.
    assert not OpportunitySubscription.objects.filter(email__iexact="ciudadana@example.pe").exists()
    assert not CitizenVerification.objects.filter(user=citizen).exists()
    assert not Notification.objects.filter(user=citizen).exists()
    assert not AuditEvent.objects.filter(actor_label__icontains="ciudadana").exists()
    assert not AuditEvent.objects.filter(object_repr__icontains="ciudadana@example.pe").exists()
    assert not Representative.objects.filter(email__iexact="ciudadana@example.pe").exists()
    assert not User.objects.filter(email__iexact="ciudadana@example.pe").exists()
    # The public record stays, without the person.
    published = Comment.objects.get(pk=citizen_world["published"].pk)
    assert published.author_label == personal_data.ANONYMOUS_LABEL
    assert published.status == CommentStatus.PUBLICADO
    assert not Comment.objects.filter(pk=citizen_world["held"].pk).exists()
    representative = Representative.objects.get(full_name="Rosa Quispe")
    assert representative.user is None and representative.email == ""
    public = Client().get(consultation.get_absolute_url() + "?ver=generales").content.decode()
    assert "Comentario publicado de Rosa" in public and "Participante anónimo" in public
    # The other citizen's comment is untouched; the deletion is audited.
    assert Comment.objects.filter(author=citizen_world["other"]).count() == 1
    assert AuditEvent.objects.filter(verb="ciudadano.cuenta_eliminada", actor=citizen).exists()
    # And the old password no longer signs in.
    assert not _password_signs_in("ciudadana@example.pe")


def test_staff_cannot_delete_their_account_here(rector: User) -> None:
    client = login(Client(), rector)
    html = client.get(reverse("participation:my_data")).content.decode()
    assert "no se eliminan aquí" in html
    client.post(reverse("participation:my_data_delete"), {"password": PASSWORD, "confirmar": "1"})
    rector.refresh_from_db()
    assert rector.is_active and rector.username == "rectora"


def test_an_unverified_citizen_can_ask_for_a_new_link_from_my_data(
    unverified: User, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    client = login(Client(), unverified)
    html = client.get(reverse("participation:my_data")).content.decode()
    assert "Enviarme otro enlace" in html
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            reverse("participation:verification_resend"),
            {"next": reverse("participation:my_data")},
        )
    assert answer["Location"] == reverse("participation:my_data")
    assert [m.to for m in mail.outbox] == [[unverified.email]]
