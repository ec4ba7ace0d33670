"""Prometheus metrics (/metricas/) and what the rector's dashboard shows of the background
work (issue 16)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agora.core.models import AuditEvent, OutboxTask, User
from agora.core.outbox import MAX_ATTEMPTS
from agora.directory.models import SocialAccount
from agora.inbox import services
from agora.reports.models import DailyRollup, ReportRun, RunStatus
from agora.reports.rollups import rollups_drift, rollups_rebuild
from tests.helpers import login
from tests.reports.conftest import event

pytestmark = pytest.mark.django_db
TOKEN = "prueba-de-metricas-123"


@pytest.fixture
def scrape(client: Client, settings: Any) -> Any:
    settings.AGORA_METRICS_TOKEN = TOKEN

    def get() -> str:
        response = client.get("/metricas/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return response.content.decode()

    return get


def _value(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} no está en las métricas")


def test_metrics_exist_only_with_a_token_and_ask_for_it(client: Client, settings: Any) -> None:
    settings.AGORA_METRICS_TOKEN = ""
    assert client.get("/metricas/").status_code == 404
    settings.AGORA_METRICS_TOKEN = TOKEN
    refused = client.get("/metricas/", HTTP_AUTHORIZATION="Bearer otro")
    assert refused.status_code == 401
    assert "token de métricas" in refused.content.decode()
    assert client.get("/metricas/").status_code == 401


def test_metrics_count_requests_and_webhook_outcomes(client: Client, scrape: Any) -> None:
    before = scrape()
    client.post(
        "/webhooks/meta/",
        data=json.dumps({"object": "page", "entry": []}),
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
    )
    after = scrape()
    assert 'agora_http_requests_total{method="GET",status="2xx"}' in after
    refused = 'agora_webhooks_total{outcome="firma_invalida",platform="meta"}'
    assert refused in after
    counted = next(ln for ln in after.splitlines() if ln.startswith(refused))
    earlier = [ln for ln in before.splitlines() if ln.startswith(refused)]
    previous = float(earlier[0].split()[1]) if earlier else 0.0
    assert float(counted.split()[1]) == previous + 1


def test_metrics_show_unfinished_work(
    scrape: Any, minsa_account: SocialAccount, dispatched: list[int]
) -> None:
    from agora.core import outbox

    text = scrape()
    for name in (
        "agora_queue_tasks",
        "agora_outbox_pending",
        "agora_outbox_failed",
        "agora_outbox_oldest_seconds",
        "agora_unclassified_messages",
        "agora_sends_stuck",
        "agora_rollup_drift",
    ):
        assert _value(text, name) == 0, name
    # Three citizen messages with no model to classify them, received ten minutes ago.
    now = timezone.now()
    services.messages_ingest(
        batch=[event(minsa_account, thread=f"m-{i}", sent_at=now) for i in range(3)], now=now
    )
    from agora.inbox.models import Message

    Message.objects.update(received_at=now - timedelta(minutes=10))
    pk = outbox.enqueue_on_commit("agora.reports.tasks.run_report", 999_999)
    OutboxTask.objects.filter(pk=pk).update(created_at=now - timedelta(minutes=3))
    text = scrape()
    assert _value(text, "agora_unclassified_messages") == 3
    assert _value(text, "agora_outbox_pending") == 1
    assert _value(text, "agora_outbox_oldest_seconds") >= 180
    assert _value(text, "agora_rollup_drift") == 0


def test_rollup_drift_shows_a_lost_update_until_a_rebuild(minsa_account: SocialAccount) -> None:
    now = timezone.now()
    services.messages_ingest(
        batch=[event(minsa_account, thread=f"d-{i}", sent_at=now) for i in range(4)], now=now
    )
    assert rollups_drift() == 0
    DailyRollup.objects.update(received=1)  # three messages were never counted
    assert rollups_drift() == 3
    rollups_rebuild()
    assert rollups_drift() == 0


def test_the_rector_sees_background_work_and_retries_what_failed(
    client: Client, rector: User, manager: User, dispatched: list[int]
) -> None:
    from agora.core import outbox

    login(client, rector)
    page = client.get("/informes/tablero/").content.decode()
    assert "Trabajo en segundo plano" in page and "Todo al día" in page
    pk = outbox.enqueue_on_commit("agora.reports.tasks.run_report", 1)
    OutboxTask.objects.filter(pk=pk).update(
        failed=True, attempts=MAX_ATTEMPTS, last_error="RuntimeError: caída"
    )
    page = client.get("/informes/tablero/").content.decode()
    assert "Todo al día" not in page
    assert "agora.reports.tasks.run_report" in page
    assert "Reintentar las tareas fallidas" in page
    login(client, manager)
    assert client.post("/informes/tablero/reintentar/").status_code == 403
    assert OutboxTask.objects.get(pk=pk).failed
    login(client, rector)
    response = client.post("/informes/tablero/reintentar/", follow=True)
    assert "1 tarea(s) fallida(s) se intentarán de nuevo." in response.content.decode()
    row = OutboxTask.objects.get(pk=pk)
    assert not row.failed and row.attempts == 0
    assert AuditEvent.objects.filter(verb="tareas.reintentadas", actor=rector).exists()


def test_a_report_lost_with_its_worker_is_built_again_or_given_up(
    manager: User, minsa_account: SocialAccount, django_capture_on_commit_callbacks: Any
) -> None:
    from agora.reports import tasks

    now = timezone.now()
    day = timezone.localdate()
    lost = ReportRun.objects.create(
        entity=minsa_account.entity,
        requested_by=manager,
        start=day - timedelta(days=7),
        end=day,
        status=RunStatus.EN_CURSO,
        progress=40,
    )
    old = ReportRun.objects.create(
        entity=minsa_account.entity,
        requested_by=manager,
        start=day - timedelta(days=7),
        end=day,
        status=RunStatus.PENDIENTE,
    )
    fresh = ReportRun.objects.create(
        entity=minsa_account.entity,
        requested_by=manager,
        start=day - timedelta(days=7),
        end=day,
        status=RunStatus.EN_CURSO,
    )
    ReportRun.objects.filter(pk=lost.pk).update(created_at=now - timedelta(minutes=20))
    ReportRun.objects.filter(pk=old.pk).update(created_at=now - timedelta(hours=4))
    # The outbox runs at once in tests: the lost run is built.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.runs_recover(now=now) == {"de_nuevo": 1, "fallidos": 1}
    lost.refresh_from_db()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert lost.status == RunStatus.LISTO
    assert old.status == RunStatus.FALLIDO and "Vuelva a pedirlo" in old.error
    assert fresh.status == RunStatus.EN_CURSO  # its worker may still be on it
