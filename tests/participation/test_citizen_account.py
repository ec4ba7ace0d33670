"""The citizen's account end to end (issue 17, point 2): links in every e-mail on the
configured address, back to the paragraph after registering and verifying, honest feedback on
held comments, the minimum useful length, password recovery that never passes a second factor."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from agora.core.models import User
from agora.core.notifications import notify
from agora.participation import services
from agora.participation.models import CitizenVerification, Comment, CommentStatus, Consultation
from tests.helpers import login

SITE = "https://agora.ejemplo.gob.pe"
PASSWORD = "una-clave-larga-2026"


@pytest.fixture(autouse=True)
def _site_address(settings: Any) -> None:
    settings.AGORA_BASE_URL = SITE


def _links(message: Any) -> list[str]:
    return re.findall(r"https?://\S+", message.body)


def _path_of(link: str) -> str:
    parsed = urlparse(link)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def _paragraph_url(consultation: Consultation) -> str:
    return consultation.get_absolute_url() + "?parrafo=2.1#comentarios"


# --- links on the configured address --------------------------------------------------------


def test_every_email_link_uses_the_configured_site_address(
    db: None,
    consultation: Consultation,
    citizen: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Verification, subscription (confirm and unsubscribe), announcements, notifications and
    password recovery: every link starts with AGORA_BASE_URL, none with the development one."""
    consultation.announced_at = None
    consultation.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.citizen_register(
            email="nueva@example.pe", password=PASSWORD, password_confirm=PASSWORD
        )
    with django_capture_on_commit_callbacks(execute=True):
        subscription = services.subscription_request(email="avisos@example.pe")
    subscription.confirmed_at = subscription.created_at
    subscription.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.opportunities_announce()
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[citizen], kind="prueba", text="Aviso de prueba", url="/participa/")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(reverse("account:password_reset"), {"email": citizen.email})
    subjects = [m.subject for m in mail.outbox]
    assert len(mail.outbox) == 5, subjects
    for message in mail.outbox:
        links = _links(message)
        assert links, message.subject
        assert all(link.startswith(SITE + "/") for link in links), (message.subject, links)
        assert "127.0.0.1" not in message.body and ":8000" not in message.body


# --- registration, verification and the way back ---------------------------------------------


def test_the_verification_link_signs_in_and_returns_to_the_paragraph(
    db: None, consultation: Consultation, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    target = _paragraph_url(consultation)
    page = client.get(reverse("participation:register") + "?next=" + target.replace("#", "%23"))
    assert f'value="{target}"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("participation:register"),
            {
                "email": "vecina@example.pe",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
                "next": target,
            },
        )
    assert done.status_code == 200 and "Revise su correo" in done.content.decode()
    user = User.objects.get(username="vecina@example.pe")
    assert "_auth_user_id" not in client.session  # not before the mailbox is proven
    (link,) = _links(mail.outbox[-1])
    back = Client().get(_path_of(link))  # on another browser, too
    assert back.status_code == 302 and back["Location"] == target
    assert int(back.wsgi_request.session["_auth_user_id"]) == user.pk
    assert CitizenVerification.objects.get(user=user).verified_at is not None


def test_registering_an_address_that_has_an_account_reveals_nothing(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    """Same page as for a new address; the owner is told by e-mail how to recover the
    password; no account is made and nobody is signed in."""
    pages = []
    for email in ("nueva.persona@example.pe", citizen.email):
        client = Client()
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                reverse("participation:register"),
                {"email": email, "password": PASSWORD, "password_confirm": PASSWORD},
            )
        assert answer.status_code == 200 and "_auth_user_id" not in client.session
        pages.append(answer.content.decode().replace(email, "CORREO"))
    assert pages[0] == pages[1]
    told = mail.outbox[-1]
    assert told.to == [citizen.email] and "ya tiene una" in told.body
    assert _links(told) == [SITE + reverse("account:password_reset")]
    assert User.objects.filter(email=citizen.email).count() == 1
    citizen.refresh_from_db()
    assert citizen.check_password("contraseña-de-prueba-123")


