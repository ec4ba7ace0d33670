"""Triage (issue 13): priority from written rules with their reasons and the manual override;
the list sorted by due time with keyset pages and countdowns; escalation to a named person
(automatic on a real breach, manual with "Escalar"), audited, notified and scoped per role;
conversation titles with personal data masked outside the thread.

A fixed clock (``timezone.now`` patched, tests/inbox/test_deadlines.py) puts every step at an
exact moment in America/Lima: Tuesday 11 March 2025, 10:00."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox import escalation, moderation, priority, selectors, services, tasks
from agora.inbox.countdown import countdown_html, countdown_text
from agora.inbox.models import (
    Conversation,
    Direction,
    Message,
    ResponsePolicy,
    Status,
    ThreatAlert,
)
from agora.inbox.selectors import ORDER_DUE, ORDER_RECENT, CursorError, InboxFilters
from agora.inbox.titles import conversation_title
from tests.helpers import html, login
from tests.inbox.test_deadlines import Clock, clock, lima
from tests.inbox.test_views import LIST, ingest, listed_ids, minsa_account

__all__ = ["clock", "minsa_account"]  # fixtures shared with the deadline and view tests

HOUR = timedelta(hours=1)
PERSONAL = "Mi DNI es 45678912, mi celular 987 123 456 y mi correo ana.perez@correo.pe, ayuda"


def at(clock: Clock, moment: Any) -> None:
    clock.now = moment


def fresh(conv: Conversation) -> Conversation:
    return Conversation.objects.select_related("escalated_to").get(pk=conv.pk)


@pytest.fixture
def ana(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    """A named official of MINSA, the entity's escalation contact in some tests."""
    user = make_user("ana-perez", first_name="Ana", last_name="Pérez", email="ana@minsa.gob.pe")
    Membership.objects.create(user=user, entity=entities["minsa"], role=MembershipRole.COMUNICADOR)
    return user


# --- priority rules ----------------------------------------------------------------------------


def test_a_new_conversation_far_from_its_deadline_is_normal_with_its_reason(
    minsa_account: SocialAccount, clock: Clock
) -> None:
    conv = fresh(ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0)))
    assert conv.due_at == lima(2025, 3, 12, 9, 0)  # 8 working hours later
    assert (conv.priority, conv.priority_reason) == ("normal", "")
    assert priority.reason_text(conv, now=clock()) == "Normal: ninguna regla aplica"


def test_due_within_the_entitys_working_hours_raises_to_alta_when_the_job_runs(
    minsa_account: SocialAccount, clock: Clock
) -> None:
    """Default N = 2 working hours: due 09:00 the next day is "due soon" from 16:00 (the
    working day ends at 17:30: 1.5 h that day and 0.5 h the next morning)."""
    conv = ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0))
    at(clock, lima(2025, 3, 11, 15, 59))
    tasks.deadlines_check()
    assert fresh(conv).priority == "normal"
    at(clock, lima(2025, 3, 11, 16, 1))
    tasks.deadlines_check()
    conv = fresh(conv)
    assert (conv.priority, conv.priority_reason) == ("alta", "plazo")
    left = priority.working_seconds_left(conv, clock())
    assert left is not None and round(left / 60) == 119
    assert (
        priority.reason_text(conv, now=clock(), working_seconds_left=left)
        == "Alta: vence en 1 h 59 min hábiles"
    )
    # An answer takes the deadline away, and the rule with it.
    ingest(
        minsa_account,
        thread=conv.thread_id,
        sent_at=lima(2025, 3, 11, 16, 5),
        author_id=minsa_account.platform_id,
    )
    conv = fresh(conv)
    assert (conv.due_at, conv.priority, conv.priority_reason) == (None, "normal", "")


def test_the_window_follows_the_entitys_policy(minsa_account: SocialAccount, clock: Clock) -> None:
    ResponsePolicy.objects.create(entity=minsa_account.entity, priority_hours=Decimal("8"))
    conv = fresh(ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0)))
    assert (conv.priority, conv.priority_reason) == ("alta", "plazo")  # due within 8 h


