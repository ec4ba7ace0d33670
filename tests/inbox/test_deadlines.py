"""Response deadlines end to end: due times after a citizen message, an answer and a new message;
the pause while a conversation waits on the citizen; the periodic checks that mark breaches
(first, next and resolution), notify the right people in the app and by e-mail, and escalate;
and the rule that an entity's policy is never looser than the default (working day included).

A fixed clock (``timezone.now`` patched) puts every step at an exact moment in America/Lima."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from agora.core.calendar import LIMA
from agora.core.models import Notification, User
from agora.directory.models import Entity, SocialAccount
from agora.inbox import services, tasks
from agora.inbox.deadlines import deadlines_for, policy_validate_stricter
from agora.inbox.models import (
    BreachKind,
    Conversation,
    DeadlineBreach,
    ResponsePolicy,
    Status,
)
from agora.reports.selectors import rector_dashboard
from tests.helpers import html, login
from tests.inbox.test_views import admin_client, ingest, minsa_account, sunat_account

__all__ = ["admin_client", "minsa_account", "sunat_account"]  # fixtures shared with test_views

HOUR = 3600


def lima(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LIMA)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Tuesday 11 March 2025, 10:00 in Lima (no holiday that week or the next)."""
    fixed = Clock(lima(2025, 3, 11, 10, 0))
    monkeypatch.setattr(timezone, "now", fixed)
    return fixed


@pytest.fixture
def people(manager: User, communicator: User, other_manager: User, rector: User) -> dict[str, User]:
    for user, address in (
        (manager, "gestor@minsa.gob.pe"),
        (communicator, "comunicadora@minsa.gob.pe"),
        (other_manager, "gestor@sunat.gob.pe"),
        (rector, "rectora@pcm.gob.pe"),
    ):
        user.email = address
        user.save(update_fields=["email"])
    return {"manager": manager, "communicator": communicator, "other": other_manager}


def citizen(account: SocialAccount, clock: Clock, thread: str, at: datetime) -> Conversation:
    clock.now = at
    return ingest(account, thread=thread, sent_at=at)


def answer(account: SocialAccount, clock: Clock, thread: str, at: datetime) -> Conversation:
    """An answer written on the platform by the entity's own account."""
    clock.now = at
    return ingest(account, thread=thread, sent_at=at, author_id=account.platform_id)


def notified(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def mailed() -> list[list[str]]:
    """The recipients of each e-mail sent: one address each (nobody sees the others')."""
    return sorted(list(message.to) for message in mail.outbox)


# --- due times ---------------------------------------------------------------------------------


def test_an_answer_read_before_the_citizen_message_it_answers_counts_as_the_first_response(
    minsa_account: SocialAccount, clock: Clock
) -> None:
    """Platforms do not always deliver in order (X's mentions lag its timeline): the
    entity's reply at 10:30 arrives first, the citizen's 10:00 message after it."""
    conv = answer(minsa_account, clock, "h-desorden", lima(2025, 3, 11, 10, 30))
    assert (conv.status, conv.first_response_at) == (Status.NUEVO, None)
    clock.now = lima(2025, 3, 11, 10, 35)
    conv = ingest(minsa_account, thread="h-desorden", sent_at=lima(2025, 3, 11, 10, 0))
    assert conv.status == Status.RESPONDIDO
    assert conv.first_inbound_at == lima(2025, 3, 11, 10, 0)
    assert conv.first_response_at == lima(2025, 3, 11, 10, 30)
    assert conv.due_at is None and conv.awaiting_since is None
    # A later citizen message starts the next-answer clock as usual.
    conv = citizen(minsa_account, clock, "h-desorden", lima(2025, 3, 11, 11, 0))
    assert conv.status == Status.ABIERTO
    assert conv.first_response_at == lima(2025, 3, 11, 10, 30)
    assert conv.due_at is not None


def test_first_and_next_answer_due_times(minsa_account: SocialAccount, clock: Clock) -> None:
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    # 8 working hours: 7 h 30 on Tuesday, 30 minutes on Wednesday.
    assert conv.due_at == lima(2025, 3, 12, 9, 0)
    # 45 working hours: Tuesday 7.5 + Wed..Mon 4 × 9 + 1.5 on Tuesday 18.
    assert conv.resolution_due_at == lima(2025, 3, 18, 10, 0)

    conv = answer(minsa_account, clock, "h1", lima(2025, 3, 11, 11, 0))
    assert conv.status == Status.RESPONDIDO
    assert conv.first_response_at == lima(2025, 3, 11, 11, 0)
    assert conv.due_at is None
    assert conv.resolution_due_at == lima(2025, 3, 18, 10, 0)

    # A new citizen message on Wednesday at 16:00: 1 h 30 + 6 h 30 on Thursday.
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 12, 16, 0))
    assert conv.status == Status.ABIERTO
    assert conv.due_at == lima(2025, 3, 13, 15, 0)
    assert conv.resolution_due_at == lima(2025, 3, 18, 10, 0)