def test_a_verification_link_used_again_is_not_a_way_in(
    db: None, consultation: Consultation, django_capture_on_commit_callbacks: Any
) -> None:
    target = _paragraph_url(consultation)
    with django_capture_on_commit_callbacks(execute=True):
        services.citizen_register(
            email="otra@example.pe", password=PASSWORD, password_confirm=PASSWORD, next_url=target
        )
    (link,) = _links(mail.outbox[-1])
    assert Client().get(_path_of(link)).status_code == 302
    second = Client()
    page = second.get(_path_of(link))
    assert page.status_code == 200 and "_auth_user_id" not in second.session
    html = page.content.decode()
    assert "verificado" in html
    login_link = re.search(r'href="(/cuenta/ingresar/\?next=[^"]+)"', html)
    assert login_link is not None
    next_value = parse_qs(urlparse(login_link.group(1).replace("&amp;", "&")).query)["next"][0]
    assert next_value == target


@pytest.mark.parametrize(
    "next_url", ["https://malo.example.com/", "//malo.example.com/", "/\\malo.example.com", ""]
)
def test_a_way_back_off_the_site_is_dropped(
    db: None, next_url: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("participation:register"),
            {
                "email": "x@example.pe",
                "password": PASSWORD,
                "password_confirm": PASSWORD,
                "next": next_url,
            },
        )
    (link,) = _links(mail.outbox[-1])
    back = client.get(_path_of(link))
    assert back.status_code == 302
    assert back["Location"] == reverse("participation:consultations")


def test_resend_carries_the_way_back(
    unverified: User, consultation: Consultation, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(Client(), unverified)
    target = _paragraph_url(consultation)
    page = client.get(consultation.get_absolute_url() + "?parrafo=2.1").content.decode()
    assert "Enviarme otro enlace" in page
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("participation:verification_resend"), {"next": target})
    assert answer["Location"] == target
    (link,) = _links(mail.outbox[-1])
    assert client.get(_path_of(link))["Location"] == target


def test_anonymous_comment_is_sent_to_sign_in_with_the_paragraph_as_next(
    consultation: Consultation,
) -> None:
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    answer = Client().post(url, {"body": "Propongo plazos claros", "paragraph": "2.1"})
    location = urlparse(answer["Location"])
    assert location.path == reverse("two_factor:login")
    assert parse_qs(location.query)["next"] == [_paragraph_url(consultation)]


def test_sign_in_page_offers_recovery_and_registration_with_the_way_back(db: None) -> None:
    html = Client().get(reverse("two_factor:login") + "?next=/participa/consultas/").content
    text = html.decode()
    assert "¿Olvidó su contraseña?" in text
    assert 'href="/participa/registro/?next=/participa/consultas/"' in text


# --- honest feedback and minimum length ----------------------------------------------------------


