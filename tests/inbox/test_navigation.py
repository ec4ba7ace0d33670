"""Getting to the work (issue 13): the staff-only header with the unread count, the work
queues of the inbox list, the staff home by role, the 403 a citizen gets on staff pages,
every staff page reachable by links from the home, and grouped notifications."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from agora.core.models import Notification, User
from agora.core.notifications import notify
from agora.directory.models import Entity, SocialAccount
from agora.inbox import queues, services, tasks, unread
from agora.inbox.models import (
    AlertStatus,
    Conversation,
    ConversationSeen,
    Direction,
    Message,
    Status,
    ThreatAlert,
)
from agora.inbox.notices import conversation_notice_label
from tests.helpers import html, login
from tests.inbox.test_views import (
    ingest,
    listed_ids,
    minsa_account,
    sunat_account,
    sunat_communicator,
)

__all__ = ["minsa_account", "sunat_account", "sunat_communicator"]  # fixtures of test_views

LIST = "/bandeja/"
HOME = "/equipo/"


@pytest.fixture
def citizen(make_user: Callable[..., User], db: None) -> User:
    return make_user("ciudadana")


def _threat(conv: Conversation) -> ThreatAlert:
    message = Message.objects.filter(conversation=conv, direction=Direction.ENTRANTE).first()
    assert message is not None
    return ThreatAlert.objects.create(entity=conv.entity, conversation=conv, message=message)


@pytest.fixture
def queue_data(
    minsa_account: SocialAccount,
    sunat_account: SocialAccount,
    communicator: User,
    manager: User,
) -> dict[str, Conversation]:
    """One MINSA conversation per queue (and one of SUNAT, never counted for MINSA)."""
    now = timezone.now()
    convs = {
        "mia": ingest(minsa_account),
        "otra": ingest(minsa_account),
        "libre": ingest(minsa_account),
        "vencida": ingest(minsa_account),
        "hoy": ingest(minsa_account),
        "amenaza": ingest(minsa_account),
        "cerrada": ingest(minsa_account),
        "sunat": ingest(sunat_account),
    }
    services.conversation_assign(conversation=convs["mia"], actor=manager, assignee=communicator)
    services.conversation_assign(conversation=convs["otra"], actor=manager, assignee=manager)
    services.conversation_assign(
        conversation=convs["cerrada"], actor=manager, assignee=communicator
    )
    services.conversation_set_status(
        conversation=convs["cerrada"], actor=manager, status=Status.CERRADO
    )
    for key, conv in convs.items():
        if key in {"mia", "otra", "cerrada", "sunat"}:
            continue
        services.conversation_assign(conversation=conv, actor=manager, assignee=None)
    # Due times set directly: the queues read them, how they are computed is tested elsewhere.
    end_today = queues.end_of_today(now)
    Conversation.objects.filter(entity=convs["mia"].entity).update(
        due_at=end_today + timedelta(days=2)
    )
    Conversation.objects.filter(pk=convs["cerrada"].pk).update(due_at=None)
    Conversation.objects.filter(pk=convs["vencida"].pk).update(due_at=now - timedelta(hours=1))
    in_a_minute = min(now + timedelta(minutes=1), end_today - timedelta(seconds=1))
    Conversation.objects.filter(pk=convs["hoy"].pk).update(due_at=in_a_minute)
    _threat(convs["amenaza"])
    attended = _threat(convs["sunat"])
    ThreatAlert.objects.filter(pk=attended.pk).update(status=AlertStatus.ATENDIDA)
    return convs


# --- queues ------------------------------------------------------------------------------------


def test_queue_counts_follow_their_definitions_in_three_index_driven_queries(
    queue_data: dict[str, Conversation],
    communicator: User,
    django_assert_num_queries: Any,
) -> None:
    base = Conversation.objects.for_staff(communicator).filter(last_inbound_at__isnull=False)
    with django_assert_num_queries(3):
        counts = queues.queue_counts_of(base, user=communicator)
    # unassigned: libre, vencida, hoy, amenaza (waiting, nobody); mine: mia (not the closed one)
    assert counts == {
        "mias": 1,
        "sin_asignar": 4,
        "vencen_hoy": 1,
        "vencidas": 1,
        "amenazas": 1,
    }


def test_list_filters_by_queue_and_shows_the_queue_links_with_counts(
    client: Client, queue_data: dict[str, Conversation], communicator: User
) -> None:
    login(client, communicator)
    expected = {
        "mias": [queue_data["mia"].pk],
        "vencidas": [queue_data["vencida"].pk],
        "vencen_hoy": [queue_data["hoy"].pk],
        "amenazas": [queue_data["amenaza"].pk],
    }
    for key, ids in expected.items():
        response = client.get(LIST, {"cola": key})
        assert response.status_code == 200
        assert listed_ids(response) == ids
    page = html(client.get(LIST, {"estado": "cerrado"}))
    assert re.search(r"Sin asignar <span class=\"count\">\(4\)</span>", page)
    # A queue link drops the status (its count ignores it) and keeps the other filters.
    assert 'href="?cola=vencidas"' in page
    assert 'aria-label="Colas de trabajo"' in page


def test_an_unknown_queue_is_a_spanish_400_and_is_ignored(
    client: Client, queue_data: dict[str, Conversation], communicator: User
) -> None:
    login(client, communicator)
    response = client.get(LIST, {"cola": "todas-mias"})
    assert response.status_code == 400
    assert "El valor «todas-mias» no es válido para este filtro." in html(response)
    assert len(listed_ids(response)) == 7  # every MINSA conversation: the filter was ignored


def test_queues_are_scoped_to_the_persons_entities(
    queue_data: dict[str, Conversation], sunat_communicator: User, rector: User
) -> None:
    sunat = queues.queue_counts(user=sunat_communicator)
    assert sunat["sin_asignar"] == 1 and sunat["amenazas"] == 0  # the SUNAT alert is attended
    everything = queues.queue_counts(user=rector)
    assert everything["sin_asignar"] == 5


def test_due_today_is_read_in_lima_time() -> None:
    """23:30 in Lima is 04:30 UTC of the next day: "today" still ends at Lima's midnight."""
    moment = datetime(2026, 3, 11, 4, 30, tzinfo=UTC)
    end = queues.end_of_today(moment)
    assert end.isoformat() == "2026-03-11T00:00:00-05:00"


