"""Reporting fake accounts (issue 17, point 1): a citizen reports, anonymously if they wish,
throttled per client address and audited; rector staff alone decide, with a public reason;
the decision is published (never the reporter's description or contact) and the look-up of an
account confirmed as fake says so."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory import fake_reports, selectors
from agora.directory.models import (
    Entity,
    FakeAccountReport,
    FakeReportStatus,
    Platform,
    SocialAccount,
)
from tests.helpers import login

REPORT = "/directorio/verificar/reportar/"
PUBLIC = "/directorio/verificar/cuentas-falsas/"
QUEUE = "/equipo/cuentas/falsas/"
SECRET_DESCRIPTION = "Me escribió por interno pidiendo mi DNI 44556677 para un bono"
SECRET_EMAIL = "vecina.reportante@example.pe"


def _html(response: Any) -> str:
    return unescape(response.content.decode())


def _submit(**overrides: Any) -> FakeAccountReport:
    values: dict[str, Any] = {
        "reporter": None,
        "client_address": "203.0.113.7",
        "reported": "https://www.facebook.com/minsa.peru-oficial",
        "entity_text": "MINSA",
        "evidence_url": "https://www.facebook.com/minsa.peru-oficial/posts/123",
        "description": SECRET_DESCRIPTION,
        "contact_email": SECRET_EMAIL,
    }
    values.update(overrides)
    return fake_reports.fake_report_submit(**values)


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "cuenta": "https://www.facebook.com/minsa.peru-oficial",
        "entidad": "Ministerio de Salud",
        "evidencia": "https://www.facebook.com/minsa.peru-oficial/posts/123",
        "descripcion": SECRET_DESCRIPTION,
        "correo": SECRET_EMAIL,
        "sitio_web": "",
    }
    data.update(overrides)
    return data


# --- submitting ----------------------------------------------------------------------------------


def test_an_anonymous_report_is_recorded_for_the_queue_and_audited(
    verified_account: SocialAccount,
) -> None:
    report = _submit()
    assert report.status == FakeReportStatus.RECIBIDO
    assert (report.platform, report.handle_key) == (Platform.FACEBOOK, "minsa.peru-oficial")
    assert report.entity is not None and report.entity.code == "minsa"
    assert report.reporter is None
    assert report.client_hash and "203.0.113.7" not in report.client_hash
    event = AuditEvent.objects.get(verb="cuenta_falsa.reportada", object_id=str(report.pk))
    assert event.actor is None
    # What the reporter wrote is private: neither in the audit trail nor stored in clear.
    assert SECRET_DESCRIPTION not in str(event.after)
    assert SECRET_EMAIL not in str(event.after)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_email, description FROM directory_fakeaccountreport WHERE id = %s",
            [report.pk],
        )
        email, description = cursor.fetchone()
    assert SECRET_EMAIL not in email  # encrypted at rest
    assert "44556677" not in description


def test_a_signed_in_citizen_is_recorded_as_the_reporter(
    make_user: Callable[..., User], entities: dict[str, Entity]
) -> None:
    citizen = make_user("vecina")
    report = _submit(reporter=citizen)
    assert report.reporter == citizen
    assert AuditEvent.objects.get(verb="cuenta_falsa.reportada").actor == citizen


def test_a_share_link_is_accepted_for_the_rector_to_resolve(entities: dict[str, Entity]) -> None:
    report = _submit(reported="https://www.facebook.com/share/p/1AbCdEf/")
    assert report.platform == Platform.FACEBOOK
    assert report.handle_key == ""
    assert report.reported_url == "https://www.facebook.com/share/p/1AbCdEf/"


def test_a_verified_official_account_cannot_be_reported_as_fake(
    verified_account: SocialAccount,
) -> None:
    with pytest.raises(DomainError, match="es una cuenta oficial verificada"):
        _submit(reported="https://x.com/Minsa_Peru")
    assert not FakeAccountReport.objects.exists()


def test_text_that_is_no_account_is_refused(entities: dict[str, Entity]) -> None:
    with pytest.raises(DomainError, match="No reconocemos"):
        _submit(reported="Ministerio de Salud")
    assert not FakeAccountReport.objects.exists()


def test_an_unknown_entity_name_is_kept_as_text_without_linking_an_entity(
    entities: dict[str, Entity],
) -> None:
    report = _submit(entity_text="el ministerio ese")
    assert report.entity is None
    assert report.entity_text == "el ministerio ese"


def test_reports_are_throttled_per_client_address(entities: dict[str, Entity]) -> None:
    for number in range(fake_reports.LIMIT_PER_HOUR):
        _submit(reported=f"@falsa_{number}")
    with pytest.raises(fake_reports.ReportThrottledError) as info:
        _submit(reported="@falsa_otra")
    assert info.value.retry_after == 3600
    assert "espere una hora" in " ".join(info.value.messages)
    # Another client is not affected.
    _submit(reported="@falsa_otra", client_address="198.51.100.9")
    assert FakeAccountReport.objects.count() == fake_reports.LIMIT_PER_HOUR + 1


def test_the_daily_limit_counts_the_last_24_hours(entities: dict[str, Entity]) -> None:
    earlier = timezone.now() - timedelta(hours=23)
    for number in range(fake_reports.LIMIT_PER_DAY):
        _submit(reported=f"@falsa_{number}", now=earlier + timedelta(hours=number))
    with pytest.raises(fake_reports.ReportThrottledError) as info:
        _submit(reported="@falsa_otra")
    assert info.value.retry_after == 86400


# --- the public form -----------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_look_up(
    client: Client, entities: dict[str, Entity]
) -> None:
    response = client.get(
        REPORT, {"cuenta": "https://www.facebook.com/minsa.peru-oficial", "entidad": "minsa"}
    )
    html = _html(response)
    assert response.status_code == 200
    assert 'value="https://www.facebook.com/minsa.peru-oficial"' in html
    assert 'value="Ministerio de Salud"' in html


def test_the_look_up_of_a_look_alike_links_to_the_prefilled_form(
    client: Client, verified_account: SocialAccount
) -> None:
    html = _html(client.get("/directorio/verificar/", {"q": "x.com/minsa.peru-oficial"}))
    link = re.search(r'href="(/directorio/verificar/reportar/\?[^"]+)"', html)
    assert link is not None
    assert "entidad=minsa" in link.group(1)
    form = _html(client.get(link.group(1)))
    assert 'value="https://x.com/minsa.peru-oficial"' in form
    assert 'value="Ministerio de Salud"' in form


def test_submitting_the_form_leads_to_the_follow_up_page(
    client: Client, entities: dict[str, Entity]
) -> None:
    response = client.post(REPORT, _form())
    assert response.status_code == 302
    report = FakeAccountReport.objects.get()
    follow = client.get(response["Location"])
    html = _html(follow)
    assert follow.status_code == 200
    assert f"Recibimos su reporte n.º {report.pk}" in html
    assert "Facebook @minsa.peru-oficial" in html
    assert "Ministerio de Salud" in html
    assert SECRET_DESCRIPTION not in html
    assert SECRET_EMAIL not in html


def test_the_follow_up_link_cannot_be_guessed(client: Client, entities: dict[str, Entity]) -> None:
    report = _submit()
    assert client.get(f"/directorio/verificar/reportes/{report.pk}/").status_code == 404
    token = fake_reports.report_token(report)
    assert client.get(f"/directorio/verificar/reportes/{token}x/").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("cuenta", "", "Pegue la dirección de la cuenta que quiere reportar."),
        ("cuenta", "hola que tal", "No reconocemos"),
        ("evidencia", "javascript:alert(1)", "Escriba un enlace completo"),
        ("evidencia", "ftp://example.pe/x", "Escriba un enlace completo"),
        ("descripcion", "falsa", "Escriba al menos 10 caracteres."),
        ("descripcion", "x" * 2001, "Escriba como máximo 2000 caracteres."),
        ("correo", "no-es-correo", "Escriba un correo válido"),
        ("sitio_web", "http://spam.example", "No se pudo enviar el reporte."),
    ],
)
def test_bad_input_is_a_spanish_400_and_saves_nothing(
    client: Client, entities: dict[str, Entity], field: str, value: str, error: str
) -> None:
    response = client.post(REPORT, _form(**{field: value}))
    assert response.status_code == 400
    assert error in _html(response)
    assert not FakeAccountReport.objects.exists()


def test_the_sixth_report_in_an_hour_is_a_spanish_429(
    client: Client, entities: dict[str, Entity]
) -> None:
    for number in range(fake_reports.LIMIT_PER_HOUR):
        assert client.post(REPORT, _form(cuenta=f"@falsa_{number}")).status_code == 302
    response = client.post(REPORT, _form(cuenta="@otra_falsa"))
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    html = _html(response)
    assert "Demasiados reportes en poco tiempo" in html
    assert "espere una hora" in html
    assert FakeAccountReport.objects.count() == fake_reports.LIMIT_PER_HOUR


def test_the_throttle_counts_the_real_client_behind_the_proxy(
    client: Client, settings: Any, entities: dict[str, Entity]
) -> None:
    """A different X-Forwarded-For sent by the client itself does not reset the count."""
    settings.AGORA_TRUSTED_PROXIES = 1
    for number in range(fake_reports.LIMIT_PER_HOUR + 1):
        response = client.post(
            REPORT,
            _form(cuenta=f"@falsa_{number}"),
            HTTP_X_FORWARDED_FOR=f"10.0.0.{number}, 203.0.113.7",
        )
    assert response.status_code == 429


def test_the_form_needs_the_csrf_token(entities: dict[str, Entity]) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(REPORT, _form())
    assert response.status_code == 403
    assert not FakeAccountReport.objects.exists()


# --- deciding ------------------------------------------------------------------------------------


def test_rector_confirms_with_a_public_reason_and_it_is_audited(
    rector: User, entities: dict[str, Entity]
) -> None:
    report = _submit()
    fake_reports.fake_report_decide(actor=rector, report=report, decision="en_revision", reason="")
    report.refresh_from_db()
    assert report.status == FakeReportStatus.EN_REVISION
    fake_reports.fake_report_decide(
        actor=rector,
        report=report,
        decision="confirmar",
        reason="No pertenece al MINSA; pide datos personales.",
    )
    report.refresh_from_db()
    assert report.status == FakeReportStatus.CONFIRMADA
    assert report.decided_by == rector
    assert report.decided_at is not None
    verbs = list(AuditEvent.objects.filter(object_id=str(report.pk)).values_list("verb", flat=True))
    assert "cuenta_falsa.en_revision" in verbs
    assert "cuenta_falsa.confirmada_falsa" in verbs


def test_a_final_decision_needs_a_reason(rector: User, entities: dict[str, Entity]) -> None:
    report = _submit()
    for decision in ["confirmar", "descartar"]:
        with pytest.raises(DomainError, match="motivo"):
            fake_reports.fake_report_decide(
                actor=rector, report=report, decision=decision, reason="  "
            )
    report.refresh_from_db()
    assert report.status == FakeReportStatus.RECIBIDO


def test_a_decided_report_is_final(rector: User, entities: dict[str, Entity]) -> None:
    report = _submit()
    fake_reports.fake_report_decide(
        actor=rector, report=report, decision="descartar", reason="Es una cuenta de humor."
    )
    with pytest.raises(DomainError, match="ya fue decidido"):
        fake_reports.fake_report_decide(
            actor=rector, report=report, decision="confirmar", reason="Cambio de opinión."
        )


def test_a_share_link_is_confirmed_only_with_the_profile_address(
    rector: User, entities: dict[str, Entity]
) -> None:
    report = _submit(reported="https://www.facebook.com/share/p/1AbCdEf/", entity_text="")
    with pytest.raises(DomainError, match="indique la dirección de su perfil"):
        fake_reports.fake_report_decide(
            actor=rector, report=report, decision="confirmar", reason="Suplanta al MINSA."
        )
    fake_reports.fake_report_decide(
        actor=rector,
        report=report,
        decision="confirmar",
        reason="Suplanta al MINSA.",
        profile_url="https://m.facebook.com/minsa.salud.gob/",
        entity_text="minsa",
    )
    report.refresh_from_db()
    assert (report.platform, report.handle_key) == (Platform.FACEBOOK, "minsa.salud.gob")
    assert report.entity == entities["minsa"]


def test_confirming_closes_the_other_open_reports_of_the_same_account(
    rector: User, entities: dict[str, Entity]
) -> None:
    first = _submit()
    second = _submit(client_address="198.51.100.9", entity_text="")
    other = _submit(reported="@otra_cuenta")
    fake_reports.fake_report_decide(
        actor=rector, report=first, decision="confirmar", reason="Suplanta al MINSA."
    )
    second.refresh_from_db()
    other.refresh_from_db()
    assert second.status == FakeReportStatus.CONFIRMADA
    assert second.entity == entities["minsa"]
    assert other.status == FakeReportStatus.RECIBIDO
    assert AuditEvent.objects.filter(
        verb="cuenta_falsa.confirmada_falsa", object_id=str(second.pk)
    ).exists()


@pytest.mark.parametrize("role", ["anonymous", "citizen", "communicator", "manager"])
def test_only_rector_staff_decide(
    role: str,
    make_user: Callable[..., User],
    communicator: User,
    manager: User,
    entities: dict[str, Entity],
) -> None:
    actor = {
        "anonymous": None,
        "citizen": make_user("vecino"),
        "communicator": communicator,
        "manager": manager,
    }[role]
    report = _submit()
    with pytest.raises(PermissionDeniedError):
        fake_reports.fake_report_decide(
            actor=actor, report=report, decision="confirmar", reason="Suplanta al MINSA."
        )
    report.refresh_from_db()
    assert report.status == FakeReportStatus.RECIBIDO


def test_an_account_verified_since_cannot_be_confirmed_as_fake(
    rector: User, verified_account: SocialAccount
) -> None:
    report = _submit(reported="https://x.com/Minsa_Peru_")
    report.handle_key = "minsa_peru"
    report.platform = Platform.X
    report.save()
    with pytest.raises(DomainError, match="está verificada"):
        fake_reports.fake_report_decide(
            actor=rector, report=report, decision="confirmar", reason="Suplanta al MINSA."
        )


# --- the queue: who may see it ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["citizen", "communicator", "manager"])
def test_the_queue_is_refused_to_everyone_but_rector_staff(
    client: Client,
    role: str,
    make_user: Callable[..., User],
    communicator: User,
    manager: User,
    entities: dict[str, Entity],
) -> None:
    report = _submit()
    user = {"citizen": make_user("vecino"), "communicator": communicator, "manager": manager}[role]
    login(client, user)
    assert client.get(QUEUE).status_code == 403
    response = client.post(
        QUEUE, {"report": report.pk, "decision": "confirmar", "reason": "Suplanta al MINSA."}
    )
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == FakeReportStatus.RECIBIDO


def test_the_queue_sends_anonymous_visitors_to_sign_in(
    client: Client, entities: dict[str, Entity]
) -> None:
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert "/cuenta/ingresar/" in response["Location"] or "login" in response["Location"]


def test_rector_staff_see_the_queue_with_the_private_details_and_decide(
    client: Client, rector: User, verified_account: SocialAccount
) -> None:
    report = _submit()
    login(client, rector)
    home = _html(client.get("/equipo/"))
    assert "1 reporte de cuenta falsa por decidir" in home
    assert QUEUE in home
    html = _html(client.get(QUEUE))
    assert SECRET_DESCRIPTION in html
    assert SECRET_EMAIL in html
    assert "Se parece a cuentas oficiales de:" in html
    response = client.post(
        QUEUE,
        {
            "report": report.pk,
            "decision": "confirmar",
            "reason": "No pertenece al MINSA: pide datos personales.",
            "entity": "minsa",
            "profile_url": "",
        },
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == FakeReportStatus.CONFIRMADA
    html = _html(client.get(QUEUE))
    assert "Decisión registrada para el reporte n.º" in html
    assert "No hay reportes pendientes." in html


@pytest.mark.parametrize(
    "data",
    [
        {"report": "abc", "decision": "confirmar", "reason": "x" * 20},
        {"report": "99999999999999999999", "decision": "confirmar", "reason": "x" * 20},
        {"report": "1", "decision": "borrar", "reason": "x" * 20},
    ],
)
def test_bad_decisions_change_nothing_and_never_500(
    client: Client, rector: User, entities: dict[str, Entity], data: dict[str, str]
) -> None:
    report = _submit()
    login(client, rector)
    response = client.post(QUEUE, data)
    assert response.status_code in (302, 404)
    report.refresh_from_db()
    assert report.status == FakeReportStatus.RECIBIDO


def test_a_refused_decision_is_explained(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    report = _submit()
    login(client, rector)
    client.post(QUEUE, {"report": report.pk, "decision": "confirmar", "reason": ""})
    html = _html(client.get(QUEUE))
    assert "Escriba el motivo de la decisión" in html


# --- what is public -------------------------------------------------------------------------------


def test_the_public_list_shows_decided_reports_and_never_private_details(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    confirmed = _submit()
    dismissed = _submit(reported="@cuenta_de_humor", client_address="198.51.100.9")
    pending = _submit(reported="@todavia_abierta", client_address="198.51.100.10")
    fake_reports.fake_report_decide(
        actor=rector, report=confirmed, decision="confirmar", reason="Pide datos personales."
    )
    fake_reports.fake_report_decide(
        actor=rector, report=dismissed, decision="descartar", reason="Es una cuenta de humor."
    )
    html = _html(client.get(PUBLIC))
    assert "Facebook @minsa.peru-oficial" in html
    assert "Confirmada falsa" in html
    assert "Pide datos personales." in html
    assert "Ministerio de Salud" in html
    assert "@cuenta_de_humor" in html
    assert "Descartada" in html
    assert "@todavia_abierta" not in html
    assert SECRET_DESCRIPTION not in html
    assert SECRET_EMAIL not in html
    assert pending.status == FakeReportStatus.RECIBIDO


def test_the_public_list_is_linked_from_the_look_up_page(client: Client, db: None) -> None:
    html = _html(client.get("/directorio/verificar/"))
    assert PUBLIC in html
    assert REPORT in html


def test_the_look_up_of_a_confirmed_fake_says_so(
    client: Client, rector: User, verified_account: SocialAccount
) -> None:
    report = _submit()
    fake_reports.fake_report_decide(
        actor=rector, report=report, decision="confirmar", reason="Pide datos personales."
    )
    result = selectors.account_lookup(query="https://m.facebook.com/minsa.peru-oficial/")
    assert result.outcome == "falsa"
    assert result.fake_report == report
    message = selectors.lookup_message(result)
    assert message.startswith("Esta cuenta fue reportada y confirmada como falsa el ")
    assert "Suplanta a Ministerio de Salud." in message
    html = _html(client.get("/directorio/verificar/", {"q": "facebook.com/minsa.peru-oficial"}))
    assert "Cuenta falsa confirmada" in html
    assert "Esta cuenta fue reportada y confirmada como falsa el" in html
    # A dismissed report says nothing of the kind.
    other = _submit(reported="@cuenta_de_humor", client_address="198.51.100.9")
    fake_reports.fake_report_decide(
        actor=rector, report=other, decision="descartar", reason="Es una cuenta de humor."
    )
    assert selectors.account_lookup(query="@cuenta_de_humor").outcome == "no_registrada"


def test_the_api_look_up_reports_a_confirmed_fake(
    client: Client, rector: User, verified_account: SocialAccount
) -> None:
    report = _submit()
    fake_reports.fake_report_decide(
        actor=rector, report=report, decision="confirmar", reason="Pide datos personales."
    )
    data = client.get("/api/v1/accounts/lookup/", {"q": "facebook.com/minsa.peru-oficial"}).json()
    assert data["outcome"] == "falsa"
    assert data["impersonated"]["code"] == "minsa"


# --- demo data ---------------------------------------------------------------------------------


def test_demo_reports_are_marked_and_loaded_once(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    from agora.directory.demo import fake_reports_create_demo

    assert fake_reports_create_demo(rector=rector) == 2
    assert fake_reports_create_demo(rector=rector) == 0
    assert FakeAccountReport.objects.filter(is_demo=True).count() == 2
    assert all(r.handle.endswith("demo") for r in FakeAccountReport.objects.all())
    html = _html(client.get(PUBLIC))
    assert "minsa.peru.oficial.demo" in html
    assert "minedu_pe_demo" not in html  # still open: not public
    result = selectors.account_lookup(query="facebook.com/minsa.peru.oficial.demo")
    assert result.outcome == "falsa"


def test_entity_page_and_directory_link_to_the_report_form(
    client: Client, entities: dict[str, Entity]
) -> None:
    html = _html(client.get("/directorio/minsa/"))
    assert f"{REPORT}?entidad=minsa" in html
    assert REPORT in _html(client.get("/directorio/"))
    form = _html(client.get(f"{REPORT}?entidad=minsa"))
    assert 'value="Ministerio de Salud"' in form


def test_the_admin_lists_reports_read_only(
    client: Client, make_user: Callable[..., User], entities: dict[str, Entity]
) -> None:
    report = _submit()
    admin = make_user("admin", is_superuser=True, is_staff=True, totp=True)
    login(client, admin)
    assert client.get("/admin/directory/fakeaccountreport/").status_code == 200
    assert client.get("/admin/directory/fakeaccountreport/add/").status_code == 403
    client.post(f"/admin/directory/fakeaccountreport/{report.pk}/delete/", {"post": "yes"})
    assert FakeAccountReport.objects.filter(pk=report.pk).exists()


@pytest.mark.parametrize("role", ["anonymous", "citizen", "communicator", "manager", "rector"])
def test_everyone_may_report_and_read_the_public_list(
    client: Client,
    role: str,
    make_user: Callable[..., User],
    communicator: User,
    manager: User,
    rector: User,
) -> None:
    user = {
        "anonymous": None,
        "citizen": make_user("vecino"),
        "communicator": communicator,
        "manager": manager,
        "rector": rector,
    }[role]
    if user is not None:
        login(client, user)
    assert client.get(REPORT).status_code == 200
    assert client.get(PUBLIC).status_code == 200
    response = client.post(REPORT, _form())
    assert response.status_code == 302
    report = FakeAccountReport.objects.get()
    assert report.reporter == user


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("minsa", "minsa"),
        ("MINSA", "minsa"),
        ("Ministerio de Salud", "minsa"),
        ("ministerio de salud", "minsa"),
        ("Ministerio de Educacion", "minedu"),
        ("Jurado Nacional", "jne"),
        ("Ministerio", None),
        ("nada que ver", None),
        ("", None),
    ],
)
def test_the_entity_typed_is_found_only_when_one_fits(
    entities: dict[str, Entity], text: str, code: str | None
) -> None:
    entity = fake_reports.entity_resolve(text)
    assert (entity.code if entity else None) == code
