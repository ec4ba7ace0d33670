"""Every management action of the forum, session and consultation pages, POSTed by each role:
anonymous, citizen, member, rector staff who is NOT in this forum's secretariat, and the
secretariat. Only the secretariat writes; everyone else is refused (sign-in redirect, 403 or
404) and nothing in the participation tables changes.

The code's intent for rector staff: managing a forum (and its sessions and consultations)
belongs to that forum's secretariat, not to rector staff in general; rector staff may create
forum-less consultations, but never one attached to a forum they do not run. The citizen pages
(admission request, comment, subscription, e-mail verification) are checked per role too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from agora.core.models import AuditEvent, User
from agora.participation import services
from agora.participation.models import (
    AdmissionRequest,
    CitizenVerification,
    Comment,
    Consultation,
    Forum,
    MemberOrganisation,
    OpportunitySubscription,
    Representative,
)
from tests.helpers import login
from tests.participation.conftest import DOCUMENT

pytestmark = pytest.mark.django_db

ROLES = ["anonimo", "ciudadano", "miembro", "rector_ajeno", "secretaria"]


@pytest.fixture
def world(
    rector: User,
    forum: Forum,
    citizen: User,
    member_user: User,
    consultation: Consultation,
    make_user: Callable[..., User],
) -> dict[str, Any]:
    now = timezone.now()
    organisation = MemberOrganisation.objects.create(
        name="Red Pendiente", stakeholder_type="academia"
    )
    pending = AdmissionRequest.objects.create(
        forum=forum, organisation=organisation, requested_by=citizen
    )
    agreement = services.agreement_create(
        actor=None,
        system=True,
        forum=forum,
        draft=services.AgreementDraft(
            text="Acuerdo",
            responsible="MINAM",
            due_date=timezone.localdate() + timedelta(days=5),
        ),
    )
    representative = Representative.objects.get(user=member_user)
    past = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Pasada",
        starts_at=now - timedelta(days=2),
        agenda="1.",
    )
    held = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Realizada",
        starts_at=now - timedelta(days=3),
        agenda="1.",
    )
    services.session_close(actor=None, system=True, session=held, valid=False)
    services.minutes_save(actor=None, system=True, session=held, text="Borrador del acta")
    approved = services.session_schedule(
        actor=None,
        system=True,
        forum=forum,
        title="Aprobada",
        starts_at=now - timedelta(days=4),
        agenda="1.",
    )
    services.session_close(actor=None, system=True, session=approved, valid=False)
    services.minutes_save(actor=None, system=True, session=approved, text="Acta")
    services.minutes_approve(actor=None, system=True, session=approved)
    draft = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        title="Borrador",
        source_md=DOCUMENT,
        opens_at=now + timedelta(days=1),
        closes_at=now + timedelta(days=9),
    )
    closed = services.consultation_create(
        actor=None,
        system=True,
        forum=forum,
        title="Cerrada",
        source_md=DOCUMENT,
        opens_at=now - timedelta(days=9),
        closes_at=now - timedelta(days=1),
    )
    services.consultation_publish(actor=None, system=True, consultation=closed)
    comment = Comment.objects.create(
        consultation=consultation,
        version=consultation.versions.get(),
        author=citizen,
        author_label="Participante",
        body="Comentario",
        status="en_revision",
    )
    make_user("nueva-persona", email="nueva@example.pe")
    return {
        "forum": forum,
        "pending": pending,
        "agreement": agreement,
        "membership": representative.membership,
        "representative": representative,
        "past": past,
        "held": held,
        "approved": approved,
        "open": consultation,
        "draft": draft,
        "closed": closed,
        "comment": comment,
        "users": {
            "anonimo": None,
            "ciudadano": citizen,
            "miembro": member_user,
            "rector_ajeno": make_user("rector-ajeno", is_rector=True, totp=True),
            "secretaria": rector,
        },
    }


def _forum_url(w: dict[str, Any]) -> str:
    return reverse("participation:forum_manage", args=[w["forum"].slug])


def _session_url(key: str) -> Callable[[dict[str, Any]], str]:
    def url(w: dict[str, Any]) -> str:
        return reverse("participation:session_manage", args=[w["forum"].slug, w[key].number])

    return url


def _consultation_url(key: str) -> Callable[[dict[str, Any]], str]:
    def url(w: dict[str, Any]) -> str:
        return reverse("participation:consultation_manage", args=[w[key].slug])

    return url


# (action, page, POST data): each is valid, so the secretariat's POST writes.
ACTIONS: list[tuple[str, Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], dict]]] = [
    (
        "decidir",
        _forum_url,
        lambda w: {"request": w["pending"].pk, "admit": "0", "reason": "No acredita."},
    ),
    (
        "foro",
        _forum_url,
        lambda w: {
            "name": "Foro renombrado",
            "status": "activo",
            "purpose": "Nueva finalidad.",
            "commitments_reference": "",
            "requirements": "Constancia",
            "term_months": "12",
            "convocation_days": "5",
            "quorum_percent": "50",
        },
    ),
    (
        "asientos",
        _forum_url,
        lambda w: {"stakeholder_type": "academia", "min_seats": "0", "max_seats": "4"},
    ),
    (
        "sesion",
        _forum_url,
        lambda w: {
            "title": "Nueva sesión",
            "starts_at": (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
            "agenda": "1. Apertura",
            "is_public": "on",
            "convocation_days": "7",
        },
    ),
    (
        "acuerdo",
        _forum_url,
        lambda w: {
            "text": "Nuevo acuerdo",
            "responsible": "MINAM",
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
    ),
    (
        "estado_acuerdo",
        _forum_url,
        lambda w: {"agreement": w["agreement"].pk, "status": "en_curso"},
    ),
    (
        "retirar",
        _forum_url,
        lambda w: {"membresia": w["membership"].pk, "motivo": "Renuncia."},
    ),
    (
        "representante",
        _forum_url,
        lambda w: {
            "membership": w["membership"].pk,
            "role": "alterno",
            "login": "nueva@example.pe",
            "full_name": "Nueva Persona",
        },
    ),
    (
        "fin_representante",
        _forum_url,
        lambda w: {"representative": w["representative"].pk},
    ),
    ("asistencia", _session_url("past"), lambda w: {"presentes": [w["membership"].pk]}),
    ("cerrar", _session_url("past"), lambda w: {"valida": "0"}),
    ("convocar", _session_url("past"), lambda w: {}),
    ("acta", _session_url("held"), lambda w: {"text": "Acta corregida"}),
    ("aprobar", _session_url("held"), lambda w: {}),
    ("publicar", _session_url("approved"), lambda w: {}),
    ("publicar_consulta", _consultation_url("draft"), lambda w: {"accion": "publicar"}),
    (
        "responder",
        _consultation_url("open"),
        lambda w: {"comment": w["comment"].pk, "outcome": "acogido", "reason": "Se incorpora."},
    ),
    (
        "moderar",
        _consultation_url("open"),
        lambda w: {"comment": w["comment"].pk, "publish": "1", "reason": "Respetuoso."},
    ),
    (
        "version",
        _consultation_url("closed"),
        lambda w: {"source_md": DOCUMENT + "\nNuevo párrafo.\n", "change_note": "Se añade."},
    ),
]


def _snapshot() -> dict[str, Any]:
    """Every row of every participation table, and the audit log's size."""
    state: dict[str, Any] = {
        model.__name__: list(model._default_manager.order_by("pk").values())
        for model in apps.get_app_config("participation").get_models()
    }
    state["audit"] = AuditEvent.objects.count()
    return state