# --- unread ------------------------------------------------------------------------------------


def test_unread_counts_my_queues_until_opened_and_again_after_a_new_message(
    client: Client,
    queue_data: dict[str, Conversation],
    communicator: User,
    minsa_account: SocialAccount,
) -> None:
    # mine (1) and the unassigned waiting ones (4); not the manager's, not the closed one.
    assert unread.unread_count(user=communicator) == 5
    login(client, communicator)
    assert client.get(f"/bandeja/{queue_data['libre'].pk}/").status_code == 200
    assert ConversationSeen.objects.filter(user=communicator).count() == 1
    assert unread.unread_count(user=communicator) == 4  # fresh at once, not after the cache
    client.get(f"/bandeja/{queue_data['libre'].pk}/")  # opening again changes nothing
    assert ConversationSeen.objects.filter(user=communicator).count() == 1
    conv = queue_data["libre"]
    ingest(
        minsa_account,
        thread=conv.thread_id,
        text="¿Me responden, por favor?",
        sent_at=timezone.now(),
    )
    assert unread.unread_count(user=communicator) == 5


def test_unread_count_is_one_query_over_the_waiting_conversations_index(
    queue_data: dict[str, Conversation], communicator: User, django_assert_num_queries: Any
) -> None:
    communicator._agora_entity_staff = True  # type: ignore[attr-defined]
    with django_assert_num_queries(1):
        assert unread.unread_conversations(user=communicator).count() == 5
    from django.db import connection

    sql, params = unread.unread_conversations(user=communicator).query.sql_with_params()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM (" + sql + ")", params)  # noqa: S608
            plan = " ".join(str(row) for row in cursor.fetchall())
        # The seen marks are probed through the (user, conversation) index, never scanned.
        assert "SEARCH U0 USING INDEX" in plan and "SCAN U0" not in plan


