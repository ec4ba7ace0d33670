"""The national monthly-reports job is split per entity (issue 16, point 5): it only queues one
small task per entity, each mails its report at most once, a failing entity does not hold the
others back, and running the job or a task again mails nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from agora.core import outbox
from agora.core.models import OutboxTask, User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.reports import monthly, services
from agora.reports.models import DeliveryStatus, MonthlyReportDelivery, ReportRun
from tests.reports.conftest import Talk

pytestmark = pytest.mark.django_db
START, END = date(2026, 3, 1), date(2026, 3, 31)


@pytest.fixture
def managers(
    manager: User, make_user: Callable[..., User], entities: dict[str, Entity]
) -> dict[str, User]:
    manager.email = "gestor@minsa.gob.pe"
    manager.save()
    other = make_user("gestor-sunat")
    other.email = "gestor@sunat.gob.pe"
    other.save()
    Membership.objects.create(user=other, entity=entities["sunat"], role=MembershipRole.GESTOR)
    return {"minsa": manager, "sunat": other}


@pytest.fixture
def two_entities_wrote(
    talk: Talk, minsa_account: SocialAccount, sunat_account: SocialAccount
) -> None:
    talk(minsa_account)
    talk(sunat_account)


def _sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_the_job_queues_one_task_per_entity_and_each_report_is_mailed_once(
    managers: dict[str, User], two_entities_wrote: None, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly.monthly_reports_fan_out(start=START, end=END) == 2
    assert _sent_to() == ["gestor@minsa.gob.pe", "gestor@sunat.gob.pe"]
    deliveries = list(MonthlyReportDelivery.objects.order_by("entity__code"))
    assert [d.status for d in deliveries] == [DeliveryStatus.ENVIADO] * 2
    assert not OutboxTask.objects.exists()  # every task finished

    # The job again (a second scheduler tick, a retry): nothing queued, nothing mailed.
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly.monthly_reports_fan_out(start=START, end=END) == 0
    # A task delivered twice by the queue: the row is taken, nothing mailed.
    for delivery in deliveries:
        assert monthly.monthly_report_deliver(delivery.pk) == DeliveryStatus.ENVIADO
    assert len(mail.outbox) == 2
    assert ReportRun.objects.filter(scheduled=True).count() == 2


def test_a_failing_entity_does_not_block_the_others_and_is_retried_until_sent(
    managers: dict[str, User],
    two_entities_wrote: None,
    entities: dict[str, Entity],
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = services.report_data

    def broken_for_minsa(*, entity: Entity, **kwargs: Any) -> Any:
        if entity.pk == entities["minsa"].pk:
            raise RuntimeError("datos ilegibles")
        return real(entity=entity, **kwargs)

    monkeypatch.setattr(services, "report_data", broken_for_minsa)
    with django_capture_on_commit_callbacks(execute=True):
        services.monthly_reports_send(start=START, end=END)
    assert len(dispatched) == 2
    for pk in dispatched:
        outbox.outbox_run(pk)
    assert _sent_to() == ["gestor@sunat.gob.pe"]
    failing = MonthlyReportDelivery.objects.get(entity=entities["minsa"])
    assert failing.status == DeliveryStatus.PENDIENTE
    (left,) = OutboxTask.objects.all()
    assert left.args == [failing.pk] and "no se pudo generar" in left.last_error

    monkeypatch.setattr(services, "report_data", real)  # the cause is fixed
    later = timezone.now() + timedelta(hours=2)
    assert outbox.outbox_run(left.pk, now=later) == "hecha"
    assert outbox.outbox_run(left.pk, now=later) == "ya hecha"
    assert _sent_to() == ["gestor@minsa.gob.pe", "gestor@sunat.gob.pe"]


def test_a_mail_that_may_have_gone_out_is_not_sent_again(
    managers: dict[str, User],
    two_entities_wrote: None,
    entities: dict[str, Entity],
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A worker that died between taking the row and finishing: the retry sends nothing."""
    with django_capture_on_commit_callbacks(execute=True):
        monthly.monthly_reports_fan_out(start=START, end=END)
    taken = MonthlyReportDelivery.objects.get(entity=entities["minsa"])
    MonthlyReportDelivery.objects.filter(pk=taken.pk).update(
        status=DeliveryStatus.ENVIANDO, claimed_at=timezone.now()
    )
    assert monthly.monthly_report_deliver(taken.pk) == DeliveryStatus.ENVIANDO
    assert mail.outbox == []


def test_a_mail_server_that_took_nothing_gives_the_row_back_for_the_retry(
    managers: dict[str, User],
    two_entities_wrote: None,
    entities: dict[str, Entity],
    dispatched: list[int],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        monthly.monthly_reports_fan_out(start=START, end=END)
    delivery = MonthlyReportDelivery.objects.get(entity=entities["sunat"])
    monkeypatch.setattr(monthly, "mail_each", lambda *args, **kwargs: [])
    with pytest.raises(monthly.MonthlyReportError):
        monthly.monthly_report_deliver(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDIENTE and delivery.claimed_at is None
    monkeypatch.undo()
    assert monthly.monthly_report_deliver(delivery.pk) == DeliveryStatus.ENVIADO
    assert monthly.monthly_report_deliver(delivery.pk) == DeliveryStatus.ENVIADO
    assert _sent_to() == ["gestor@sunat.gob.pe"]


def test_an_entity_without_managers_is_recorded_and_not_retried(
    manager: User, talk: Talk, minsa_account: SocialAccount, django_capture_on_commit_callbacks: Any
) -> None:
    talk(minsa_account)
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly.monthly_reports_fan_out(start=START, end=END) == 1
    assert mail.outbox == []  # manager.email is empty, and nothing else to do
    assert MonthlyReportDelivery.objects.get().status == DeliveryStatus.SIN_DESTINATARIOS
    assert not OutboxTask.objects.exists()
