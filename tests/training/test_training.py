"""The communicator training registry (issue #18, point 7): who may register what, the public
page (counts, never names), the coverage by level of government, its open data, and bad
input answered in Spanish with nothing written."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from agora.core.errors import DomainError, PermissionDeniedError
from agora.core.models import AuditEvent, User
from agora.directory.models import Entity
from agora.training import selectors, services
from agora.training.models import Attendance, AttendeeRole, Mode, TrainingMaterial, TrainingSession
from tests.helpers import login

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DAY = datetime.date(2026, 3, 10)


def _session(actor: User | None, *, date: datetime.date = DAY, **extra: object) -> TrainingSession:
    values: dict[str, object] = {
        "title": "Lineamientos para redes sociales",
        "date": date,
        "mode": Mode.PRESENCIAL,
        "place": "Auditorio de la PCM, Lima",
        "topics": "Plan de contenidos\nAtención a la ciudadanía",
        "trainer": "Secretaría de Gobierno Digital",
        "hours": "3",
    }
    values.update(extra)
    return services.session_create(actor=actor, **values)  # type: ignore[arg-type]


def _verify(entities: dict[str, Entity], *codes: str) -> None:
    """Gives these entities a verified account (the coverage's denominator)."""
    Entity.objects.filter(code__in=codes).update(verified_count=1)


# --- services per role ---------------------------------------------------------------------


def test_rector_staff_register_a_workshop_and_it_is_audited(rector: User) -> None:
    session = _session(rector)
    assert session.created_by == rector
    assert session.topics == "Plan de contenidos\nAtención a la ciudadanía"
    event = AuditEvent.objects.get(verb="capacitacion.taller_creado")
    assert event.actor == rector and event.object_id == str(session.pk)


@pytest.mark.parametrize("who", ["manager", "communicator"])
def test_entity_staff_cannot_register_workshops(
    request: pytest.FixtureRequest, who: str, entities: dict[str, Entity]
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDeniedError):
        _session(user)
    assert not TrainingSession.objects.exists()


def test_a_manager_registers_attendance_of_their_own_entity_only(
    rector: User, manager: User, entities: dict[str, Entity]
) -> None:
    session = _session(rector)
    services.attendance_register(
        actor=manager,
        session=session,
        entity=entities["minsa"],
        name="Ana Quispe",
        role=AttendeeRole.COMUNICADOR,
    )
    with pytest.raises(PermissionDeniedError):
        services.attendance_register(
            actor=manager,
            session=session,
            entity=entities["sunat"],
            name="Luis Rojas",
            role=AttendeeRole.GESTOR,
        )
    assert list(Attendance.objects.values_list("name", flat=True)) == ["Ana Quispe"]
    event = AuditEvent.objects.get(verb="capacitacion.asistencia_registrada")
    assert event.actor == manager and event.scope == "minsa"


def test_a_communicator_cannot_register_attendance(
    rector: User, communicator: User, entities: dict[str, Entity]
) -> None:
    session = _session(rector)
    with pytest.raises(PermissionDeniedError):
        services.attendance_register(
            actor=communicator,
            session=session,
            entity=entities["minsa"],
            name="Ana Quispe",
            role=AttendeeRole.COMUNICADOR,
        )


def test_the_same_person_twice_and_a_foreign_account_are_refused(
    rector: User, communicator: User, entities: dict[str, Entity]
) -> None:
    session = _session(rector)
    services.attendance_register(
        actor=rector,
        session=session,
        entity=entities["minsa"],
        name="Ana Quispe",
        role=AttendeeRole.COMUNICADOR,
        user=communicator,
    )
    with pytest.raises(DomainError, match="ya figura"):
        services.attendance_register(
            actor=rector,
            session=session,
            entity=entities["minsa"],
            name="ana  quispe",
            role=AttendeeRole.GESTOR,
        )
    with pytest.raises(DomainError, match="no trabaja para"):
        services.attendance_register(
            actor=rector,
            session=session,
            entity=entities["sunat"],
            name="Carla Díaz",
            role=AttendeeRole.GESTOR,
            user=communicator,
        )
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "Ta", "título"),
        ("date", None, "fecha"),
        ("mode", "hibrido", "presencial o virtual"),
        ("place", " ", "lugar"),
        ("topics", "\n \n", "tema"),
        ("trainer", "", "dictó"),
        ("hours", "tres", "número"),
        ("hours", "0", "entre"),
    ],
)
def test_a_bad_workshop_is_refused_in_spanish(
    rector: User, field: str, value: object, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        _session(rector, **{field: value})  # type: ignore[arg-type]
    assert not TrainingSession.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="capacitacion.").exists()


