"""Participation pages and API: what each role (anonymous, citizen, member, secretariat) may
see and do, and the refusals of bad input through the pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.models import User
from agora.participation import services
from agora.participation.models import (
    AdmissionRequest,
    Agreement,
    Comment,
    Consultation,
    Forum,
    ForumMembership,
    ForumSession,
)
from tests.helpers import login
from tests.participation.conftest import DOCUMENT

pytestmark = pytest.mark.django_db

ROLES = ["anonimo", "ciudadano", "miembro", "secretaria"]


@pytest.fixture
def world(
    rector: User,
    forum: Forum,
    citizen: User,
    member_user: User,
    consultation: Consultation,
) -> dict[str, Any]:
    """A forum with a public and an internal session (draft minutes on the internal one), a
    public and an internal agreement, an open consultation, a closed one and a draft."""
    now = timezone.now()
    public = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Sesión pública",
        starts_at=now + timedelta(days=3),
        agenda="1. **Bienvenida**",
    )
    internal = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Sesión interna",
        starts_at=now - timedelta(days=1),
        agenda="1. Reservado",
        is_public=False,
    )
    services.session_close(actor=None, system=True, session=internal, valid=False)
    services.minutes_save(
        actor=None, system=True, session=internal, text="Borrador secreto del acta"
    )
    services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        draft=services.AgreementDraft(
            text="Acuerdo público",
            responsible="MINAM",
            due_date=timezone.localdate() + timedelta(days=5),
        ),
    )
    services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        is_public=False,
        draft=services.AgreementDraft(
            text="Acuerdo reservado",
            responsible="MINAM",
            due_date=timezone.localdate() + timedelta(days=5),
        ),
    )
    closed = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        title="Consulta cerrada",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=1),
    )
    services.consultation_publish(actor=None, system=True, consultation=closed)
    Comment.objects.create(
        consultation=closed,
        version=closed.versions.get(),
        author=citizen,
        author_label="Participante ABC123",
        body="<b>Comentario</b> cerrado",
        answer_outcome="no_acogido",
        answer_reason="Fuera de alcance.",
    )
    draft = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        title="Borrador de consulta",
        source_md=DOCUMENT,
        opens_at=now + timedelta(days=5),
        closes_at=now + timedelta(days=15),
    )
    return {
        "forum": forum,
        "public": public,
        "internal": internal,
        "open": consultation,
        "closed": closed,
        "draft": draft,
        "users": {
            "anonimo": None,
            "ciudadano": citizen,
            "miembro": member_user,
            "secretaria": rector,
        },
    }


def _client(world: dict[str, Any], role: str) -> Client:
    client = Client()
    user = world["users"][role]
    if user is not None:
        login(client, user)
    return client


def _public_urls(world: dict[str, Any]) -> list[str]:
    f = world["forum"].slug
    return [
        reverse("participation:index"),
        reverse("participation:calendar"),
        reverse("participation:calendar_ics"),
        reverse("participation:consultations"),
        reverse("participation:forum_detail", args=[f]),
        reverse("participation:agreements", args=[f]),
        reverse("participation:evaluation", args=[f]),
        reverse("participation:session_detail", args=[f, world["public"].number]),
        reverse("participation:consultation_detail", args=[world["open"].slug]),
        reverse("participation:consultation_detail", args=[world["open"].slug]) + "?parrafo=2.1",
        reverse("participation:consultation_detail", args=[world["open"].slug]) + "?ver=generales",
        reverse("participation:consultation_version", args=[world["open"].slug, 1]),
        reverse("participation:consultation_report", args=[world["closed"].slug]),
        reverse("participation:consultation_report_csv", args=[world["closed"].slug]),
        reverse("participation:register"),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_open_to_every_role(world: dict[str, Any], role: str) -> None:
    client = _client(world, role)
    for url in _public_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize(
    ("role", "sees_internal"),
    [("anonimo", False), ("ciudadano", False), ("miembro", True), ("secretaria", True)],
)
def test_internal_drafts_only_for_members_and_secretariat(
    world: dict[str, Any], role: str, sees_internal: bool
) -> None:
    client = _client(world, role)
    f = world["forum"].slug
    session_url = reverse("participation:session_detail", args=[f, world["internal"].number])
    response = client.get(session_url)
    assert response.status_code == (200 if sees_internal else 404)
    if sees_internal:
        assert "Borrador secreto del acta" in response.content.decode()
    agreements = client.get(reverse("participation:agreements", args=[f])).content.decode()
    assert "Acuerdo público" in agreements
    assert ("Acuerdo reservado" in agreements) is sees_internal
    draft = client.get(reverse("participation:consultation_detail", args=[world["draft"].slug]))
    assert draft.status_code == (200 if sees_internal else 404)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("anonimo", False), ("ciudadano", False), ("miembro", False), ("secretaria", True)],
)
def test_management_pages_only_for_secretariat(
    world: dict[str, Any], role: str, allowed: bool
) -> None:
    client = _client(world, role)
    f = world["forum"].slug
    urls = [
        reverse("participation:forum_manage", args=[f]),
        reverse("participation:session_manage", args=[f, world["public"].number]),
        reverse("participation:consultation_manage", args=[world["open"].slug]),
        reverse("participation:consultation_new"),
    ]
    for url in urls:
        response = client.get(url)
        if allowed:
            assert response.status_code == 200, url
        elif role == "anonimo":
            assert response.status_code == 302 and "/cuenta/" in response["Location"], url
        else:
            assert response.status_code in (403, 404), url
        post = client.post(url, {"accion": "publicar"})
        if not allowed:
            assert post.status_code in (302, 403, 404)
    assert not Consultation.objects.get(pk=world["draft"].pk).is_published


def test_report_hidden_before_close_for_public(world: dict[str, Any]) -> None:
    client = _client(world, "ciudadano")
    url = reverse("participation:consultation_report", args=[world["open"].slug])
    assert client.get(url).status_code == 404
    assert client.get(url.replace("informe/", "informe.csv")).status_code == 404
    assert _client(world, "secretaria").get(url).status_code == 200


def test_report_csv_has_every_comment_with_its_answer(world: dict[str, Any]) -> None:
    response = Client().get(
        reverse("participation:consultation_report_csv", args=[world["closed"].slug])
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "n.°"
    assert rows[1][3] == "Participante ABC123"
    assert rows[1][7] == "No acogido" and rows[1][8] == "Fuera de alcance."
    assert "ciudadana@example.pe" not in body


def test_report_pdf_is_a_pdf(world: dict[str, Any]) -> None:
    response = Client().get(
        reverse("participation:consultation_report_pdf", args=[world["closed"].slug])
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_comment_text_is_escaped(world: dict[str, Any]) -> None:
    page = (
        Client()
        .get(reverse("participation:consultation_report", args=[world["closed"].slug]))
        .content.decode()
    )
    assert "&lt;b&gt;Comentario&lt;/b&gt;" in page and "<b>Comentario</b>" not in page


def test_comment_through_the_page_per_role(world: dict[str, Any]) -> None:
    url = reverse("participation:consultation_comment", args=[world["open"].slug])
    anonymous = Client().post(url, {"body": "Propongo plazos claros", "paragraph": "2.1"})
    assert anonymous.status_code == 302 and "/cuenta/" in anonymous["Location"]
    assert not Comment.objects.filter(consultation=world["open"]).exists()
    member = _client(world, "miembro")  # signed in but e-mail not verified
    member.post(url, {"body": "Propongo plazos claros", "paragraph": "2.1"}, follow=True)
    assert not Comment.objects.filter(consultation=world["open"]).exists()
    citizen = _client(world, "ciudadano")
    page = citizen.post(
        url, {"body": "Buen párrafo, claro y útil", "paragraph": "2.1"}, follow=True
    )
    assert "su comentario fue registrado" in page.content.decode()
    comment = Comment.objects.get(consultation=world["open"])
    assert comment.paragraph is not None and comment.paragraph.label == "2.1"
    bad = citizen.post(url, {"body": "Aporte a un párrafo", "paragraph": "9.9"}, follow=True)
    assert "no existe" in bad.content.decode()


def test_comment_after_close_refused_through_page(world: dict[str, Any]) -> None:
    url = reverse("participation:consultation_comment", args=[world["closed"].slug])
    page = _client(world, "ciudadano").post(
        url, {"body": "Llego tarde, pero propongo plazos"}, follow=True
    )
    assert "ya no recibe comentarios" in page.content.decode()
    assert Comment.objects.filter(consultation=world["closed"]).count() == 1


def test_secretariat_answers_and_publishes_through_pages(world: dict[str, Any]) -> None:
    client = _client(world, "secretaria")
    comment = Comment.objects.get(consultation=world["closed"])
    url = reverse("participation:consultation_manage", args=[world["closed"].slug])
    client.post(
        url,
        {
            "accion": "responder",
            "comment": comment.pk,
            "outcome": "acogido",
            "reason": "Se incorpora.",
        },
    )
    comment.refresh_from_db()
    assert comment.answer_outcome == "acogido"
    page = client.post(
        url,
        {"accion": "responder", "comment": comment.pk, "outcome": "acogido", "reason": ""},
        follow=True,
    )
    assert "Complete la respuesta" in page.content.decode()
    client.post(
        url,
        {
            "accion": "version",
            "source_md": DOCUMENT + "\nAñadido.\n",
            "change_note": "Se añade un párrafo.",
        },
    )
    assert world["closed"].versions.count() == 2
    diff = (
        Client()
        .get(reverse("participation:consultation_version", args=[world["closed"].slug, 2]))
        .content.decode()
    )
    assert "diff-added" in diff and "Añadido." in diff


def test_admission_over_maximum_refused_through_page(
    world: dict[str, Any], add_member: Callable[..., ForumMembership]
) -> None:
    forum = world["forum"]
    add_member("Org 2")
    add_member("Org 3")  # sociedad civil now 3 of 3 (with the member's organisation)
    request = AdmissionRequest.objects.create(
        forum=forum,
        organisation=ForumMembership.objects.first().organisation.__class__.objects.create(  # type: ignore[union-attr]
            name="Nueva", stakeholder_type="sociedad_civil"
        ),
    )
    client = _client(world, "secretaria")
    page = client.post(
        reverse("participation:forum_manage", args=[forum.slug]),
        {"accion": "decidir", "request": request.pk, "admit": "1", "reason": "Cumple."},
        follow=True,
    )
    assert "3 de 3 asientos" in page.content.decode()
    request.refresh_from_db()
    assert request.status == "pendiente"


def test_admission_form_needs_sign_in_and_checklist(world: dict[str, Any]) -> None:
    url = reverse("participation:admission_request", args=[world["forum"].slug])
    assert Client().get(url).status_code == 302
    client = _client(world, "ciudadano")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"organisation_name": "Red", "stakeholder_type": "academia", "vote": "voz_y_voto"}
    )
    assert response.status_code == 400
    assert "Falta acreditar" in response.content.decode()
    assert not AdmissionRequest.objects.exists()


def test_session_without_quorum_refused_through_page(
    world: dict[str, Any], add_member: Callable[..., ForumMembership]
) -> None:
    forum = world["forum"]
    add_member("Org 2")
    session = ForumSession.objects.create(
        forum=forum,
        number=99,
        title="S",
        starts_at=timezone.now() - timedelta(hours=1),
        agenda="A",
    )
    client = _client(world, "secretaria")
    page = client.post(
        reverse("participation:session_manage", args=[forum.slug, 99]),
        {"accion": "cerrar", "valida": "1"},
        follow=True,
    )
    assert "No hay quórum" in page.content.decode()
    session.refresh_from_db()
    assert session.status == "programada"


def test_ical_feed_lists_open_consultation_and_public_session(world: dict[str, Any]) -> None:
    from icalendar import Calendar

    response = Client().get(reverse("participation:calendar_ics"))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert any("Lineamientos de participación" in s for s in summaries)
    assert any("Sesión pública" in s for s in summaries)
    assert not any("Sesión interna" in s or "Borrador" in s for s in summaries)


def test_registration_page_and_bad_input(db: None) -> None:
    client = Client()
    bad = client.post(
        reverse("participation:register"), {"email": "x", "password": "a", "password_confirm": "a"}
    )
    assert bad.status_code == 400 and not User.objects.exists()
    good = client.post(
        reverse("participation:register"),
        {
            "email": "nuevo@example.pe",
            "password": "clave-segura-2026",
            "password_confirm": "clave-segura-2026",
        },
    )
    assert good.status_code == 200 and User.objects.filter(username="nuevo@example.pe").exists()
    # a citizen is not forced into two-factor set-up
    login(client, User.objects.get(username="nuevo@example.pe"))
    assert client.get(reverse("participation:index")).status_code == 200


def test_subscription_bad_email_refused(db: None) -> None:
    from agora.participation.models import OpportunitySubscription

    Client().post(reverse("participation:subscribe"), {"email": "no"})
    assert not OpportunitySubscription.objects.exists()
    page = Client().get(reverse("participation:subscription_confirm", args=["basura"]))
    assert page.status_code == 400


# --- API -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees_internal"),
    [("anonimo", False), ("ciudadano", False), ("miembro", True), ("secretaria", True)],
)
def test_api_read_per_role(world: dict[str, Any], role: str, sees_internal: bool) -> None:
    client = _client(world, role)
    forums = client.get("/api/v1/forums/").json()
    assert forums["results"][0]["slug"] == world["forum"].slug
    assert {s["stakeholder_type"] for s in forums["results"][0]["seats"]} >= {"estado"}
    sessions = [s["title"] for s in client.get("/api/v1/forum-sessions/").json()["results"]]
    assert "Sesión pública" in sessions
    assert ("Sesión interna" in sessions) is sees_internal
    agreements = [a["text"] for a in client.get("/api/v1/agreements/").json()["results"]]
    assert ("Acuerdo reservado" in agreements) is sees_internal
    consultations = {c["slug"]: c for c in client.get("/api/v1/consultations/").json()["results"]}
    assert (world["draft"].slug in consultations) is sees_internal
    assert consultations[world["closed"].slug]["comments_answered"] == 1
    detail = client.get(f"/api/v1/consultations/{world['open'].slug}/")
    assert detail.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_api_is_read_only(world: dict[str, Any], role: str) -> None:
    client = _client(world, role)
    for path in (
        "/api/v1/forums/",
        "/api/v1/forum-sessions/",
        "/api/v1/agreements/",
        "/api/v1/consultations/",
    ):
        assert client.post(path, {}, content_type="application/json").status_code in (403, 405)
    assert Agreement.objects.count() == 2


def test_api_in_openapi_schema(db: None) -> None:
    schema = Client().get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/forums/",
        "/api/v1/forum-sessions/",
        "/api/v1/agreements/",
        "/api/v1/consultations/",
    ):
        assert path in schema


def test_comment_rate_limit_uses_cache(citizen: User, consultation: Consultation) -> None:
    cache.clear()
    client = login(Client(), citizen)
    url = reverse("participation:consultation_comment", args=[consultation.slug])
    for i in range(services.COMMENT_RATE_LIMIT + 2):
        client.post(url, {"body": f"Aporte número {i} sobre plazos"})
    assert Comment.objects.count() == services.COMMENT_RATE_LIMIT


def test_secretariat_edits_forum_and_bad_input_refused(world: dict[str, Any]) -> None:
    forum = world["forum"]
    url = reverse("participation:forum_manage", args=[forum.slug])
    data = {
        "accion": "foro",
        "name": "Foro renombrado",
        "status": "activo",
        "purpose": "Nueva.",
        "requirements": "Requisito uno\nRequisito dos\n",
        "term_months": 12,
        "convocation_days": 10,
    }
    _client(world, "miembro").post(url, data)
    forum.refresh_from_db()
    assert forum.name != "Foro renombrado"
    _client(world, "secretaria").post(url, data)
    forum.refresh_from_db()
    assert forum.name == "Foro renombrado" and forum.requirements == [
        "Requisito uno",
        "Requisito dos",
    ]
    page = _client(world, "secretaria").post(url, {**data, "purpose": "", "name": "X"}, follow=True)
    assert "Revise los datos del foro" in page.content.decode()
    forum.refresh_from_db()
    assert forum.name == "Foro renombrado"


def test_anonymous_consultation_page_is_kept_until_something_it_shows_changes(
    world: dict[str, Any],
) -> None:
    """Anonymous visitors share a kept page; a new comment, its answer and a new title show
    at once, and signed-in people never receive the kept page."""
    consultation = world["open"]
    url = reverse("participation:consultation_detail", args=[consultation.slug])
    paragraph_url = f"{url}?parrafo=2.1"
    visitor = Client()
    assert "Comentario de prueba en caché" not in visitor.get(paragraph_url).content.decode()
    citizen = world["users"]["ciudadano"]
    comment = services.comment_submit(
        actor=citizen,
        consultation=consultation,
        body="Comentario de prueba en caché",
        paragraph=consultation.versions.get().paragraphs.get(label="2.1"),
    )
    assert "Comentario de prueba en caché" in visitor.get(paragraph_url).content.decode()
    services.comment_answer(
        actor=world["users"]["secretaria"],
        comment=comment,
        outcome="no_acogido",
        reason="Fundamento visible para todos",
    )
    assert "Fundamento visible para todos" in visitor.get(paragraph_url).content.decode()
    Consultation.objects.filter(pk=consultation.pk).update(title="Título nuevo de la consulta")
    assert "Título nuevo de la consulta" in visitor.get(url).content.decode()
    # The secretariat, signed in, sees its management link: never an anonymous page.
    secretariat = _client(world, "secretaria")
    assert "Gestionar (secretaría)" in secretariat.get(url).content.decode()
    assert "Gestionar (secretaría)" not in visitor.get(url).content.decode()