def test_an_overdue_conversation_is_alta_with_plazo_vencido(
    minsa_account: SocialAccount, clock: Clock
) -> None:
    conv = ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0))
    at(clock, lima(2025, 3, 12, 11, 0))
    tasks.deadlines_check()
    conv = fresh(conv)
    assert (conv.priority, conv.priority_reason) == ("alta", "plazo")
    assert priority.reason_text(conv, now=clock()) == "Alta: plazo vencido"


def test_an_open_threat_alert_makes_it_urgente_until_attended(
    minsa_account: SocialAccount, manager: User, clock: Clock
) -> None:
    conv = ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0))
    message = Message.objects.get(conversation=conv, direction=Direction.ENTRANTE)
    moderation.threat_alerts_raise(messages=[message], model_version="prueba")
    conv = fresh(conv)
    assert (conv.priority, conv.priority_reason) == ("urgente", "amenaza")
    assert priority.reason_text(conv, now=clock()) == "Urgente: alerta de amenaza abierta"
    moderation.threat_alert_attend(actor=manager, alert=ThreatAlert.objects.get())
    assert fresh(conv).priority == "normal"


def test_a_citizen_with_three_conversations_in_seven_days_is_alta_on_each_open_one(
    minsa_account: SocialAccount, manager: User, clock: Clock
) -> None:
    first = ingest(minsa_account, author_id="ana", sent_at=lima(2025, 3, 5, 10, 0))
    services.conversation_set_status(conversation=first, actor=manager, status=Status.CERRADO)
    second = ingest(minsa_account, author_id="ana", sent_at=lima(2025, 3, 7, 10, 0))
    other = ingest(minsa_account, author_id="beto", sent_at=lima(2025, 3, 11, 9, 0))
    assert fresh(second).priority_reason == "plazo"  # overdue already: the deadline rule
    ingest(minsa_account, thread=second.thread_id, author_id=minsa_account.platform_id)
    assert fresh(second).priority == "normal"
    third = ingest(minsa_account, author_id="ana", sent_at=lima(2025, 3, 11, 10, 0))
    for conv in (second, third):
        assert (fresh(conv).priority, fresh(conv).priority_reason) == ("alta", "recurrente")
    assert fresh(first).priority == "normal"  # closed
    assert fresh(other).priority == "normal"
    assert "escribió en 3 o más conversaciones en 7 días" in priority.reason_text(
        fresh(third), now=clock()
    )
    # A week later the window has passed: the job gives them back to "normal" (the answered
    # one; the third is overdue by then and stays "alta" for its deadline).
    at(clock, lima(2025, 3, 19, 10, 0))
    tasks.deadlines_check()
    assert (fresh(second).priority, fresh(second).priority_reason) == ("normal", "")
    assert fresh(third).priority_reason == "plazo"


def test_the_repeated_citizen_rule_counts_per_entity_and_platform(
    minsa_account: SocialAccount, clock: Clock
) -> None:
    """The lookup joins the batch's (entity, platform, author) list in one query: the same
    author id on another entity or platform is another person."""
    convs = [
        ingest(minsa_account, author_id="ana", sent_at=lima(2025, 3, day, 10, 0))
        for day in (9, 10, 11)
    ]
    entity, platform = minsa_account.entity_id, minsa_account.platform
    other_entity = Entity.objects.exclude(pk=entity).values_list("pk", flat=True).first()
    assert entity is not None and other_entity is not None
    asked = {(entity, platform, "ana"), (other_entity, platform, "ana"), (entity, "x", "ana")}
    assert priority._repeated_authors(asked, clock()) == {(entity, platform, "ana")}
    assert priority.same_author_ids([convs[0].pk], clock()) == {c.pk for c in convs}
    # Outside the window the author is not counted.
    assert priority._repeated_authors(asked, clock() + timedelta(days=8)) == set()