def test_answer_from_agora_counts_only_once_the_platform_confirms_it(
    minsa_account: SocialAccount, communicator: User, clock: Clock
) -> None:
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    clock.now = lima(2025, 3, 11, 12, 0)
    message = services.message_answer(conversation=conv, author=communicator, body="Hola")
    services.message_send_result(message=message, error="Tiempo de espera agotado")
    conv.refresh_from_db()
    assert conv.due_at == lima(2025, 3, 12, 9, 0) and conv.first_response_at is None
    clock.now = lima(2025, 3, 11, 12, 30)
    services.message_send_result(message=message, platform_id="fb-respuesta-1")
    conv.refresh_from_db()
    assert conv.first_response_at == lima(2025, 3, 11, 12, 30)
    assert conv.due_at is None


def test_waiting_on_the_citizen_pauses_the_clock_and_a_reply_resumes_it(
    minsa_account: SocialAccount, communicator: User, clock: Clock
) -> None:
    citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    conv = answer(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 30))
    clock.now = lima(2025, 3, 11, 11, 0)
    conv = services.conversation_set_status(
        conversation=conv, actor=communicator, status=Status.EN_ESPERA
    )
    assert conv.waiting_since == lima(2025, 3, 11, 11, 0)
    assert conv.due_at is None

    # While it waits, neither check marks anything, however late it gets.
    clock.now = lima(2025, 3, 31, 12, 0)
    assert tasks.deadlines_check() == 0
    assert tasks.resolution_deadlines_check() == 0
    assert not DeadlineBreach.objects.exists()

    # The citizen answers on Thursday at 11:00: 6 h 30 + 9 h + 2 h 30 = 18 working hours of
    # pause push the resolution deadline from Tuesday 18 10:00 to Thursday 20 10:00.
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 13, 11, 0))
    assert conv.status == Status.ABIERTO
    assert conv.waiting_since is None
    assert conv.paused_seconds == 18 * HOUR
    assert conv.resolution_due_at == lima(2025, 3, 20, 10, 0)
    assert conv.due_at == lima(2025, 3, 14, 10, 0)  # next answer: 6 h 30 + 1 h 30


def test_staff_resuming_a_waiting_conversation_counts_the_pause(
    minsa_account: SocialAccount, communicator: User, clock: Clock
) -> None:
    citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    conv = answer(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 30))
    clock.now = lima(2025, 3, 11, 16, 30)
    services.conversation_set_status(conversation=conv, actor=communicator, status="en_espera")
    clock.now = lima(2025, 3, 12, 9, 30)  # 1 h on Tuesday + 1 h on Wednesday
    conv = services.conversation_set_status(
        conversation=conv, actor=communicator, status=Status.ABIERTO
    )
    assert conv.paused_seconds == 2 * HOUR
    assert conv.resolution_due_at == lima(2025, 3, 18, 12, 0)


# --- breaches and notifications -------------------------------------------------------------