def _assert_refused(response: Any, role: str) -> None:
    if role == "anonimo":
        assert response.status_code == 302
        assert "/cuenta/" in response["Location"]
    else:
        assert response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("action", "page", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_management_action_per_role(
    world: dict[str, Any],
    role: str,
    action: str,
    page: Callable[[dict[str, Any]], str],
    data: Callable[[dict[str, Any]], dict],
) -> None:
    payload = {"accion": action, **data(world)}
    before = _snapshot()
    response = login(Client(), world["users"][role]).post(page(world), payload)
    after = _snapshot()
    if role != "secretaria":
        _assert_refused(response, role)
        assert after == before, f"{role} wrote through «{action}»"
        return
    assert response.status_code == 302
    assert after != before and after["audit"] > before["audit"], f"«{action}» wrote nothing"
    assert AuditEvent.objects.filter(actor=world["users"]["secretaria"]).exists()


@pytest.mark.parametrize("role", ROLES)
def test_unknown_action_writes_nothing(world: dict[str, Any], role: str) -> None:
    before = _snapshot()
    response = login(Client(), world["users"][role]).post(
        _forum_url(world), {"accion": "borrar_todo"}
    )
    assert _snapshot() == before
    if role == "secretaria":
        assert response.status_code == 302
    else:
        _assert_refused(response, role)


@pytest.mark.parametrize("role", ROLES)
def test_consultation_new_per_role(world: dict[str, Any], role: str) -> None:
    """Only rector staff may create a consultation, and only in a forum they run."""
    now = timezone.localtime()
    payload = {
        "title": "Consulta nueva",
        "opens_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "closes_at": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "source_md": DOCUMENT,
        "foro": world["forum"].pk,
    }
    before = _snapshot()
    response = login(Client(), world["users"][role]).post(
        reverse("participation:consultation_new"), payload
    )
    if role == "secretaria":
        assert response.status_code == 302
        assert Consultation.objects.get(title="Consulta nueva").forum == world["forum"]
        return
    if role == "rector_ajeno":
        assert response.status_code == 400
        assert "Solo puede crear consultas de los foros que administra" in (
            response.content.decode()
        )
    else:
        _assert_refused(response, role)
    assert _snapshot() == before


# --- Citizen pages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonimo", False),
        ("ciudadano", True),  # verified e-mail
        ("miembro", False),  # a representative without a verified e-mail
        ("rector_ajeno", True),  # rector staff may file for State organisations
        ("secretaria", True),
    ],
)
def test_admission_request_per_role(world: dict[str, Any], role: str, allowed: bool) -> None:
    forum = world["forum"]
    payload: dict[str, Any] = {
        "organisation_name": "Colectivo Nuevo",
        "stakeholder_type": "sociedad_civil",
        "vote": "voz_y_voto",
        "document_title": "Constancia",
        "document": SimpleUploadedFile("c.pdf", b"%PDF-1.4 x", "application/pdf"),
        **{f"req_{i}": "on" for i in range(len(forum.requirements))},
    }
    before = _snapshot()
    response = login(Client(), world["users"][role]).post(
        reverse("participation:admission_request", args=[forum.slug]), payload
    )
    created = AdmissionRequest.objects.filter(organisation__name="Colectivo Nuevo")
    if allowed:
        assert response.status_code == 302
        assert created.get().requested_by == world["users"][role]
        return
    if role == "anonimo":
        _assert_refused(response, role)
    else:
        assert response.status_code == 400
        assert "correo electrónico verificado" in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonimo", False),
        ("ciudadano", True),
        ("miembro", False),
        ("rector_ajeno", False),
        ("secretaria", False),
    ],
)
def test_comment_per_role(world: dict[str, Any], role: str, allowed: bool) -> None:
    """Comments come from citizens with a verified e-mail, whatever other role they hold."""
    consultation = world["open"]
    before = Comment.objects.count()
    response = login(Client(), world["users"][role]).post(
        reverse("participation:consultation_comment", args=[consultation.slug]),
        {"body": "Mi aporte sobre los plazos", "paragraph": ""},
    )
    assert response.status_code == 302
    if role == "anonimo":
        assert "/cuenta/" in response["Location"]
    assert Comment.objects.count() == before + (1 if allowed else 0)


