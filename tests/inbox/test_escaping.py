"""Citizen-written text containing markup is shown as text on every page and in every export
that can carry it (issue #3, bad input): the allies ranking (author names), notifications
(which quote conversation subjects), and the entity report's page, CSV and XLSX."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from agora.core.models import User
from agora.core.notifications import notify
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services
from agora.inbox.models import Message, ThreadKind
from agora.reports import services as report_services
from agora.reports import tasks
from tests.helpers import login, make_verified_account

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'
RAW = ("<script>", "<img src=x")


@pytest.fixture
def minsa_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")


def _ingest(account: SocialAccount, sent_at: datetime, n: int) -> None:
    services.messages_ingest(
        batch=[
            services.IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=ThreadKind.COMMENTS,
                thread_id=f"hilo-{i}",
                message_id=f"m-{i}",
                sent_at=sent_at + timedelta(minutes=i),
                text=f"¿Cuándo abren la posta? {SCRIPT} {IMG} consulta {i}",
                author_id="autor-1",
                author_name=f"Vecina {IMG}",
            )
            for i in range(n)
        ]
    )
    Message.objects.filter(entity=account.entity).update(kind="consulta")


def _assert_text_only(page: str) -> None:
    for raw in RAW:
        assert raw not in page, raw


def test_markup_is_text_in_allies_notifications_and_the_report(
    client: Client, manager: User, minsa_account: SocialAccount
) -> None:
    _ingest(minsa_account, timezone.now() - timedelta(days=2), 3)
    notify(users=[manager], kind="prueba", text=f"Nueva conversación: {SCRIPT}", email=False)
    login(client, manager)

    allies_page = client.get("/lenguaje/aliados/").content.decode()
    assert "Vecina &lt;img" in allies_page
    _assert_text_only(allies_page)

    notifications = client.get("/bandeja/notificaciones/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in notifications
    _assert_text_only(notifications)

    today = timezone.localdate()
    run = report_services.report_run_request(
        actor=manager, entity=minsa_account.entity, start=today - timedelta(days=29), end=today
    )
    tasks.run_report(run.pk)
    report_page = client.get(f"/informes/{run.pk}/").content.decode()
    assert "&lt;script&gt;" in report_page  # the question's example, quoted as text
    _assert_text_only(report_page)
    csv_text = client.get(f"/informes/{run.pk}/descargar.csv").content.decode("utf-8-sig")
    assert SCRIPT in csv_text  # a CSV is data, not a page: the text as written
    workbook = load_workbook(io.BytesIO(client.get(f"/informes/{run.pk}/descargar.xlsx").content))
    cells = [
        str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row
    ]
    assert any(SCRIPT in cell for cell in cells)
    assert not any(cell.startswith("=") for cell in cells)