def test_held_comment_is_reported_as_held_and_shown_only_to_its_author(
    citizen: User,
    consultation: Consultation,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(services.consultations, "_moderation_flags", lambda body: ["insulto"])
    client = login(Client(), citizen)
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    page = client.post(
        url, {"body": "Un comentario que el filtro retiene", "paragraph": "2.1"}, follow=True
    )
    html = page.content.decode()
    assert "quedó en revisión" in html and "insultos" in html
    assert "fue registrado y ya está publicado" not in html
    assert "Sus comentarios que aún no son públicos" in html
    assert "Un comentario que el filtro retiene" in html
    assert Comment.objects.get().status == CommentStatus.EN_REVISION
    other = make_user("otro@example.pe", email="otro@example.pe")
    CitizenVerification.objects.create(user=other, email=other.email, verified_at=other.date_joined)
    for viewer in (login(Client(), other), Client()):
        seen = viewer.get(consultation.get_absolute_url() + "?parrafo=2.1").content.decode()
        assert "Un comentario que el filtro retiene" not in seen


def test_hidden_comment_shows_the_reason_to_its_author(
    citizen: User, rector: User, consultation: Consultation
) -> None:
    comment = services.comment_submit(
        actor=citizen, consultation=consultation, body="Comentario que se ocultará"
    )
    services.comment_moderate(actor=rector, comment=comment, publish=False, reason="Fuera de tema")
    page = login(Client(), citizen).get(consultation.get_absolute_url() + "?ver=generales")
    html = page.content.decode()
    assert "Oculto" in html and "Fuera de tema" in html


def test_published_comment_says_so(citizen: User, consultation: Consultation) -> None:
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    page = login(Client(), citizen).post(
        url, {"body": "Propongo plazos de respuesta", "paragraph": "2.1"}, follow=True
    )
    assert "su comentario fue registrado y ya está publicado" in page.content.decode()


@pytest.mark.parametrize("body", ["a", "Sí", "  ok  ", "muy bien", "a  b  c  d"])
def test_comment_shorter_than_the_minimum_is_refused_naming_it(
    citizen: User, consultation: Consultation, body: str
) -> None:
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    page = login(Client(), citizen).post(url, {"body": body, "paragraph": "2.1"}, follow=True)
    assert f"al menos {services.MIN_COMMENT_CHARS} caracteres" in page.content.decode()
    assert not Comment.objects.exists()


def test_comment_of_exactly_the_minimum_is_accepted(
    citizen: User, consultation: Consultation
) -> None:
    body = "x" * services.MIN_COMMENT_CHARS
    services.comment_submit(actor=citizen, consultation=consultation, body=f"  {body}  ")
    assert Comment.objects.get().body == body


# --- password recovery ---------------------------------------------------------------------------


def test_password_reset_answers_the_same_whether_or_not_the_address_exists(
    citizen: User, django_capture_on_commit_callbacks: Any
) -> None:
    answers = []
    for email in (citizen.email, "nadie@example.pe"):
        with django_capture_on_commit_callbacks(execute=True):
            answer = Client().post(reverse("account:password_reset"), {"email": email}, follow=True)
        answers.append((answer.status_code, answer.redirect_chain))
    assert answers[0] == answers[1]
    assert [m.to for m in mail.outbox] == [[citizen.email]]


def test_citizen_resets_password_and_is_signed_in_back_where_they_started(
    citizen: User, consultation: Consultation, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    target = _paragraph_url(consultation)
    form = client.get(reverse("account:password_reset") + "?next=" + target.replace("#", "%23"))
    assert f'value="{target}"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account:password_reset"), {"email": citizen.email, "next": target})
    (link,) = _links(mail.outbox[-1])
    form_page = client.get(_path_of(link), follow=True)
    assert "Elija una contraseña nueva" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "otra-clave-nueva-2026", "new_password2": "otra-clave-nueva-2026"},
    )
    assert done.status_code == 302 and done["Location"] == target
    assert int(client.session["_auth_user_id"]) == citizen.pk
    citizen.refresh_from_db()
    assert citizen.check_password("otra-clave-nueva-2026")
    # The link works once.
    again = Client().get(_path_of(link), follow=True).content.decode()
    assert "Enlace no válido" in again


def test_staff_password_reset_never_passes_the_second_factor(
    rector: User, django_capture_on_commit_callbacks: Any
) -> None:
    from axes.models import AccessAttempt

    rector.email = "rectora@example.pe"
    rector.save()
    AccessAttempt.objects.create(
        username=rector.username, ip_address="203.0.113.7", failures_since_start=5
    )
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account:password_reset"), {"email": rector.email})
    (link,) = _links(mail.outbox[-1])
    set_url = client.get(_path_of(link), follow=True).redirect_chain[-1][0]
    done = client.post(
        set_url,
        {"new_password1": "otra-clave-nueva-2026", "new_password2": "otra-clave-nueva-2026"},
    )
    assert done["Location"] == reverse("two_factor:login")
    assert "_auth_user_id" not in client.session
    # The lockout earned against the old password is lifted; the second factor still applies.
    assert not AccessAttempt.objects.filter(username=rector.username).exists()
    staff_page = client.get(reverse("directory:staff_home"))
    assert staff_page.status_code == 302 and "/cuenta/ingresar/" in staff_page["Location"]