@pytest.mark.parametrize("role", ROLES)
def test_subscription_per_role(world: dict[str, Any], role: str) -> None:
    """Anyone may ask for e-mail notices, but the subscription stays unconfirmed until the
    link sent to that address is opened; a bad address writes nothing."""
    client = login(Client(), world["users"][role])
    url = reverse("participation:subscribe")
    client.post(url, {"email": "no-es-correo"})
    assert not OpportunitySubscription.objects.exists()
    assert client.post(url, {"email": "vecina@example.pe"}).status_code == 302
    subscription = OpportunitySubscription.objects.get()
    assert subscription.email == "vecina@example.pe" and subscription.confirmed_at is None


@pytest.mark.parametrize("role", ROLES)
def test_verification_link_per_role(world: dict[str, Any], role: str, unverified: User) -> None:
    """A forged link verifies nobody; a real one verifies its owner only, whoever opens it.
    Opened the first time by someone not signed in, it signs its owner in (issue 17: back to
    where they started); it never switches a signed-in person to another account."""
    client = login(Client(), world["users"][role])
    forged = signing.dumps({"u": unverified.pk, "e": unverified.email}, salt="otra-sal")
    response = client.get(reverse("participation:verify", args=[forged]))
    assert response.status_code == 400
    assert not CitizenVerification.objects.get(user=unverified).verified_at
    real = signing.dumps({"u": unverified.pk, "e": unverified.email}, salt=services.VERIFY_SALT)
    before = client.session.get("_auth_user_id")
    opened = client.get(reverse("participation:verify", args=[real]))
    if role == "anonimo":
        assert opened.status_code == 302
        assert int(client.session["_auth_user_id"]) == unverified.pk
    else:
        assert opened.status_code == 200
        assert client.session.get("_auth_user_id") == before
    assert CitizenVerification.objects.get(user=unverified).verified_at is not None
    others = CitizenVerification.objects.exclude(user=unverified)
    assert [v.user for v in others.filter(verified_at__isnull=False)] == [
        world["users"]["ciudadano"]
    ]