def test_a_priority_set_by_hand_wins_until_given_back_to_the_rules(
    client: Client, minsa_account: SocialAccount, communicator: User, clock: Clock
) -> None:
    conv = ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0))
    login(client, communicator)
    response = client.post(f"/bandeja/{conv.pk}/prioridad/", {"prioridad": "baja"})
    assert response.status_code == 302
    conv = fresh(conv)
    assert (conv.priority, conv.priority_manual, conv.priority_reason) == ("baja", True, "manual")
    at(clock, lima(2025, 3, 12, 11, 0))
    tasks.deadlines_check()  # overdue, but set by hand
    assert fresh(conv).priority == "baja"
    login(client, communicator)  # a day later: a fresh session
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert "Baja: fijada a mano por el personal" in page
    client.post(f"/bandeja/{conv.pk}/prioridad/", {"prioridad": "auto"})
    conv = fresh(conv)
    assert (conv.priority, conv.priority_manual, conv.priority_reason) == ("alta", False, "plazo")
    assert AuditEvent.objects.filter(verb="conversacion.prioridad_cambiada").count() == 2


def test_the_rules_are_on_the_public_methodology_page(client: Client, db: None) -> None:
    page = html(client.get("/bandeja/metodologia/"))
    assert 'id="prioridad"' in page
    assert "Reglas de prioridad" in page
    assert "alerta sigue abierta" in page
    assert "3 o más conversaciones" in page
    assert "Horas hábiles antes del vencimiento en la política general: 2" in page


# --- order, pages and countdowns ---------------------------------------------------------------


def test_the_list_is_sorted_by_due_time_by_default_undated_last_and_most_recent_on_request(
    client: Client, minsa_account: SocialAccount, communicator: User, manager: User, clock: Clock
) -> None:
    late = ingest(minsa_account, sent_at=lima(2025, 3, 11, 9, 30))  # due 12/03 08:30
    early = ingest(minsa_account, sent_at=lima(2025, 3, 10, 15, 0))  # due 11/03 14:30
    answered = ingest(minsa_account, sent_at=lima(2025, 3, 11, 9, 50))
    ingest(minsa_account, thread=answered.thread_id, author_id=minsa_account.platform_id)
    login(client, communicator)
    response = client.get(LIST)
    assert listed_ids(response) == [early.pk, late.pk, answered.pk]
    page = html(response)
    assert "Más recientes" in page and "Vence antes" in page
    assert listed_ids(client.get(LIST, {"orden": "recientes"})) == [
        answered.pk,
        late.pk,
        early.pk,
    ]
    assert client.get(LIST, {"orden": "al-azar"}).status_code == 400


def test_due_time_pages_cover_every_conversation_once_across_the_undated_ones(
    communicator: User, minsa_account: SocialAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    dated = [ingest(minsa_account) for _ in range(4)]
    undated = [ingest(minsa_account) for _ in range(3)]
    for conv in undated:
        ingest(minsa_account, thread=conv.thread_id, author_id=minsa_account.platform_id)
    # Two share a due time: the id breaks the tie.
    Conversation.objects.filter(pk__in=[dated[1].pk, dated[2].pk]).update(
        due_at=Conversation.objects.get(pk=dated[0].pk).due_at
    )
    seen: list[int] = []
    cursors: list[str] = []
    cursor = ""
    for _ in range(5):
        page, cursor, _counts = selectors.conversations_for_staff(
            user=communicator, filters=InboxFilters(cursor=cursor)
        )
        seen += [c.pk for c in page]
        cursors.append(cursor)
        if not cursor:
            break
    expected_dated = sorted(
        (c.pk for c in dated),
        key=lambda pk: (Conversation.objects.get(pk=pk).due_at, pk),
    )
    expected_undated = sorted((c.pk for c in undated), reverse=True)
    assert seen == expected_dated + expected_undated
    assert cursors[0].startswith("v") and cursors[1].startswith("n")


def test_a_cursor_of_the_other_order_is_refused_in_spanish(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    recent = selectors.cursor_encode(conv, ORDER_RECENT)
    due = selectors.cursor_encode(conv, ORDER_DUE)
    assert due.startswith("v")
    with pytest.raises(CursorError):
        selectors.cursor_decode(due, ORDER_RECENT)
    with pytest.raises(CursorError):
        selectors.cursor_decode(recent, ORDER_DUE)
    login(client, communicator)
    response = client.get(LIST, {"desde": recent})
    assert response.status_code == 400
    assert "El enlace de la página no es válido" in html(response)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (lima(2025, 3, 11, 12, 10), "vence en 2 h 10 min"),
        (lima(2025, 3, 11, 10, 25), "vence en 25 min"),
        (
            lima(
                2025,
                3,
                11,
                10,
                0,
            ),
            "vence en menos de 1 min",
        ),
        (lima(2025, 3, 12, 9, 30), "vence mañana 09:30"),
        (lima(2025, 3, 14, 9, 30), "vence el 14/03 09:30"),
        (lima(2025, 3, 11, 7, 0), "venció hace 3 h"),
        (lima(2025, 3, 11, 9, 35), "venció hace 25 min"),
        (lima(2025, 3, 8, 9, 0), "venció hace 3 días"),
    ],
)
def test_countdown_words_in_lima_time(due: Any, expected: str) -> None:
    assert countdown_text(due, lima(2025, 3, 11, 10, 0)) == expected