def test_missed_first_answer_notifies_assignee_and_managers_only(
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    people: dict[str, User],
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    citizen(sunat_account, clock, "h2", lima(2025, 3, 11, 10, 0))
    services.conversation_assign(
        conversation=conv, actor=people["manager"], assignee=people["communicator"]
    )
    clock.now = lima(2025, 3, 12, 8, 59)
    assert tasks.deadlines_check() == 0  # not due yet (the SUNAT one is not due either)

    clock.now = lima(2025, 3, 12, 9, 1)
    Conversation.objects.filter(account=sunat_account).update(assignee=None, due_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadlines_check() == 1
    breach = DeadlineBreach.objects.get()
    assert breach.conversation == conv
    assert breach.kind == BreachKind.PRIMERA
    assert breach.due_at == lima(2025, 3, 12, 9, 0)
    assert breach.assignee == people["communicator"]
    conv.refresh_from_db()
    assert conv.breached_at == lima(2025, 3, 12, 9, 1)
    # Assigned or not, a missed deadline is escalated to a named person: with no escalation
    # contact set, the entity's manager (agora/inbox/escalation.py).
    assert (conv.escalated_at, conv.escalated_to) == (lima(2025, 3, 12, 9, 1), people["manager"])
    assert conv.priority == "alta" and conv.priority_reason == "plazo"
    assert notified("plazo_vencido") == {"gestor-minsa", "comunicadora-minsa"}
    assert notified("conversacion_escalada") == {"gestor-minsa"}
    assert mailed() == [
        ["comunicadora@minsa.gob.pe"],
        ["gestor@minsa.gob.pe"],
        ["gestor@minsa.gob.pe"],
    ]
    assert "plazo de respuesta" in mail.outbox[0].subject
    assert f"/bandeja/{conv.pk}/" in mail.outbox[0].body

    # The next runs change nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadlines_check() == 0
    assert DeadlineBreach.objects.count() == 1
    assert len(mail.outbox) == 3


def test_missed_next_answer_is_a_new_breach(
    minsa_account: SocialAccount, people: dict[str, User], clock: Clock
) -> None:
    citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    clock.now = lima(2025, 3, 12, 10, 0)
    assert tasks.deadlines_check() == 1
    answer(minsa_account, clock, "h1", lima(2025, 3, 12, 11, 0))
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 12, 16, 0))
    assert conv.breached_at is None  # a new deadline clears the mark of the previous one
    clock.now = lima(2025, 3, 13, 15, 1)
    assert tasks.deadlines_check() == 1
    kinds = list(DeadlineBreach.objects.order_by("due_at").values_list("kind", "due_at"))
    assert kinds == [
        (BreachKind.PRIMERA, lima(2025, 3, 12, 9, 0)),
        (BreachKind.SIGUIENTE, lima(2025, 3, 13, 15, 0)),
    ]


