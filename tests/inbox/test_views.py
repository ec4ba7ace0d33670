"""Staff inbox pages: the list (filters, counts, keyset pages, htmx fragments, a fixed number of
queries), one conversation (thread, history, approved answers, every action through the
services and audited), notifications, the CSV export and the public methodology page.

The helpers and fixtures here are shared by the other inbox test modules."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agora.core.models import AuditEvent, Notification, User
from agora.directory.models import Entity, Membership, MembershipRole, SocialAccount
from agora.inbox import selectors, services
from agora.inbox.models import (
    CannedAnswer,
    Conversation,
    Direction,
    Label,
    Message,
    MessageRevision,
    QuarantinedEvent,
    ResponsePolicy,
    SendStatus,
    Status,
    ThreadKind,
)
from tests.helpers import html, login, make_verified_account

LIST = "/bandeja/"
XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
HTMX = {"HX-Request": "true"}

_ids = count(1)


# --- shared helpers --------------------------------------------------------------------------


@pytest.fixture
def minsa_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["minsa"], "facebook", "minsaperu", "1001")


@pytest.fixture
def sunat_account(rector: User, entities: dict[str, Entity]) -> SocialAccount:
    return make_verified_account(rector, entities["sunat"], "facebook", "sunatperu", "2002")


@pytest.fixture
def sunat_communicator(make_user: Callable[..., User], entities: dict[str, Entity]) -> User:
    user = make_user("comunicador-sunat")
    Membership.objects.create(user=user, entity=entities["sunat"], role=MembershipRole.COMUNICADOR)
    return user


def ingest(
    account: SocialAccount,
    *,
    thread: str | None = None,
    text: str = "¿Dónde me vacuno contra la influenza?",
    author_id: str = "ciudadano-1",
    author_name: str = "Ana Pérez",
    sent_at: datetime | None = None,
    message_id: str | None = None,
    verb: str = "add",
    kind: str = ThreadKind.DIRECT,
) -> Conversation:
    """One platform event on ``account`` through ``messages_ingest``; its conversation."""
    thread = thread or f"hilo-{next(_ids)}"
    services.messages_ingest(
        batch=[
            services.IncomingMessage(
                platform=account.platform,
                account_id=account.pk,
                thread_kind=kind,
                thread_id=thread,
                message_id=message_id or f"m-{next(_ids)}",
                sent_at=sent_at or timezone.now() - timedelta(minutes=5),
                text=text,
                author_id=author_id,
                author_name=author_name,
                verb=verb,
            )
        ]
    )
    return Conversation.objects.get(account=account, thread_id=thread)


def listed_ids(response: Any) -> list[int]:
    return [int(pk) for pk in re.findall(r'<a href="/bandeja/(\d+)/">', html(response))]


def assert_no_inline_code(page: str) -> None:
    """The CSP forbids inline scripts and styles: every script is a file, no style=."""
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert "src=" in tag, tag
    assert not re.search(r"<[^>]+\sstyle=", page)
    assert not re.search(r"<[^>]+\son[a-z]+=", page)


# --- list ------------------------------------------------------------------------------------


def test_list_escapes_script_and_onerror_in_citizen_text(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    """A message with <script> and <img onerror> shows as text, on the list and the detail."""
    conv = ingest(minsa_account, text=XSS)
    login(client, communicator)
    for url in (LIST, f"/bandeja/{conv.pk}/"):
        page = html(client.get(url))
        assert XSS_ESCAPED in page
        assert XSS not in page
        assert "<img src=x" not in page
        assert_no_inline_code(page)


def test_list_loads_htmx_and_the_inbox_stylesheet_from_static_files(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    login(client, communicator)
    page = html(client.get(LIST))
    assert re.search(r'<script src="/static/django_htmx/htmx\.min[.\w]*\.js" defer>', page)
    assert re.search(r'<link rel="stylesheet" href="/static/agora/inbox[.\w]*\.css">', page)
    assert '"includeIndicatorStyles": false' in page


def test_list_shows_newest_citizen_activity_first_with_counts_per_status(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    now = timezone.now()
    old = ingest(minsa_account, sent_at=now - timedelta(hours=3))
    new = ingest(minsa_account, sent_at=now - timedelta(hours=1))
    closed = ingest(minsa_account, sent_at=now - timedelta(hours=2))
    services.conversation_set_status(conversation=closed, actor=communicator, status="cerrado")
    login(client, communicator)
    response = client.get(LIST, {"orden": "recientes"})
    assert response.status_code == 200
    assert listed_ids(response) == [new.pk, closed.pk, old.pk]
    page = html(response)
    assert re.search(r"Todas <span class=\"count\">\(3\)</span>", page)
    assert re.search(r"Nuevo <span class=\"count\">\(2\)</span>", page)
    assert re.search(r"Cerrado <span class=\"count\">\(1\)</span>", page)
    only_new = client.get(LIST, {"estado": "nuevo", "orden": "recientes"})
    assert listed_ids(only_new) == [new.pk, old.pk]
    # The counts keep showing every status under the other filters.
    assert re.search(r"Cerrado <span class=\"count\">\(1\)</span>", html(only_new))


def test_list_filters_by_spanish_parameters(
    client: Client, communicator: User, minsa_account: SocialAccount, manager: User
) -> None:
    now = timezone.now()
    mine = ingest(minsa_account)
    threat = ingest(minsa_account)
    overdue = ingest(minsa_account)
    services.conversation_assign(conversation=mine, actor=manager, assignee=communicator)
    Conversation.objects.filter(pk=threat.pk).update(kind="denuncia", flags=["amenaza"])
    Conversation.objects.filter(pk=overdue.pk).update(due_at=now - timedelta(hours=1))
    Conversation.objects.filter(pk__in=[mine.pk, threat.pk]).update(due_at=now + timedelta(hours=3))
    login(client, communicator)
    assert listed_ids(client.get(LIST, {"asignada": "yo"})) == [mine.pk]
    assert listed_ids(client.get(LIST, {"asignada": str(communicator.pk)})) == [mine.pk]
    assert set(listed_ids(client.get(LIST, {"asignada": "nadie"}))) == {threat.pk, overdue.pk}
    assert listed_ids(client.get(LIST, {"alerta": "amenaza"})) == [threat.pk]
    assert listed_ids(client.get(LIST, {"tipo": "denuncia"})) == [threat.pk]
    assert listed_ids(client.get(LIST, {"vencidas": "on"})) == [overdue.pk]
    assert len(listed_ids(client.get(LIST, {"cuenta": str(minsa_account.pk)}))) == 3
    assert listed_ids(client.get(LIST, {"plataforma": "x"})) == []
    assert "Plazo vencido" in html(client.get(LIST, {"vencidas": "on"}))


def test_list_folds_the_other_filters_and_opens_them_when_one_is_set(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    ingest(minsa_account)
    login(client, communicator)
    plain = html(client.get(LIST))
    assert '<details class="more-filters">' in plain  # folded: the rows come first
    assert "<summary>Más filtros</summary>" in plain
    # The status and the queue are tabs above the rows: choosing one keeps the fold closed.
    assert '<details class="more-filters">' in html(client.get(LIST, {"estado": "nuevo"}))
    both = html(client.get(LIST, {"plataforma": "facebook", "vencidas": "on"}))
    assert '<details class="more-filters" open>' in both
    assert "Más filtros (2 elegidos)" in both
    # A wrong value is shown where it can be read.
    assert '<details class="more-filters" open>' in html(client.get(LIST, {"cuenta": "999999"}))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"estado": "galactico"}, "El valor «galactico» no es válido para este filtro."),
        ({"cuenta": "999999"}, "El valor «999999» no es válido para este filtro."),
        ({"plataforma": "myspace"}, "El valor «myspace» no es válido para este filtro."),
        ({"entidad": "sunat"}, "El valor «sunat» no es válido para este filtro."),
        ({"desde": "basura"}, "El enlace de la página no es válido"),
        ({"desde": "99999999999999999999999-1"}, "El enlace de la página no es válido"),
    ],
)
def test_invalid_filters_give_a_spanish_message_and_are_ignored(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    params: dict[str, str],
    message: str,
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    response = client.get(LIST, params)
    assert response.status_code == 400
    page = html(response)
    assert "Algunos filtros no son válidos y no se aplicaron" in page
    assert message in page
    assert listed_ids(response) == [conv.pk]


def test_htmx_filter_request_gets_only_the_results_fragment(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    response = client.get(LIST, {"estado": "nuevo"}, headers=HTMX)
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="aviso-lista" hx-swap-oob="innerHTML">')
    assert '<section id="resultados"' in page
    assert "<html" not in page
    assert listed_ids(response) == [conv.pk]
    assert "HX-Request" in response["Vary"]
    # A bad filter still swaps in (htmx does not swap error statuses) and says why.
    bad = client.get(LIST, {"estado": "x"}, headers=HTMX)
    assert bad.status_code == 200
    assert "no es válido" in html(bad)
    # Going back in history asks for the whole page.
    restore = client.get(LIST, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in html(restore)


def test_keyset_pages_cover_every_conversation_once(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    same_time = timezone.now() - timedelta(hours=1)
    ids = {ingest(minsa_account, sent_at=same_time).pk for _ in range(30)}
    ids |= {ingest(minsa_account, sent_at=same_time - timedelta(minutes=i)).pk for i in range(25)}
    login(client, communicator)
    pages: list[list[int]] = []
    response = client.get(LIST)
    while True:
        pages.append(listed_ids(response))
        match = re.search(r'href="\?([^"]*desde=[^"]*)" rel="next"', html(response))
        if match is None:
            break
        response = client.get(LIST + "?" + match.group(1).replace("&amp;", "&"))
    sizes = [len(page) for page in pages]
    assert sizes == [selectors.PAGE_SIZE] * (55 // selectors.PAGE_SIZE) + [55 % selectors.PAGE_SIZE]
    seen = [pk for page in pages for pk in page]
    assert len(seen) == len(set(seen)) == 55
    assert set(seen) == ids
    assert "Primera página" in html(response)


def test_list_runs_a_fixed_number_of_queries_for_50_conversations(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    manager: User,
    django_assert_max_num_queries: Any,
) -> None:
    for i in range(50):
        conv = ingest(minsa_account, author_id=f"c{i}", author_name=f"Persona {i}")
        if i % 2:
            services.conversation_assign(conversation=conv, actor=manager, assignee=communicator)
            services.conversation_set_labels(
                conversation=conv, actor=manager, names=[f"tema-{i % 5}", "salud"]
            )
    login(client, communicator)
    # 12, plus the staff check, the work queues' counts (3), the header's unread count, the
    # labelling queue's badge (remembered a minute per person), and 3 when the list's address
    # is new to the session (remembered for "volver").
    with django_assert_max_num_queries(21):
        response = client.get(LIST)
    assert len(listed_ids(response)) == selectors.PAGE_SIZE
    with django_assert_max_num_queries(20):
        client.get(LIST, {"estado": "abierto", "asignada": "yo", "vencidas": "on"})


def test_list_is_refused_with_a_spanish_403_to_a_person_without_entities(
    client: Client, make_user: Callable[..., User], minsa_account: SocialAccount
) -> None:
    """A signed-in citizen gets a page saying why, never an empty staff inbox."""
    ingest(minsa_account)
    login(client, make_user("sin-entidad"))
    response = client.get(LIST)
    assert response.status_code == 403
    assert listed_ids(response) == []
    assert "solo para el personal de las entidades" in html(response)


def test_rector_may_narrow_the_list_to_one_entity_by_code(
    client: Client, rector: User, minsa_account: SocialAccount, sunat_account: SocialAccount
) -> None:
    minsa = ingest(minsa_account)
    sunat = ingest(sunat_account)
    login(client, rector)
    assert set(listed_ids(client.get(LIST))) == {minsa.pk, sunat.pk}
    assert listed_ids(client.get(LIST, {"entidad": "sunat"})) == [sunat.pk]
    unknown = client.get(LIST, {"entidad": "no-existe"})
    assert unknown.status_code == 400
    assert "No hay ninguna entidad con el código «no-existe»." in html(unknown)


# --- export ----------------------------------------------------------------------------------


def test_export_is_csv_of_the_filtered_list_with_text_kept_as_text(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    ingest(minsa_account, text=XSS)
    ingest(minsa_account, text='=HYPERLINK("http://malo")', author_name="@persona")
    login(client, communicator)
    response = client.get("/bandeja/exportar.csv", {"estado": "nuevo"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.startswith("\ufeffid,entidad,cuenta")
    assert XSS in body  # CSV is not HTML: the text is kept exactly, as text
    assert "'=HYPERLINK" in body  # never a formula in a spreadsheet
    assert "'@persona" in body
    bad = client.get("/bandeja/exportar.csv", {"estado": "galactico"})
    assert bad.status_code == 302
    assert bad["Location"].startswith("/bandeja/?")


# --- one conversation ------------------------------------------------------------------------


@pytest.fixture
def thread(minsa_account: SocialAccount, communicator: User) -> Conversation:
    """A citizen's question (later edited), the entity's answer on the platform, an answer from
    Ágora that failed, one waiting to be sent, a note, and a comment deleted on the platform."""
    start = timezone.now() - timedelta(hours=5)
    conv = ingest(minsa_account, thread="t-1", message_id="q1", text="Pregunta original",
                  sent_at=start)  # fmt: skip
    ingest(minsa_account, thread="t-1", message_id="q1", text="Pregunta corregida",
           sent_at=start, verb="edit")  # fmt: skip
    ingest(minsa_account, thread="t-1", message_id="a1", author_id="1001",
           author_name="Minsa", text="Respuesta desde Facebook",
           sent_at=start + timedelta(hours=1))  # fmt: skip
    ingest(minsa_account, thread="t-1", message_id="q2", text="Comentario que se borró",
           sent_at=start + timedelta(hours=2))  # fmt: skip
    ingest(minsa_account, thread="t-1", message_id="q2", verb="remove")
    failed = services.message_answer(conversation=conv, author=communicator, body="No salió")
    services.message_send_result(message=failed, error="Token vencido (190)", final=True)
    services.message_answer(conversation=conv, author=communicator, body="En camino")
    services.note_add(conversation=conv, author=communicator, body="Consultar con DIGESA")
    return Conversation.objects.get(pk=conv.pk)


def test_detail_shows_the_whole_thread_with_text_labels_and_send_status(
    client: Client, communicator: User, thread: Conversation
) -> None:
    login(client, communicator)
    response = client.get(f"/bandeja/{thread.pk}/")
    assert response.status_code == 200
    page = html(response)
    for text in [
        "Pregunta corregida",
        "Respuesta desde Facebook",
        "No salió",
        "En camino",
        "Consultar con DIGESA",
    ]:
        assert text in page
    assert page.index("Pregunta corregida") < page.index("Respuesta desde Facebook")
    assert page.count('<strong class="msg-direction">Del ciudadano</strong>') == 2
    assert page.count('<strong class="msg-direction">Respuesta de la entidad</strong>') == 3
    assert page.count('<strong class="msg-direction">Nota interna</strong>') == 1
    assert "No se publicó:</strong> Token vencido (190)" in page
    assert "Por enviar" in page
    assert "Editado el" in page and "Pregunta original" in page
    assert "Borrado en la plataforma el" in page
    assert_no_inline_code(page)


def test_detail_lists_the_authors_earlier_conversations_with_this_entity(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    rector: User,
    entities: dict[str, Entity],
) -> None:
    other_minsa_account = make_verified_account(
        rector, entities["minsa"], "facebook", "minsa.salud", "1002"
    )
    earlier = ingest(minsa_account, text="Primera consulta", author_id="ana")
    elsewhere = ingest(other_minsa_account, text="Por otra cuenta", author_id="ana")
    stranger = ingest(minsa_account, text="De otra persona", author_id="beto")
    current = ingest(minsa_account, text="Segunda consulta", author_id="ana")
    login(client, communicator)
    page = html(client.get(f"/bandeja/{current.pk}/"))
    history = page[page.index('id="historial"') :]
    assert f'href="/bandeja/{earlier.pk}/"' in history
    assert f'href="/bandeja/{elsewhere.pk}/"' in history
    assert f'href="/bandeja/{stranger.pk}/"' not in history
    first = html(client.get(f"/bandeja/{stranger.pk}/"))
    assert "Es la primera conversación de este autor con la entidad." in first


def test_answer_is_written_through_the_service_audited_and_redirects_without_htmx(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    response = client.post(f"/bandeja/{conv.pk}/responder/", {"texto": "  Le respondemos.  "})
    assert response.status_code == 302
    assert response["Location"] == f"/bandeja/{conv.pk}/#hilo"
    answer = Message.objects.get(conversation=conv, direction=Direction.SALIENTE)
    assert answer.text == "Le respondemos."
    assert answer.send_status == SendStatus.PENDIENTE
    assert answer.author_user == communicator
    assert AuditEvent.objects.filter(
        verb="conversacion.respondida", object_id=str(conv.pk)
    ).exists()
    page = html(client.get(response["Location"]))
    assert "Respuesta guardada" in page
    assert "Por enviar" in page


def test_answer_with_htmx_returns_the_updated_conversation_fragment(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    response = client.post(f"/bandeja/{conv.pk}/responder/", {"texto": "Gracias"}, headers=HTMX)
    assert response.status_code == 200
    page = html(response)
    assert page.lstrip().startswith('<div id="aviso" hx-swap-oob="innerHTML">')
    assert '<div id="conversacion"' in page
    assert "Respuesta guardada" in page
    assert "Gracias" in page and "Por enviar" in page


def test_empty_or_too_long_answer_is_refused_with_a_spanish_message_and_writes_nothing(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    before = (Message.objects.count(), AuditEvent.objects.count())
    empty = client.post(f"/bandeja/{conv.pk}/responder/", {"texto": "   "})
    assert empty.status_code == 400
    assert "Escriba la respuesta." in html(empty)
    long = client.post(f"/bandeja/{conv.pk}/responder/", {"texto": "a" * 8001}, headers=HTMX)
    assert long.status_code == 200
    assert "La respuesta es demasiado larga (máximo 8000 caracteres)." in html(long)
    assert 'aria-invalid="true"' in html(long)
    assert (Message.objects.count(), AuditEvent.objects.count()) == before


def test_note_assignment_status_priority_and_labels_go_through_the_services(
    client: Client, communicator: User, manager: User, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    login(client, manager)
    base = f"/bandeja/{conv.pk}"
    assert client.post(f"{base}/nota/", {"nota": "Revisar"}).status_code == 302
    assert client.post(f"{base}/asignar/", {"asignada_a": communicator.pk}).status_code == 302
    assert client.post(f"{base}/estado/", {"estado": "cerrado"}).status_code == 302
    assert client.post(f"{base}/prioridad/", {"prioridad": "alta"}).status_code == 302
    Label.objects.create(entity=conv.entity, name="vacunas")
    response = client.post(
        f"{base}/etiquetas/", {"etiquetas": ["vacunas"], "nuevas_etiquetas": "citas, , dengue"}
    )
    assert response.status_code == 302
    conv.refresh_from_db()
    assert conv.assignee == communicator
    assert conv.status == Status.CERRADO
    assert conv.priority == "alta"
    assert sorted(conv.labels.values_list("name", flat=True)) == ["citas", "dengue", "vacunas"]
    assert Message.objects.filter(conversation=conv, direction=Direction.NOTA).count() == 1
    verbs = set(AuditEvent.objects.filter(object_id=str(conv.pk)).values_list("verb", flat=True))
    assert {
        "conversacion.nota_agregada",
        "conversacion.asignada",
        "conversacion.estado_cambiado",
        "conversacion.prioridad_cambiada",
        "conversacion.etiquetada",
    } <= verbs
    # Unassigning is choosing nobody.
    client.post(f"{base}/asignar/", {"asignada_a": ""})
    conv.refresh_from_db()
    assert conv.assignee is None


def test_actions_refuse_bad_values_in_spanish_and_write_nothing(
    client: Client,
    communicator: User,
    sunat_communicator: User,
    minsa_account: SocialAccount,
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    base = f"/bandeja/{conv.pk}"
    before = AuditEvent.objects.count()
    cases = [
        ("asignar", {"asignada_a": sunat_communicator.pk}, "Esa persona no trabaja para esta"),
        ("estado", {"estado": "borrado"}, "Estado desconocido."),
        ("prioridad", {"prioridad": "maxima"}, "Prioridad desconocida."),
        ("nota", {"nota": ""}, "Escriba la nota."),
        ("etiquetas", {"nuevas_etiquetas": "x" * 61}, "Cada etiqueta puede tener hasta 60"),
    ]
    for action, data, message in cases:
        response = client.post(f"{base}/{action}/", data)
        assert response.status_code == 400, action
        assert message in html(response), action
        partial = client.post(f"{base}/{action}/", data, headers=HTMX)
        assert partial.status_code == 200
        assert message in html(partial)
    assert AuditEvent.objects.count() == before
    conv.refresh_from_db()
    assert (conv.assignee, conv.status, conv.priority) == (None, Status.NUEVO, "normal")
    assert client.get(f"{base}/estado/").status_code == 405


@pytest.fixture
def canned(entities: dict[str, Entity], rector: User) -> dict[str, CannedAnswer]:
    now = timezone.now()

    def make(title: str, body: str, entity: Entity | None, approved: bool = True) -> CannedAnswer:
        return CannedAnswer.objects.create(
            entity=entity, title=title, body=body, approved_by=rector,
            approved_at=now if approved else None,
        )  # fmt: skip

    return {
        "minsa": make("Vacunación", "Puede vacunarse en cualquier posta.", entities["minsa"]),
        "general": make("Gracias", "Gracias por escribirnos.", None),
        "sunat": make("RUC", "Su RUC se tramita en línea.", entities["sunat"]),
        "draft": make("Borrador", "Sin aprobar.", entities["minsa"], approved=False),
    }  # fmt: skip


def test_approved_answers_fill_the_answer_box_with_htmx_or_without_js(
    client: Client,
    communicator: User,
    minsa_account: SocialAccount,
    canned: dict[str, CannedAnswer],
) -> None:
    conv = ingest(minsa_account)
    login(client, communicator)
    page = html(client.get(f"/bandeja/{conv.pk}/"))
    assert "Vacunación" in page and "Gracias" in page
    assert "RUC" not in page and "Borrador" not in page
    fill = f"/bandeja/{conv.pk}/respuesta-aprobada/"
    assert f'hx-get="{fill}"' in page
    fragment = client.get(fill, {"respuesta_aprobada": canned["minsa"].pk}, headers=HTMX)
    assert fragment.status_code == 200
    assert "Puede vacunarse en cualquier posta.</textarea>" in html(fragment)
    # Another entity's answer is not offered: the text already typed stays.
    other = client.get(
        fill, {"respuesta_aprobada": str(canned["sunat"].pk), "texto": "Mi borrador"}, headers=HTMX
    )
    assert "Mi borrador</textarea>" in html(other)
    # Without JavaScript: the same choice reloads the page with the box filled.
    redirect = client.get(fill, {"respuesta_aprobada": canned["general"].pk})
    assert redirect.status_code == 302
    filled = html(client.get(redirect["Location"]))
    assert "Gracias por escribirnos.</textarea>" in filled


# --- notifications ---------------------------------------------------------------------------


def test_notifications_list_only_mine_and_mark_read(
    client: Client, communicator: User, manager: User
) -> None:
    mine = Notification.objects.create(
        user=communicator, kind="plazo_vencido", text="Venció un plazo", url="/bandeja/1/"
    )
    second = Notification.objects.create(user=communicator, kind="x", text="Otra <b>cosa</b>",
                                         url="https://malo.example/")  # fmt: skip
    theirs = Notification.objects.create(user=manager, kind="x", text="De otra persona")
    login(client, communicator)
    page = html(client.get("/bandeja/notificaciones/"))
    assert "Venció un plazo" in page and "Otra &lt;b&gt;cosa&lt;/b&gt;" in page
    assert "De otra persona" not in page
    assert 'href="/bandeja/1/"' in page and "malo.example" not in page
    assert "2 notificaciones sin leer." in page
    response = client.post("/bandeja/notificaciones/", {"notificacion": mine.pk})
    assert response.status_code == 302
    mine.refresh_from_db()
    second.refresh_from_db()
    assert mine.read_at is not None and second.read_at is None
    # Another person's notification cannot be marked.
    client.post("/bandeja/notificaciones/", {"notificacion": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None
    partial = client.post("/bandeja/notificaciones/", {"todas": "1"}, headers=HTMX)
    assert partial.status_code == 200
    assert "0 notificaciones sin leer." in html(partial)
    second.refresh_from_db()
    assert second.read_at is not None


# --- methodology -----------------------------------------------------------------------------


def test_methodology_is_public_and_shows_the_policy_in_force(client: Client, db: None) -> None:
    response = client.get("/bandeja/metodologia/")
    assert response.status_code == 200
    page = html(response)
    for term in ["Tiempo de primera respuesta", "Tiempo de resolución", "Dentro del plazo"]:
        assert term in page
    assert "en espera del ciudadano" in page
    assert "08:30" in page and "17:30" in page
    assert re.search(r"Primera respuesta</th><td>8</td>", page)
    assert re.search(r"Resolución</th><td>45</td>", page)
    assert "Año Nuevo" in page  # Peru's national holidays of this year
    ResponsePolicy.objects.create(
        entity=None, first_response_hours=Decimal("4.5"), resolution_hours=Decimal("40")
    )
    page = html(client.get("/bandeja/metodologia/"))
    assert re.search(r"Primera respuesta</th><td>4[.,]5</td>", page)
    assert_no_inline_code(page)


def test_revision_history_uses_the_ingested_edit(minsa_account: SocialAccount) -> None:
    """Sanity check of the fixture data the detail page relies on."""
    conv = ingest(minsa_account, thread="r", message_id="r1", text="uno")
    ingest(minsa_account, thread="r", message_id="r1", text="dos", verb="edit")
    message = Message.objects.get(conversation=conv)
    assert message.text == "dos"
    assert list(MessageRevision.objects.filter(message=message).values_list("text", flat=True)) == [
        "uno"
    ]


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client, rector: User) -> Client:
    rector.is_staff = True
    rector.is_superuser = True
    rector.save()
    return login(client, rector)


def _policy(entity: Entity, first: str) -> dict[str, str]:
    return {
        "entity": str(entity.pk),
        "first_response_hours": first,
        "next_response_hours": "8",
        "resolution_hours": "45",
        "workday_start": "08:30",
        "workday_end": "17:30",
    }


def test_admin_policy_may_only_be_stricter_and_is_audited(
    admin_client: Client, entities: dict[str, Entity]
) -> None:
    url = "/admin/inbox/responsepolicy/add/"
    looser = admin_client.post(url, _policy(entities["minsa"], "12"))
    assert looser.status_code == 200
    assert "no puede ser mayor que el de la política general" in html(looser)
    assert not ResponsePolicy.objects.exists()
    stricter = admin_client.post(url, _policy(entities["minsa"], "4"))
    assert stricter.status_code == 302
    policy = ResponsePolicy.objects.get(entity=entities["minsa"])
    assert policy.first_response_hours == Decimal("4")
    # Saved through the policy service: its verb, as on the settings page (issue 19, point 3).
    assert AuditEvent.objects.filter(
        verb="plazos.politica_propia_fijada", object_id=str(policy.pk), scope="minsa"
    ).exists()


def test_admin_quarantine_is_read_only_and_marked_reviewed_by_action(
    admin_client: Client, rector: User
) -> None:
    event = QuarantinedEvent.objects.create(
        platform="facebook", object_id="999", reason="Página desconocida", payload={"a": 1}
    )
    page = html(admin_client.get("/admin/inbox/quarantinedevent/"))
    assert "Marcar revisado" in page
    assert admin_client.get("/admin/inbox/quarantinedevent/add/").status_code == 403
    response = admin_client.post(
        "/admin/inbox/quarantinedevent/",
        {"action": "mark_reviewed", "_selected_action": [str(event.pk)]},
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.resolved_by == rector and event.resolved_at is not None
    assert AuditEvent.objects.filter(verb="cuarentena.revisado", object_id=str(event.pk)).exists()


def test_admin_conversations_and_messages_are_read_only(
    admin_client: Client, minsa_account: SocialAccount
) -> None:
    conv = ingest(minsa_account)
    assert admin_client.get("/admin/inbox/conversation/").status_code == 200
    assert admin_client.get(f"/admin/inbox/conversation/{conv.pk}/change/").status_code == 200
    assert admin_client.get("/admin/inbox/conversation/add/").status_code == 403
    assert admin_client.get(f"/admin/inbox/conversation/{conv.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/inbox/message/").status_code == 200


def test_status_counts_are_fresh_after_each_change_made_through_the_services(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    """The per-status counts are cached for a few seconds, but every service that changes a
    conversation invalidates them: the person who acted sees the new counts at once."""
    first = ingest(minsa_account)
    login(client, communicator)
    assert re.search(r"Nuevo <span class=\"count\">\(1\)</span>", html(client.get(LIST)))
    services.conversation_set_status(conversation=first, actor=communicator, status="cerrado")
    page = html(client.get(LIST))
    assert re.search(r"Nuevo <span class=\"count\">\(0\)</span>", page)
    assert re.search(r"Cerrado <span class=\"count\">\(1\)</span>", page)
    ingest(minsa_account)
    page = html(client.get(LIST))
    assert re.search(r"Todas <span class=\"count\">\(2\)</span>", page)
    assert re.search(r"Nuevo <span class=\"count\">\(1\)</span>", page)


def test_cached_list_page_changes_with_the_inbox_and_the_notifications(
    client: Client, communicator: User, minsa_account: SocialAccount
) -> None:
    """The list is served from a short cache per session, but a new conversation, a change
    made through the services or a new notification shows on the next request."""
    first = ingest(minsa_account, text="Primera consulta")
    login(client, communicator)
    assert "Primera consulta" in html(client.get(LIST))
    second = ingest(minsa_account, text="Segunda consulta")
    assert listed_ids(client.get(LIST)) == [first.pk, second.pk]  # the first is due first
    services.conversation_set_status(conversation=first, actor=communicator, status="cerrado")
    assert re.search(r"Cerrado <span class=\"count\">\(1\)</span>", html(client.get(LIST)))
    Notification.objects.create(user=communicator, kind="aviso", text="Aviso")
    assert "Notificaciones (1 sin leer)" in html(client.get(LIST))
    # Other filters are other pages.
    assert listed_ids(client.get(LIST, {"estado": "cerrado"})) == [first.pk]


def test_en_espera_is_refused_while_a_citizen_message_waits_for_an_answer(
    client: Client, manager: User, minsa_account: SocialAccount
) -> None:
    """ "En espera" pauses the clocks while the entity waits for the citizen: with the citizen's
    message unanswered it would only hide the deadline, so it is refused until answered."""
    conv = ingest(minsa_account)
    due = Conversation.objects.get(pk=conv.pk).due_at
    login(client, manager)
    response = client.post(f"/bandeja/{conv.pk}/estado/", {"estado": "en_espera"}, follow=True)
    assert "Responda primero al mensaje pendiente" in html(response)
    conv.refresh_from_db()
    assert (conv.status, conv.due_at, conv.waiting_since) == (Status.NUEVO, due, None)
    # Once the entity's answer is in, waiting for the citizen pauses the clock.
    services.messages_ingest(
        batch=[
            services.IncomingMessage(
                platform=minsa_account.platform,
                account_id=minsa_account.pk,
                thread_kind=ThreadKind.DIRECT,
                thread_id=conv.thread_id,
                message_id="respuesta-1",
                sent_at=timezone.now() - timedelta(minutes=1),
                text="Le pedimos su número de expediente.",
                author_id=minsa_account.platform_id,
                from_entity=True,
            )
        ]
    )
    client.post(f"/bandeja/{conv.pk}/estado/", {"estado": "en_espera"})
    conv.refresh_from_db()
    assert conv.status == Status.EN_ESPERA and conv.waiting_since is not None