def test_materials_are_a_link_or_a_file_checked_by_its_content(rector: User) -> None:
    session = _session(rector)
    services.material_add(
        actor=rector, session=session, title="Presentación", url="https://www.gob.pe/pcm"
    )
    services.material_add(
        actor=rector,
        session=session,
        title="Guía en PDF",
        file=SimpleUploadedFile("guia.pdf", PDF, content_type="application/pdf"),
    )
    with pytest.raises(DomainError, match="no es un PDF"):
        services.material_add(
            actor=rector,
            session=session,
            title="Disfrazado",
            file=SimpleUploadedFile("falso.pdf", b"<html>hola</html>", "application/pdf"),
        )
    with pytest.raises(DomainError, match="uno de los dos"):
        services.material_add(actor=rector, session=session, title="Nada")
    with pytest.raises(DomainError, match="no es una dirección web"):
        services.material_add(actor=rector, session=session, title="Mal", url="javascript:x")
    assert TrainingMaterial.objects.count() == 2
    assert AuditEvent.objects.filter(verb="capacitacion.material_agregado").count() == 2


def test_a_manager_cannot_add_materials(rector: User, manager: User) -> None:
    session = _session(rector)
    with pytest.raises(PermissionDeniedError):
        services.material_add(
            actor=manager, session=session, title="Presentación", url="https://www.gob.pe"
        )


# --- coverage --------------------------------------------------------------------------------


def test_coverage_by_level_counts_account_holders_who_completed_a_workshop(
    rector: User, entities: dict[str, Entity]
) -> None:
    """Denominator: entities with a verified account (national: minsa, sunat, mef, reniec;
    regional: gr-04, gr-15; local: mp-0401). MINSA is covered by a communicator; SUNAT's
    attendee is «otro» (not covered); MEF's did not complete; Arequipa's regional government is
    covered by its manager at two workshops; ONPE, covered but without a verified account, is
    counted apart; a future workshop covers nobody yet."""
    _verify(entities, "minsa", "sunat", "mef", "reniec", "gr-04", "gr-15", "mp-0401")
    first = _session(rector, date=datetime.date(2026, 2, 1))
    second = _session(rector, date=datetime.date(2026, 4, 15), title="Manual de crisis")
    later = _session(rector, date=datetime.date(2026, 12, 1), title="Taller futuro")

    def attend(
        session: TrainingSession, code: str, name: str, role: str, *, completed: bool = True
    ) -> None:
        services.attendance_register(
            actor=rector,
            session=session,
            entity=entities[code],
            name=name,
            role=role,
            completed=completed,
        )

    attend(first, "minsa", "Ana", AttendeeRole.COMUNICADOR)
    attend(first, "sunat", "Beto", AttendeeRole.OTRO)
    attend(first, "mef", "Carla", AttendeeRole.GESTOR, completed=False)
    attend(first, "gr-04", "Dora", AttendeeRole.GESTOR)
    attend(second, "gr-04", "Dora", AttendeeRole.GESTOR)
    attend(second, "onpe", "Elsa", AttendeeRole.GESTOR)
    attend(later, "gr-15", "Fidel", AttendeeRole.GESTOR)

    result = selectors.coverage(on=datetime.date(2026, 6, 1))
    levels = {level.level: level for level in result.levels}
    national, regional, local = levels["nacional"], levels["regional"], levels["local"]
    assert (national.entities, national.covered, national.share) == (4, 1, 25.0)
    assert [row.code for row in national.rows] == ["minsa"]
    assert national.outside == 1  # ONPE
    assert (regional.entities, regional.covered, regional.share) == (2, 1, 50.0)
    feb, apr = datetime.date(2026, 2, 1), datetime.date(2026, 4, 15)
    assert (regional.first, regional.last) == (feb, apr)
    assert regional.rows[0].people == 2 and regional.rows[0].last == datetime.date(2026, 4, 15)
    assert (local.entities, local.covered, local.share) == (1, 0, 0.0)
    assert local.first is None
    total = result.total
    assert (total.entities, total.covered, total.outside) == (7, 2, 1)
    assert total.share == pytest.approx(28.6)
    assert (total.first, total.last) == (datetime.date(2026, 2, 1), datetime.date(2026, 4, 15))
    # Once the December workshop has been held, Ica's regional government is covered too.
    later_levels = {lv.level: lv for lv in selectors.coverage(on=datetime.date(2026, 12, 2)).levels}
    assert later_levels["regional"].covered == 2


