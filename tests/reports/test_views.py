"""Staff report pages and the rector dashboard: who may ask for and read which report (page,
progress fragment, every download, guessed ids), background generation with progress, the
monthly e-mail to managers, and the dashboard's exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from agora.core.models import AuditEvent, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import (
    AlertStatus,
    DeadlineBreach,
    Message,
    QuarantinedEvent,
    ThreatAlert,
)
from agora.reports import services, tasks
from agora.reports.models import ReportRun, RunStatus
from agora.reports.selectors import rector_dashboard
from tests.helpers import login
from tests.reports.conftest import MONDAY, Talk

pytestmark = pytest.mark.django_db
FORMATS = ["pdf", "xlsx", "csv"]


@pytest.fixture
def minsa_run(
    manager: User, entities: dict[str, Entity], minsa_account: SocialAccount, talk: Talk
) -> ReportRun:
    talk(minsa_account, at=MONDAY, answer_after=timedelta(hours=1))
    run = services.report_run_request(
        actor=manager, entity=entities["minsa"], start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    tasks.run_report(run.pk)
    run.refresh_from_db()
    return run


def test_manager_asks_for_a_report_and_it_is_generated_in_the_background(
    client: Client,
    manager: User,
    minsa_account: SocialAccount,
    talk: Talk,
    django_capture_on_commit_callbacks: Callable[..., Any],
    dispatched: list[int],
) -> None:
    from agora.core.models import OutboxTask

    talk(minsa_account, at=MONDAY)
    login(client, manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/informes/", {"entidad": "minsa", "desde": "2026-03-01", "hasta": "2026-03-31"}
        )
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/informes/{run.pk}/"
    queued = OutboxTask.objects.get(func="agora.reports.tasks.run_report")
    assert queued.args == [run.pk] and dispatched == [queued.pk]
    assert AuditEvent.objects.filter(verb="informe.pedido").count() == 1
    pending = client.get(f"/informes/{run.pk}/estado/", HTTP_HX_REQUEST="true")
    assert 'hx-get="/informes/' in pending.content.decode() and "HX-Refresh" not in pending
    assert tasks.run_report(run.pk) == RunStatus.LISTO
    run.refresh_from_db()
    assert run.progress == 100 and run.pdf and run.data
    done = client.get(f"/informes/{run.pk}/estado/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    page = client.get(f"/informes/{run.pk}/").content.decode()
    assert "Mensajes recibidos por plataforma" in page and "<svg" in page and "<desc" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"entidad": "minsa", "desde": "2026-03-31", "hasta": "2026-03-01"},
            "anterior a la inicial",
        ),
        ({"entidad": "minsa", "desde": "2024-01-01", "hasta": "2026-03-01"}, "no puede pasar"),
        ({"entidad": "minsa", "desde": "ayer", "hasta": "2026-03-01"}, "fecha válida"),
    ],
)
def test_bad_request_is_refused_in_spanish_and_writes_nothing(
    client: Client, manager: User, data: dict[str, str], message: str
) -> None:
    login(client, manager)
    response = client.post("/informes/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ReportRun.objects.exists()


def test_entity_staff_cannot_ask_for_another_entitys_report(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    login(client, manager)
    response = client.post(
        "/informes/", {"entidad": "sunat", "desde": "2026-03-01", "hasta": "2026-03-31"}
    )
    assert response.status_code == 400
    assert not ReportRun.objects.exists()
    with pytest.raises(services.PermissionDeniedError):
        services.report_run_request(
            actor=manager, entity=entities["sunat"], start=date(2026, 3, 1), end=date(2026, 3, 31)
        )
    assert not ReportRun.objects.exists()


def test_entity_staff_cannot_read_another_entitys_report_by_any_path(
    client: Client, minsa_run: ReportRun, other_manager: User
) -> None:
    login(client, other_manager)
    paths = [
        f"/informes/{minsa_run.pk}/",
        f"/informes/{minsa_run.pk}/estado/",
        *[f"/informes/{minsa_run.pk}/descargar.{fmt}" for fmt in FORMATS],
        f"/informes/{minsa_run.pk + 1}/",  # a guessed id that does not exist: same answer
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
    listing = client.get("/informes/").content.decode()
    assert "Ministerio de Salud" not in listing


def test_same_entity_staff_and_rector_download_every_format(
    client: Client, minsa_run: ReportRun, communicator: User, rector: User
) -> None:
    for user in (communicator, rector):
        login(client, user)
        for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"\xef\xbb\xbf")):
            response = client.get(f"/informes/{minsa_run.pk}/descargar.{fmt}")
            assert response.status_code == 200, (user, fmt)
            assert response.content.startswith(magic)
            assert "attachment" in response["Content-Disposition"]
        assert client.get(f"/informes/{minsa_run.pk}/descargar.doc").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, minsa_run: ReportRun) -> None:
    for path in ["/informes/", f"/informes/{minsa_run.pk}/", "/informes/tablero/"]:
        response = client.get(path)
        assert response.status_code == 302 and "/cuenta/ingresar/" in response["Location"]


def test_unfinished_report_has_no_downloads(
    client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    run = ReportRun.objects.create(
        entity=entities["minsa"], start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    login(client, manager)
    assert client.get(f"/informes/{run.pk}/descargar.csv").status_code == 404


def test_monthly_reports_are_emailed_to_managers_with_the_pdf(
    manager: User, minsa_account: SocialAccount, talk: Talk, django_capture_on_commit_callbacks: Any
) -> None:
    manager.email = "gestor@minsa.gob.pe"
    manager.save()
    talk(minsa_account, at=MONDAY)
    # One task per entity, run once the job's transaction commits (test_monthly_split.py).
    with django_capture_on_commit_callbacks(execute=True):
        assert services.monthly_reports_send(start=date(2026, 3, 1), end=date(2026, 3, 31)) == 1
    (message,) = mail.outbox
    assert message.to == ["gestor@minsa.gob.pe"]
    assert message.subject == "Informe de Ministerio de Salud: marzo de 2026"
    assert message.body.startswith("En marzo de 2026 las cuentas oficiales de la entidad")
    _name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    assert ReportRun.objects.get().scheduled


def test_monthly_schedule_is_registered() -> None:
    from django_q.models import Schedule

    tasks.schedules_ensure()
    assert Schedule.objects.filter(
        name="informes-mensuales", schedule_type=Schedule.MONTHLY
    ).exists()
    assert Schedule.objects.filter(name="informes-resumenes").exists()


def test_dashboard_is_for_rector_staff_only(client: Client, manager: User, rector: User) -> None:
    login(client, manager)
    assert client.get("/informes/tablero/").status_code == 403
    assert client.get("/informes/tablero/descargar.csv").status_code == 403
    login(client, rector)
    assert client.get("/informes/tablero/").status_code == 200


def test_dashboard_lists_inactive_accounts_breaches_and_quarantine_and_exports(
    client: Client,
    rector: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    talk: Talk,
) -> None:
    talk(sunat_account, at=timezone.now() - timedelta(hours=2))  # SUNAT is active
    QuarantinedEvent.objects.create(
        platform="facebook", object_id="999", reason="Página desconocida", payload={"x": 1}
    )
    login(client, rector)
    page = client.get("/informes/tablero/").content.decode()
    assert "@minsaperu" in page and "@sunatperu" not in page
    assert "999" in page
    response = client.get("/informes/tablero/descargar.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(r["concepto"] == "Ministerio de Salud" for r in rows)
    xlsx = client.get("/informes/tablero/descargar.xlsx")
    assert load_workbook(io.BytesIO(xlsx.content)).sheetnames == [
        "Resumen",
        "Cuentas sin actividad",
        "Plazos incumplidos",
        "Alertas de amenaza",
        "Webhooks en cuarentena",
        "Publicaciones por entidad",
        "Lineamientos por entidad",
    ]


def test_a_failed_run_says_so_in_spanish_without_the_traceback(
    client: Client, manager: User, entities: dict[str, Entity], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("secreto interno")

    monkeypatch.setattr(services, "report_data", broken)
    run = ReportRun.objects.create(
        entity=entities["minsa"], start=date(2026, 3, 1), end=date(2026, 3, 31)
    )
    assert tasks.run_report(run.pk) == RunStatus.FALLIDO
    login(client, manager)
    page = client.get(f"/informes/{run.pk}/").content.decode()
    assert "Error interno al generar el informe" in page
    assert "secreto interno" not in page


def test_dashboard_ranks_breaches_and_lists_only_open_threats(
    client: Client,
    rector: User,
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    talk: Talk,
) -> None:
    """Entities by breaches of the last 30 days (older ones left out), and the threat alerts
    still open (handled ones left out), in the page and in each export."""
    now = timezone.now()
    minsa_conv = talk(minsa_account, at=now - timedelta(hours=3), author_id="a")
    sunat_conv = talk(sunat_account, at=now - timedelta(hours=3), author_id="b")
    old_conv = talk(sunat_account, at=now - timedelta(hours=2), author_id="c")
    for conv, kind in ((minsa_conv, "primera"), (minsa_conv, "siguiente"), (sunat_conv, "primera")):
        DeadlineBreach.objects.create(
            conversation=conv, entity=conv.entity, kind=kind, due_at=now - timedelta(hours=1)
        )
    stale = DeadlineBreach.objects.create(
        conversation=old_conv, entity=old_conv.entity, kind="siguiente", due_at=now
    )
    DeadlineBreach.objects.filter(pk=stale.pk).update(detected_at=now - timedelta(days=40))
    open_alert = ThreatAlert.objects.create(
        entity=minsa_conv.entity,
        conversation=minsa_conv,
        message=Message.objects.filter(conversation=minsa_conv).get(),
    )
    ThreatAlert.objects.create(
        entity=sunat_conv.entity,
        conversation=sunat_conv,
        message=Message.objects.filter(conversation=sunat_conv).get(),
        status=AlertStatus.ATENDIDA,
    )
    board = rector_dashboard(rector)
    assert [(b["code"], b["count"]) for b in board.breaches] == [("minsa", 2), ("sunat", 1)]
    assert [t["conversation"] for t in board.threats] == [open_alert.conversation_id]
    login(client, rector)
    page = client.get("/informes/tablero/").content.decode()
    assert "Alertas de amenaza abiertas" in page and "Ministerio de Salud" in page
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/informes/tablero/descargar.csv").content.decode("utf-8-sig"))
        )
    )
    breaches = {
        (r["concepto"], r["valor"])
        for r in rows
        if r["tabla"].startswith("Entidades con más plazos")
    }
    assert breaches == {
        ("Ministerio de Salud", "2"),
        ("Superintendencia Nacional de Aduanas y de Administración Tributaria", "1"),
    }