def test_breach_escalates_once_to_a_manager_when_no_contact_is_set(
    client: Client,
    minsa_account: SocialAccount,
    people: dict[str, User],
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    login(client, people["manager"])
    assert "Escalada" not in html(client.get(f"/bandeja/{conv.pk}/"))

    clock.now = lima(2025, 3, 12, 10, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadlines_check() == 1
    conv.refresh_from_db()
    assert conv.escalated_at == lima(2025, 3, 12, 10, 0)
    assert conv.priority == "alta"
    assert notified("conversacion_escalada") == {"gestor-minsa"}  # managers only
    assert notified("plazo_vencido") == {"gestor-minsa"}  # nobody is assigned
    assert mailed() == [["gestor@minsa.gob.pe"], ["gestor@minsa.gob.pe"]]
    assert any("escaló" in message.subject for message in mail.outbox)
    login(client, people["manager"])  # a day later: a fresh session
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert '<strong class="badge badge-escalated">Escalada a gestor-minsa</strong>' in page

    # Missing the next answer too: a new breach notice, but no second escalation.
    answer(minsa_account, clock, "h1", lima(2025, 3, 12, 11, 0))
    citizen(minsa_account, clock, "h1", lima(2025, 3, 12, 16, 0))
    clock.now = lima(2025, 3, 14, 9, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadlines_check() == 1
    conv.refresh_from_db()
    assert conv.escalated_at == lima(2025, 3, 12, 10, 0)
    assert Notification.objects.filter(kind="conversacion_escalada").count() == 1
    # Grouped (issue 13): one row for the conversation, counting both breaches.
    assert Notification.objects.filter(kind="plazo_vencido").get().count == 2
    assert len(mail.outbox) == 3


def test_resolution_deadline_is_marked_once_and_notified(
    minsa_account: SocialAccount,
    people: dict[str, User],
    rector: User,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conv = citizen(minsa_account, clock, "abierta", lima(2025, 3, 11, 10, 0))
    answer(minsa_account, clock, "abierta", lima(2025, 3, 11, 11, 0))
    services.conversation_assign(
        conversation=conv, actor=people["manager"], assignee=people["communicator"]
    )
    closed = citizen(minsa_account, clock, "cerrada", lima(2025, 3, 11, 10, 0))
    answer(minsa_account, clock, "cerrada", lima(2025, 3, 11, 11, 0))
    services.conversation_set_status(conversation=closed, actor=people["manager"], status="cerrado")

    clock.now = lima(2025, 3, 18, 9, 59)
    assert tasks.resolution_deadlines_check() == 0
    clock.now = lima(2025, 3, 18, 10, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resolution_deadlines_check() == 1
        assert tasks.deadlines_check() == 0  # answered: no response deadline is pending
    breach = DeadlineBreach.objects.get()
    assert (breach.conversation, breach.kind) == (conv, BreachKind.RESOLUCION)
    assert breach.due_at == lima(2025, 3, 18, 10, 0)
    assert breach.get_kind_display() == "Resolución"
    assert notified("plazo_vencido") == {"gestor-minsa", "comunicadora-minsa"}
    assert notified("conversacion_escalada") == {"gestor-minsa"}
    assert mailed() == [
        ["comunicadora@minsa.gob.pe"],
        ["gestor@minsa.gob.pe"],
        ["gestor@minsa.gob.pe"],
    ]
    assert "plazo de resolución" in mail.outbox[0].subject

    # Once: later runs, and a pause that moves the deadline, do not mark it again.
    clock.now = lima(2025, 3, 25, 10, 0)
    Conversation.objects.filter(pk=conv.pk).update(
        resolution_due_at=lima(2025, 3, 24, 10, 0), breached_at=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resolution_deadlines_check() == 0
    assert DeadlineBreach.objects.count() == 1
    assert len(mail.outbox) == 3

    # Reports and the rector's board count missed answers, as before: not resolutions.
    assert rector_dashboard(rector).breaches == []


def test_resolution_breach_of_an_unassigned_conversation_escalates(
    minsa_account: SocialAccount, people: dict[str, User], clock: Clock
) -> None:
    citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    conv = answer(minsa_account, clock, "h1", lima(2025, 3, 11, 11, 0))
    assert conv.escalated_at is None
    clock.now = lima(2025, 3, 19, 9, 0)
    assert tasks.resolution_deadlines_check() == 1
    conv.refresh_from_db()
    assert conv.escalated_at == lima(2025, 3, 19, 9, 0)
    # Answered, nothing due: the escalation does not raise the priority by itself.
    assert conv.priority == "normal"
    assert notified("conversacion_escalada") == {"gestor-minsa"}


def test_response_and_resolution_breach_may_share_a_due_time(
    minsa_account: SocialAccount, rector: User, clock: Clock
) -> None:
    ResponsePolicy.objects.create(
        entity=minsa_account.entity,
        first_response_hours=Decimal("8"),
        next_response_hours=Decimal("8"),
        resolution_hours=Decimal("8"),
    )
    conv = citizen(minsa_account, clock, "h1", lima(2025, 3, 11, 10, 0))
    assert conv.due_at == conv.resolution_due_at == lima(2025, 3, 12, 9, 0)
    clock.now = lima(2025, 3, 12, 9, 30)
    assert tasks.deadlines_check() == 1
    assert tasks.resolution_deadlines_check() == 1
    assert set(DeadlineBreach.objects.values_list("kind", flat=True)) == {
        BreachKind.PRIMERA,
        BreachKind.RESOLUCION,
    }
    # The rector's board still counts one missed answer for the entity.
    assert [row["count"] for row in rector_dashboard(rector).breaches] == [1]


def test_schedules_include_the_resolution_check(db: None) -> None:
    from django_q.models import Schedule

    tasks.schedules_ensure()
    tasks.schedules_ensure()
    names = dict(
        Schedule.objects.filter(name__startswith="inbox-plazos").values_list("name", "func")
    )
    assert names == {
        "inbox-plazos": "agora.inbox.tasks.deadlines_check",
        "inbox-plazos-resolucion": "agora.inbox.tasks.resolution_deadlines_check",
    }


# --- never looser than the default ---------------------------------------------------------------


def _candidate(entity: Entity | None, start: time, end: time) -> ResponsePolicy:
    return ResponsePolicy(
        entity=entity,
        first_response_hours=Decimal("8"),
        next_response_hours=Decimal("8"),
        resolution_hours=Decimal("45"),
        workday_start=start,
        workday_end=end,
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [(time(8, 30), time(9, 0)), (time(9, 0), time(19, 0)), (time(7, 0), time(17, 0))],
)
def test_a_narrower_working_day_is_refused(
    entities: dict[str, Entity], start: time, end: time
) -> None:
    with pytest.raises(ValidationError) as caught:
        policy_validate_stricter(policy=_candidate(entities["minsa"], start, end))
    assert "no puede empezar más tarde ni terminar más temprano" in caught.value.messages[0]
    assert "08:30–17:30" in caught.value.messages[0]


@pytest.mark.parametrize(("start", "end"), [(time(8, 30), time(17, 30)), (time(8, 0), time(18, 0))])
def test_the_same_or_a_wider_working_day_is_accepted(
    entities: dict[str, Entity], start: time, end: time
) -> None:
    policy_validate_stricter(policy=_candidate(entities["minsa"], start, end))


def test_the_rule_follows_the_rectors_default_and_checks_its_own_day(
    entities: dict[str, Entity],
) -> None:
    ResponsePolicy.objects.create(entity=None, workday_start=time(8, 0), workday_end=time(17, 0))
    with pytest.raises(ValidationError):
        policy_validate_stricter(policy=_candidate(entities["minsa"], time(8, 30), time(17, 30)))
    policy_validate_stricter(policy=_candidate(entities["minsa"], time(8, 0), time(17, 0)))
    with pytest.raises(ValidationError, match="terminar después de empezar"):
        policy_validate_stricter(policy=_candidate(None, time(17, 0), time(8, 0)))


def test_a_narrow_day_saved_before_the_rule_does_not_stretch_deadlines(
    entities: dict[str, Entity],
) -> None:
    ResponsePolicy.objects.create(
        entity=entities["minsa"], workday_start=time(8, 30), workday_end=time(9, 0)
    )
    tuesday_five = lima(2025, 3, 11, 17, 0)
    assert deadlines_for(entities["minsa"]).first_due(tuesday_five) == lima(2025, 3, 12, 16, 0)
    assert deadlines_for(entities["sunat"]).first_due(tuesday_five) == lima(2025, 3, 12, 16, 0)


def test_a_wider_day_makes_deadlines_earlier(entities: dict[str, Entity]) -> None:
    ResponsePolicy.objects.create(
        entity=entities["minsa"], workday_start=time(8, 0), workday_end=time(18, 0)
    )
    assert deadlines_for(entities["minsa"]).first_due(lima(2025, 3, 11, 17, 0)) == lima(
        2025, 3, 12, 15, 0
    )


def test_admin_refuses_a_narrower_working_day(
    admin_client: Client, entities: dict[str, Entity]
) -> None:
    url = "/admin/inbox/responsepolicy/add/"
    data = {
        "entity": str(entities["minsa"].pk),
        "first_response_hours": "8",
        "next_response_hours": "8",
        "resolution_hours": "45",
        "workday_start": "08:30",
        "workday_end": "09:00",
    }
    narrow = admin_client.post(url, data)
    assert narrow.status_code == 200
    assert "no puede empezar más tarde ni terminar más temprano" in html(narrow)
    assert not ResponsePolicy.objects.exists()
    wider = admin_client.post(url, {**data, "workday_start": "08:00", "workday_end": "18:00"})
    assert wider.status_code == 302
    assert ResponsePolicy.objects.get().workday_end == time(18, 0)