def test_no_denominator_gives_no_share(db: None) -> None:
    result = selectors.coverage(on=DAY)
    assert all(level.share is None for level in result.levels)
    assert result.total.share is None


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def trained(rector: User, entities: dict[str, Entity]) -> TrainingSession:
    _verify(entities, "minsa", "gr-04", "mp-0401")
    session = _session(rector, date=datetime.date(2026, 1, 20))
    for code, name, role in [
        ("minsa", "Ana Quispe Huamán", AttendeeRole.COMUNICADOR),
        ("minsa", "Roberto Salas", AttendeeRole.GESTOR),
        ("gr-04", "Lucía Mamani", AttendeeRole.GESTOR),
    ]:
        services.attendance_register(
            actor=rector, session=session, entity=entities[code], name=name, role=role
        )
    services.material_add(
        actor=rector, session=session, title="Diapositivas del taller", url="https://www.gob.pe/a"
    )
    return session


def test_the_public_page_shows_counts_and_coverage_never_names(
    client: Client, trained: TrainingSession
) -> None:
    response = client.get("/capacitacion/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lineamientos para redes sociales" in html
    assert "Diapositivas del taller" in html
    assert "3 personas de 2 entidades" in html
    for name in ("Ana Quispe", "Roberto Salas", "Lucía Mamani"):
        assert name not in html
    assert "Ministerio de Salud" in html  # a covered entity is listed
    assert "100,0\u00a0%" in html  # national and regional: 1 of 1 each
    assert "66,7\u00a0%" in html  # all levels: 2 of 3 (Arequipa's province is not covered)
    assert "al menos una cuenta verificada" in html
    assert "datos de demostración" not in html


def test_the_public_page_says_when_data_are_demo(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    _session(rector, is_demo=True)
    html = client.get("/capacitacion/").content.decode()
    assert "Incluye datos de demostración" in html
    assert "tag-demo" in html


def test_the_coverage_csv_has_spanish_headers_and_no_names(
    client: Client, trained: TrainingSession
) -> None:
    response = client.get("/capacitacion/cobertura.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:6] == [
        "codigo",
        "entidad",
        "siglas",
        "nivel_de_gobierno",
        "cuentas_verificadas",
        "cubierta",
    ]
    by_code = {row[0]: row for row in rows[1:]}
    assert by_code["minsa"][5] == "sí" and by_code["minsa"][8] == "2"
    assert by_code["minsa"][6] == "2026-01-20"
    assert by_code["mp-0401"][5] == "no"
    assert "Ana Quispe" not in text


def test_staff_pages_are_for_rector_staff_and_managers(
    client: Client,
    trained: TrainingSession,
    rector: User,
    manager: User,
    communicator: User,
    make_user: Callable[..., User],
) -> None:
    assert client.get("/capacitacion/gestion/").status_code == 302  # sign in first
    login(client, communicator)
    assert client.get("/capacitacion/gestion/").status_code == 403
    login(client, manager)
    page = client.get(f"/capacitacion/gestion/{trained.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ana Quispe Huamán" in html and "Lucía Mamani" not in html  # own entity only
    assert client.get("/capacitacion/gestion/nuevo/").status_code == 403
    login(client, rector)
    html = client.get(f"/capacitacion/gestion/{trained.pk}/").content.decode()
    assert "Lucía Mamani" in html


def test_rector_registers_a_workshop_and_attendance_through_the_pages(
    client: Client, rector: User, entities: dict[str, Entity]
) -> None:
    login(client, rector)
    response = client.post(
        "/capacitacion/gestion/nuevo/",
        {
            "title": "Atención en redes",
            "date": "2026-05-04",
            "mode": "virtual",
            "place": "https://reuniones.gob.pe/taller",
            "topics": "Plazos de respuesta",
            "trainer": "PCM",
            "hours": "2,5",
        },
    )
    session = TrainingSession.objects.get()
    assert response.status_code == 302 and str(session.hours) == "2.5"
    response = client.post(
        f"/capacitacion/gestion/{session.pk}/asistencia/",
        {"entity": "Gobierno Regional de Arequipa (gr-04)", "name": "Lucía", "role": "gestor"},
    )
    assert response.status_code == 302
    assert Attendance.objects.get().entity.code == "gr-04"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"entity": "no-existe", "name": "Lucía", "role": "gestor"}, "No encontramos"),
        ({"entity": "minsa", "name": "Lu", "role": "gestor"}, "nombre"),
        ({"entity": "minsa", "name": "Lucía", "role": "jefa"}, "Escoja una opción válida"),
        (
            {"entity": "minsa", "name": "Lucía", "role": "gestor", "username": "nadie"},
            "No existe un usuario",
        ),
    ],
)
def test_bad_attendance_is_a_spanish_400_and_writes_nothing(
    client: Client, trained: TrainingSession, rector: User, data: dict[str, str], message: str
) -> None:
    login(client, rector)
    before = Attendance.objects.count()
    response = client.post(f"/capacitacion/gestion/{trained.pk}/asistencia/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Attendance.objects.count() == before


def test_a_manager_cannot_register_another_entity_through_the_page(
    client: Client, trained: TrainingSession, manager: User
) -> None:
    login(client, manager)
    response = client.post(
        f"/capacitacion/gestion/{trained.pk}/asistencia/",
        {"entity": "sunat", "name": "Luis Rojas", "role": "gestor"},
    )
    assert response.status_code == 400
    assert not Attendance.objects.filter(entity__code="sunat").exists()


def test_a_bad_workshop_form_is_a_spanish_400(client: Client, rector: User) -> None:
    login(client, rector)
    response = client.post(
        "/capacitacion/gestion/nuevo/",
        {"title": "Taller", "date": "2026-13-45", "mode": "virtual", "place": "x", "topics": "t"},
    )
    assert response.status_code == 400
    assert "AAAA-MM-DD" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_an_uploaded_material_is_served_and_a_disguised_one_refused(
    client: Client, trained: TrainingSession, rector: User
) -> None:
    login(client, rector)
    response = client.post(
        f"/capacitacion/gestion/{trained.pk}/materiales/",
        {"title": "Guía", "file": SimpleUploadedFile("guia.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 302
    material = TrainingMaterial.objects.exclude(file="").get()
    public = Client().get(f"/capacitacion/materiales/{material.pk}/")
    assert public.status_code == 200
    assert b"".join(public.streaming_content).startswith(b"%PDF")  # type: ignore[attr-defined]
    response = client.post(
        f"/capacitacion/gestion/{trained.pk}/materiales/",
        {"title": "Falso", "file": SimpleUploadedFile("x.pdf", b"MZ\x90\x00", "application/pdf")},
    )
    assert response.status_code == 400
    assert "se revisa su contenido" in response.content.decode()


def test_removing_attendance_is_audited_and_scoped(
    client: Client, trained: TrainingSession, manager: User, other_manager: User
) -> None:
    ana = Attendance.objects.get(name="Ana Quispe Huamán")
    login(client, other_manager)
    assert client.post(f"/capacitacion/gestion/asistencia/{ana.pk}/retirar/").status_code == 404
    login(client, manager)
    assert client.post(f"/capacitacion/gestion/asistencia/{ana.pk}/retirar/").status_code == 302
    assert not Attendance.objects.filter(pk=ana.pk).exists()
    assert AuditEvent.objects.filter(verb="capacitacion.asistencia_retirada").exists()


def test_the_pe0065_commitment_page_links_to_the_training_page(
    client: Client, entities: dict[str, Entity]
) -> None:
    from agora.commitments.models import ActionPlan, Commitment, PlanStatus

    plan = ActionPlan.objects.create(cycle=2017, title="Plan 2017", status=PlanStatus.CERRADO)
    for code in ("PE0065", "PE0066"):
        Commitment.objects.create(plan=plan, code=code, title="Redes sociales del Estado")
    assert (
        'href="/capacitacion/"'
        in client.get("/compromisos/PE0065/").content.decode().split("<footer")[0]
    )
    assert (
        'href="/capacitacion/"'
        not in client.get("/compromisos/PE0066/").content.decode().split("<footer")[0]
    )


def test_the_public_page_costs_a_constant_number_of_queries(
    client: Client,
    trained: TrainingSession,
    rector: User,
    entities: dict[str, Entity],
    django_assert_max_num_queries: Any,
) -> None:
    for day in range(5):
        session = _session(rector, date=datetime.date(2026, 2, day + 1), title=f"Taller {day}")
        services.material_add(actor=rector, session=session, title="Guía", url="https://gob.pe")
        services.attendance_register(
            actor=rector, session=session, entity=entities["mef"], name="Pía", role="gestor"
        )
    with django_assert_max_num_queries(8):
        assert client.get("/capacitacion/").status_code == 200


def test_the_demo_workshops_are_marked_idempotent_and_cover_part_of_the_entities(
    entities: dict[str, Entity], client: Client
) -> None:
    from agora.training.demo import training_create_demo

    _verify(entities, *entities)
    assert training_create_demo() > 0
    assert training_create_demo() == 0  # loaded once
    sessions = TrainingSession.objects.all()
    assert sessions.count() == 4 and all(s.is_demo for s in sessions)
    assert all(s.date.year == 2026 for s in sessions)
    assert TrainingMaterial.objects.filter(session__is_demo=True).count() == 4
    total = selectors.coverage(on=datetime.date(2026, 12, 31)).total
    assert 0 < total.covered < total.entities  # partial coverage
    assert "Incluye datos de demostración" in client.get("/capacitacion/").content.decode()