def test_header_shows_bandeja_with_an_accessible_unread_count_to_staff_only(
    client: Client,
    queue_data: dict[str, Conversation],
    communicator: User,
    citizen: User,
) -> None:
    login(client, communicator)
    page = html(client.get("/directorio/"))
    link = re.search(r'<a href="/bandeja/" class="nav-inbox"[^>]*>(.*?)</a>', page, re.S)
    assert link is not None
    # Screen readers read "Bandeja, 5 sin leer"; the eye sees "Bandeja" and a badge.
    assert '<span class="visually-hidden">Bandeja, 5 sin leer</span>' in link.group(1)
    assert '<span class="nav-badge">5</span>' in link.group(1)
    assert ">Mi trabajo<" in page and ">Vigilancia<" in page
    client.logout()
    login(client, citizen)
    page = html(client.get("/directorio/"))
    for staff_menu in ("Bandeja", ">Mi trabajo<", ">Vigilancia<", "/lenguaje/vigilancia/"):
        assert staff_menu not in page
    assert ">Mi cuenta<" in page
    client.logout()
    page = html(client.get("/directorio/"))
    assert "Ingreso del personal" in page and "Bandeja" not in page


# --- access per role ---------------------------------------------------------------------------

STAFF_PAGES = [
    "/bandeja/",
    "/bandeja/exportar.csv",
    "/bandeja/alertas/",
    "/bandeja/moderacion/minsa/",
    "/informes/",
    "/informes/tablero/",
    "/lenguaje/vigilancia/",
    "/lenguaje/vigilancia/coincidencias/",
    "/entidad/configuracion/",
]


def test_a_citizen_gets_a_spanish_403_on_every_staff_page(
    client: Client, citizen: User, entities: dict[str, Entity]
) -> None:
    login(client, citizen)
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "solo para el personal de las entidades" in html(response), url
    # The approved replies page (agora/inbox/views_canned.py) says it in its own words.
    response = client.get("/bandeja/respuestas/")
    assert response.status_code == 403
    assert "son para el personal de las entidades" in html(response)


def test_anonymous_visitors_are_sent_to_sign_in_from_staff_pages(
    client: Client, entities: dict[str, Entity]
) -> None:
    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/cuenta/ingresar/" in response["Location"], url


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (
            "communicator",
            {"/bandeja/", "/bandeja/exportar.csv", "/informes/", "/lenguaje/vigilancia/"},
            {"/bandeja/alertas/", "/bandeja/moderacion/minsa/", "/informes/tablero/"},
        ),
        (
            "manager",
            {
                "/bandeja/",
                "/bandeja/alertas/",
                "/bandeja/moderacion/minsa/",
                "/informes/",
                "/lenguaje/vigilancia/",
                "/entidad/minsa/configuracion/",
            },
            {"/informes/tablero/"},
        ),
        ("rector", set(STAFF_PAGES), set()),
    ],
)
def test_staff_pages_follow_each_roles_access_rule(
    client: Client,
    request: pytest.FixtureRequest,
    role: str,
    allowed: set[str],
    refused: set[str],
    entities: dict[str, Entity],
) -> None:
    user = request.getfixturevalue(role)
    login(client, user)
    for url in allowed:
        response = client.get(url)
        assert response.status_code in (200, 302), (role, url, response.status_code)
        if response.status_code == 302:
            assert "/cuenta/" not in response["Location"], (role, url)
    for url in refused:
        assert client.get(url).status_code == 403, (role, url)


def test_the_directory_never_imports_the_inbox() -> None:
    """DESIGN.md: dependencies point one way (the staff home's inbox part is a template tag)."""
    root = Path(__file__).resolve().parents[2] / "agora" / "directory"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert not name.startswith("agora.inbox"), (path, name)


# --- staff home --------------------------------------------------------------------------------