def test_countdown_is_a_time_element_with_its_moment_and_a_class_for_overdue() -> None:
    now = lima(2025, 3, 11, 10, 0)
    pending = str(countdown_html(lima(2025, 3, 11, 12, 10), now))
    assert pending.startswith('<time class="countdown countdown-pending" ')
    assert 'datetime="2025-03-11T12:10:00-05:00"' in pending
    assert ">vence en 2 h 10 min</time>" in pending
    assert "countdown-overdue" in str(countdown_html(lima(2025, 3, 11, 9, 0), now))
    assert str(countdown_html(None, now)) == ""


def test_list_rows_and_the_conversation_show_the_countdown_and_the_reason(
    client: Client, minsa_account: SocialAccount, communicator: User, clock: Clock
) -> None:
    conv = ingest(minsa_account, sent_at=lima(2025, 3, 11, 10, 0))
    overdue = ingest(minsa_account, sent_at=lima(2025, 3, 10, 9, 0))
    at(clock, lima(2025, 3, 11, 16, 30))
    tasks.deadlines_check()
    login(client, communicator)
    page = html(client.get(LIST))
    assert ">vence mañana 09:00</time>" in page
    assert ">venció hace 23 h</time>" in page  # due 10/03 17:00
    assert "Prioridad: Alta: plazo vencido" in page
    assert "Prioridad: Alta: el plazo vence pronto" in page
    assert "agora/inbox-countdown" in page
    detail = html(client.get(f"/bandeja/{conv.pk}/"))
    assert ">vence mañana 09:00</time>" in detail
    assert "Alta: vence en 1 h 30 min hábiles" in detail
    assert fresh(overdue).priority == "alta"


# --- escalation --------------------------------------------------------------------------------


def test_a_real_breach_is_escalated_to_the_entitys_contact_audited_and_notified(
    client: Client,
    minsa_account: SocialAccount,
    manager: User,
    ana: User,
    clock: Clock,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ResponsePolicy.objects.create(entity=minsa_account.entity, escalation_contact=ana)
    conv = ingest(minsa_account, text=PERSONAL, sent_at=lima(2025, 3, 11, 10, 0))
    at(clock, lima(2025, 3, 12, 9, 1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadlines_check() == 1
    conv = fresh(conv)
    assert (conv.escalated_to, conv.escalated_at) == (ana, lima(2025, 3, 12, 9, 1))
    assert conv.escalation_reason == "Venció el plazo de primera respuesta sin respuesta."
    event = AuditEvent.objects.get(verb="conversacion.escalada")
    assert event.actor is None and event.after is not None
    assert event.after["escalated_to"] == "ana-perez" and event.after["automatic"] is True
    note = Notification.objects.get(kind="conversacion_escalada")
    assert note.user == ana and note.url == f"/bandeja/{conv.pk}/"
    assert "45678912" not in note.text and "[DNI]" in note.text  # masked title
    login(client, manager)
    assert "Escalada a Ana Pérez" in html(client.get(f"/bandeja/{conv.pk}/"))
    assert "Escalada a Ana Pérez" in html(client.get(LIST))
    # Once: a later breach is notified as a breach, not escalated again.
    at(clock, lima(2025, 3, 20, 9, 0))
    tasks.resolution_deadlines_check()
    assert AuditEvent.objects.filter(verb="conversacion.escalada").count() == 1


def test_a_contact_who_left_the_entity_falls_back_to_its_managers(
    minsa_account: SocialAccount, manager: User, ana: User, clock: Clock
) -> None:
    ResponsePolicy.objects.create(entity=minsa_account.entity, escalation_contact=ana)
    Membership.objects.filter(user=ana).delete()
    assert escalation.escalation_recipients(minsa_account.entity_id) == (manager, [manager])


def test_history_imported_after_its_deadline_is_recorded_but_not_escalated(
    minsa_account: SocialAccount, manager: User, clock: Clock
) -> None:
    conv = ingest(minsa_account, sent_at=lima(2025, 2, 3, 10, 0))  # a month old on arrival
    assert tasks.deadlines_check() == 1
    conv = fresh(conv)
    assert conv.breached_at is not None and conv.escalated_at is None
    assert conv.priority == "alta"  # still first in the list by its deadline


@pytest.mark.parametrize("role", ["communicator", "manager", "rector"])
def test_staff_escalate_by_hand_without_javascript(
    role: str,
    request: pytest.FixtureRequest,
    client: Client,
    minsa_account: SocialAccount,
    ana: User,
    clock: Clock,
) -> None:
    actor: User = request.getfixturevalue(role)
    conv = ingest(minsa_account, text=PERSONAL)
    login(client, actor)
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert f'action="/bandeja/{conv.pk}/escalar/"' in page
    response = client.post(
        f"/bandeja/{conv.pk}/escalar/",
        {"escalar_a": str(ana.pk), "motivo": "Requiere la opinión de la Dirección"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Conversación escalada." in html(response)
    assert "Escalada a Ana Pérez" in html(response)
    conv = fresh(conv)
    assert (conv.escalated_to, conv.escalation_reason) == (
        ana,
        "Requiere la opinión de la Dirección",
    )
    event = AuditEvent.objects.get(verb="conversacion.escalada")
    assert event.actor == actor and event.after is not None
    assert event.after["automatic"] is False
    note = Notification.objects.get(kind="conversacion_escalada", user=ana)
    assert "Requiere la opinión de la Dirección" in note.text
    assert "987 123 456" not in note.text


def test_escalation_with_htmx_swaps_the_conversation(
    client: Client, minsa_account: SocialAccount, communicator: User, ana: User
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    response = client.post(
        f"/bandeja/{conv.pk}/escalar/",
        {"escalar_a": str(ana.pk), "motivo": "Consulta técnica"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'id="conversacion"' in html(response) and "Escalada a Ana Pérez" in html(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"escalar_a": "", "motivo": "x"}, "Elija a la persona a quien escalar la conversación."),
        ({"escalar_a": "999999", "motivo": "x"}, "Esa persona no trabaja para esta entidad."),
        ({"escalar_a": "ANA", "motivo": ""}, "Indique el motivo de la escalada."),
        ({"escalar_a": "ANA", "motivo": "x" * 301}, "El motivo admite hasta 300 caracteres."),
    ],
)
def test_bad_escalations_are_refused_in_spanish_and_change_nothing(
    data: dict[str, str],
    message: str,
    client: Client,
    minsa_account: SocialAccount,
    communicator: User,
    ana: User,
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    posted = {k: (str(ana.pk) if v == "ANA" else v) for k, v in data.items()}
    response = client.post(f"/bandeja/{conv.pk}/escalar/", posted)
    assert response.status_code == 400
    assert message in html(response)
    assert fresh(conv).escalated_at is None
    assert not AuditEvent.objects.filter(verb="conversacion.escalada").exists()
    assert not Notification.objects.filter(kind="conversacion_escalada").exists()


def test_nobody_outside_the_entity_may_escalate_or_be_escalated_to(
    client: Client,
    minsa_account: SocialAccount,
    communicator: User,
    other_manager: User,
    make_user: Callable[..., User],
    ana: User,
) -> None:
    conv = ingest(minsa_account)
    citizen = make_user("ciudadana")
    for outsider in (citizen, other_manager):
        login(client, outsider)
        response = client.post(
            f"/bandeja/{conv.pk}/escalar/", {"escalar_a": str(ana.pk), "motivo": "x"}
        )
        assert response.status_code == 404
    with pytest.raises(escalation.PermissionDeniedError):
        escalation.conversation_escalate(conversation=conv, actor=other_manager, to=ana, reason="x")
    with pytest.raises(escalation.DomainError, match="no trabaja para esta entidad"):
        escalation.conversation_escalate(
            conversation=conv, actor=communicator, to=other_manager, reason="x"
        )
    assert fresh(conv).escalated_at is None


def test_the_manager_sets_the_priority_window_and_the_escalation_contact(
    client: Client,
    minsa_account: SocialAccount,
    manager: User,
    communicator: User,
    ana: User,
    other_manager: User,
) -> None:
    url = "/entidad/minsa/configuracion/prioridad/"
    login(client, manager)
    page = html(client.get("/entidad/minsa/configuracion/"))
    assert "Prioridad y escalada" in page and f'action="{url}"' in page
    response = client.post(url, {"prioridad_horas": "4", "escalar_a": str(ana.pk)})
    assert response.status_code == 302
    policy = ResponsePolicy.objects.get(entity=minsa_account.entity)
    assert (policy.priority_hours, policy.escalation_contact) == (Decimal("4"), ana)
    assert policy.first_response_hours == Decimal("8")  # the general deadlines, kept
    assert AuditEvent.objects.filter(verb="plazos.prioridad_escalada").count() == 1
    bad = client.post(url, {"prioridad_horas": "0", "escalar_a": str(other_manager.pk)})
    assert bad.status_code == 400
    assert "Esa persona no trabaja para la entidad." in html(bad)
    login(client, communicator)
    # The settings area does not exist for a communicator.
    assert client.post(url, {"prioridad_horas": "1", "escalar_a": ""}).status_code == 404
    assert ResponsePolicy.objects.get(entity=minsa_account.entity).priority_hours == 4


# --- masked titles -----------------------------------------------------------------------------


def test_titles_mask_dni_phones_and_e_mails_outside_the_thread(
    client: Client, minsa_account: SocialAccount, communicator: User
) -> None:
    conv = ingest(minsa_account, text=PERSONAL)
    assert conversation_title(conv.subject) == (
        "Mi DNI es [DNI], mi celular [TELÉFONO] y mi correo [CORREO], ayuda"
    )
    login(client, communicator)
    for text in (
        html(client.get(LIST)),
        b"".join(client.get("/bandeja/exportar.csv").streaming_content).decode(),  # type: ignore[attr-defined]
    ):
        assert "[DNI]" in text
        for secret in ("45678912", "987 123 456", "ana.perez@correo.pe"):
            assert secret not in text
    detail = html(client.get(f"/bandeja/{conv.pk}/"))
    heading = detail.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "[DNI]" in heading and "45678912" not in heading
    title = detail.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "45678912" not in title
    # The staff of the entity read the full text in the thread.
    assert "45678912" in detail.split('class="thread"', 1)[1]


def test_previous_and_next_follow_the_due_time_order_of_the_list(
    communicator: User, minsa_account: SocialAccount
) -> None:
    """The list's pages (two index ranges) and ``list_order`` (export, previous/next) agree,
    ties on the due time included."""
    from agora.inbox import navigation

    dated = [ingest(minsa_account) for _ in range(3)]
    Conversation.objects.filter(pk__in=[c.pk for c in dated]).update(
        due_at=Conversation.objects.get(pk=dated[0].pk).due_at
    )
    undated = [ingest(minsa_account) for _ in range(2)]
    for conv in undated:
        ingest(minsa_account, thread=conv.thread_id, author_id=minsa_account.platform_id)
    page, _cursor, _counts = selectors.conversations_for_staff(
        user=communicator, filters=InboxFilters()
    )
    order = [c.pk for c in page]
    assert order == [*(c.pk for c in dated), *sorted((c.pk for c in undated), reverse=True)]
    for index, pk in enumerate(order):
        result = navigation.conversation_neighbours(
            user=communicator, conversation=Conversation.objects.get(pk=pk), filters=InboxFilters()
        )
        assert result.previous == (order[index - 1] if index else None), index
        assert result.next == (order[index + 1] if index + 1 < len(order) else None), index
    exported = list(
        selectors.conversations_export(user=communicator, filters=InboxFilters()).values_list(
            "pk", flat=True
        )
    )
    assert exported == order