def test_communicator_home_shows_the_entitys_queues_linking_to_the_filtered_list(
    client: Client,
    queue_data: dict[str, Conversation],
    communicator: User,
    django_assert_max_num_queries: Any,
) -> None:
    login(client, communicator)
    with django_assert_max_num_queries(12):
        response = client.get(HOME)
    page = html(response)
    assert "Bandeja de Ministerio de Salud" in page or "Bandeja de MINISTERIO DE SALUD" in page
    assert re.search(
        r'href="/bandeja/\?entidad=minsa&amp;cola=sin_asignar"><span class="queue-count">4</span>',
        page,
    )
    assert 'href="/informes/"' in page and 'href="/lenguaje/vigilancia/"' in page
    # Manager-only links are not offered to a communicator.
    assert "/entidad/minsa/configuracion/" not in page and "/bandeja/alertas/" not in page


def test_manager_home_adds_alerts_settings_and_moderation(
    client: Client, queue_data: dict[str, Conversation], manager: User
) -> None:
    login(client, manager)
    page = html(client.get(HOME))
    for href in (
        "/bandeja/alertas/",
        "/entidad/minsa/configuracion/",
        "/bandeja/moderacion/minsa/",
        "/lenguaje/aliados/",
    ):
        assert f'href="{href}"' in page, href
    assert "Alertas de amenaza (1 abierta)" in page


def test_rector_home_shows_their_own_work(
    client: Client, queue_data: dict[str, Conversation], rector: User
) -> None:
    login(client, rector)
    page = html(client.get(HOME))
    for href in (
        "/equipo/cuentas/verificacion/",
        "/informes/tablero/",
        "/informes/tablero/#cuarentena-h",
        "/bandeja/",
        "/bandeja/alertas/",
        "/participa/consultas/nueva/",
        "/compromisos/equipo/",
    ):
        assert f'href="{href}"' in page, href


def test_citizen_home_is_my_account_without_staff_links(client: Client, citizen: User) -> None:
    login(client, citizen)
    response = client.get(HOME)
    assert response.status_code == 200
    page = html(response)
    assert "<title>Mi cuenta" in page
    assert "queue-count" not in page and 'href="/bandeja/"' not in page
    assert 'href="/informes/"' not in page


# Staff pages that need an object of their own (a conversation, a report, a forum...) are
# reached from their lists; the ones below are the lists and tools themselves.
REACHABLE = {
    "rector": {
        "inbox:list",
        "inbox:notifications",
        "inbox:alerts",
        "inbox:methodology",
        "inbox:canned_list",
        "reports:index",
        "reports:dashboard",
        "language:watchlists",
        "language:watch_matches",
        "language:allies",
        "entity_settings:index",
        "directory:verification_queue",
        "directory:account_import",
        "directory:account_propose",
        "participation:consultation_new",
        "commitments:staff_home",
    },
    "manager": {
        "inbox:list",
        "inbox:canned_list",
        "inbox:alerts",
        "inbox:moderation_settings",
        "reports:index",
        "language:watchlists",
        "language:allies",
        "entity_settings:page",
        "directory:account_propose",
    },
    "communicator": {
        "inbox:list",
        "inbox:notifications",
        "inbox:canned_list",
        "reports:index",
        "language:watchlists",
    },
}


def _crawl(client: Client, start: str, depth: int) -> set[str]:
    """The URL names reached by following the links of Ágora's pages from ``start``."""
    seen_urls: set[str] = set()
    names: set[str] = set()
    frontier = [start]
    for _level in range(depth):
        following: list[str] = []
        for url in frontier:
            if url in seen_urls:
                continue
            seen_urls.add(url)
            response = client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for href in re.findall(r'href="([^"#]+)', html(response)):
                href = href.replace("&amp;", "&")
                path = urlsplit(href).path
                if not path.startswith("/") or path.startswith(("/static/", "/admin/")):
                    continue
                try:
                    match = resolve(path)
                except Resolver404:
                    continue
                names.add(match.view_name)
                if path.startswith(("/bandeja/", "/equipo/", "/informes/", "/lenguaje/")):
                    following.append(href)
        frontier = following
    return names


@pytest.mark.parametrize("role", ["communicator", "manager", "rector"])
def test_every_staff_page_is_reachable_by_links_from_the_home(
    client: Client, request: pytest.FixtureRequest, role: str, entities: dict[str, Entity]
) -> None:
    login(client, request.getfixturevalue(role))
    reached = _crawl(client, HOME, depth=2)
    assert REACHABLE[role] <= reached, REACHABLE[role] - reached


# --- notifications -----------------------------------------------------------------------------


def test_repeats_of_a_notice_are_one_row_with_a_count_and_the_latest_time(
    communicator: User, django_capture_on_commit_callbacks: Any
) -> None:
    communicator.email = "ana@minsa.gob.pe"
    communicator.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        for _i in range(3):
            notify(users=[communicator], kind="plazo_vencido", text="Venció", url="/bandeja/7/")
        notify(users=[communicator], kind="plazo_vencido", text="Venció", url="/bandeja/8/")
    rows = list(Notification.objects.filter(user=communicator).order_by("url"))
    assert [(n.url, n.count) for n in rows] == [("/bandeja/7/", 3), ("/bandeja/8/", 1)]
    assert len(mail.outbox) == 4  # each notice is still e-mailed: only the list groups them
    first = rows[0]
    Notification.objects.filter(pk=first.pk).update(read_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[communicator], kind="plazo_vencido", text="Otra vez", url="/bandeja/7/")
    first.refresh_from_db()
    assert (first.count, first.read_at, first.text) == (4, None, "Otra vez")
    assert first.last_at >= first.created_at
    assert len(mail.outbox) == 5


def test_a_breach_notice_names_its_conversation_masked_and_links_to_it(
    minsa_account: SocialAccount,
    manager: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    manager.email = "gestor@minsa.gob.pe"
    manager.save(update_fields=["email"])
    conv = ingest(minsa_account, text="Mi DNI es 44556677, ¿dónde me vacuno contra la influenza?")
    Conversation.objects.filter(pk=conv.pk).update(due_at=timezone.now() - timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deadlines_check() == 1
    notice = Notification.objects.get(user=manager, kind="plazo_vencido")
    assert f"Conversación #{conv.pk} · Facebook · " in notice.text
    assert "44556677" not in notice.text and "[DNI]" in notice.text
    assert notice.url == f"/bandeja/{conv.pk}/"
    # The e-mail names the conversation but never quotes the citizen.
    assert all("vacuno" not in m.body and f"#{conv.pk}" in m.body for m in mail.outbox)
    label = conversation_notice_label(Conversation.objects.select_related("entity").get(pk=conv.pk))
    assert label.endswith("…»") and len(label) < 120


def test_notifications_are_read_in_bulk_selected_or_all(
    client: Client, communicator: User, manager: User
) -> None:
    mine = [
        Notification.objects.create(user=communicator, kind="x", text=f"Aviso {i}", url="/b/")
        for i in range(3)
    ]
    theirs = Notification.objects.create(user=manager, kind="x", text="Ajeno")
    login(client, communicator)
    page = html(client.get("/bandeja/notificaciones/"))
    assert "Marcar las seleccionadas como leídas" in page and "Marcar todas como leídas" in page
    response = client.post(
        "/bandeja/notificaciones/",
        {"seleccion": [mine[0].pk, mine[1].pk, theirs.pk], "accion": "seleccion"},
        follow=True,
    )
    assert "2 notificaciones marcadas como leídas." in html(response)
    read = set(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True))
    assert read == {mine[0].pk, mine[1].pk}
    nothing = client.post("/bandeja/notificaciones/", {"accion": "seleccion"}, follow=True)
    assert "Elija al menos una notificación." in html(nothing)
    bad = client.post("/bandeja/notificaciones/", {"seleccion": ["x"]}, follow=True)
    assert "No se pudo marcar la notificación." in html(bad)
    assert Notification.objects.filter(read_at__isnull=True).count() == 2


def test_a_citizens_notifications_lead_back_to_their_account_not_the_inbox(
    client: Client, citizen: User
) -> None:
    Notification.objects.create(user=citizen, kind="consulta", text="Respondieron", url="/p/")
    login(client, citizen)
    page = html(client.get("/bandeja/notificaciones/"))
    assert "Respondieron" in page
    assert 'href="/bandeja/"' not in page and 'href="/equipo/">Mi cuenta</a> ›' in page
