"""Public pages (dashboard, plan, commitment, downloads) and staff pages per role; the
dashboard's query count does not grow with the number of plans, commitments or milestones."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from agora.commitments import services
from agora.commitments.models import (
    ActionPlan,
    Commitment,
    CommitmentUpdate,
    Milestone,
    MilestoneStatus,
    PolicyArea,
    Proposal,
    UpdateStatus,
)
from agora.core.models import User
from agora.directory.models import Entity
from tests.helpers import html as _html
from tests.helpers import login


def test_dashboard_lists_plans_and_commitments_with_text_progress(
    client: Client, commitment: Commitment, rector: User, first_milestone: Milestone
) -> None:
    services.milestone_update(
        actor=rector, milestone=first_milestone, status=MilestoneStatus.COMPLETADO
    )
    html = _html(client.get("/compromisos/"))
    assert "Plan de prueba 2025-2026" in html
    assert "PE9001" in html
    assert "50 % de avance" in html  # text, not colour only
    assert '<progress class="cm-bar" max="100" value="50.0"' in html


def test_dashboard_filters_by_plan_entity_area_and_status(
    client: Client, make_commitment: Callable[..., Commitment], area: PolicyArea, rector: User
) -> None:
    other_plan = ActionPlan.objects.create(cycle=2030, title="Plan futuro")
    a = make_commitment("PE9001", lead="minsa")
    b = make_commitment("PE9002", lead="mef", plan_obj=other_plan)
    a.policy_areas.add(area)
    for m in b.milestones.all():
        services.milestone_update(actor=rector, milestone=m, status=MilestoneStatus.COMPLETADO)

    def codes(query: str) -> set[str]:
        html = _html(client.get("/compromisos/" + query))
        return {code for code in ("PE9001", "PE9002") if code in html}

    assert codes("") == {"PE9001", "PE9002"}
    assert codes("?plan=2030") == {"PE9002"}
    assert codes("?entidad=minsa") == {"PE9001"}
    assert codes("?area=e-government") == {"PE9001"}
    assert codes("?estado=completado") == {"PE9002"}
    assert codes("?estado=vencido") == {"PE9001"}  # its 2025 milestones are past and open
    assert codes("?q=9002") == {"PE9002"}
    response = client.get("/compromisos/?plan=1999&estado=inventado")
    assert response.status_code == 200
    assert "Se ignoraron los filtros no válidos" in _html(response)


def test_commitment_page_shows_milestones_timeline_review_and_only_approved_updates(
    client: Client, commitment: Commitment, manager: User, rector: User, first_milestone: Milestone
) -> None:
    pending = services.update_post(
        actor=manager, commitment=commitment, text="Reporte todavía pendiente."
    )
    approved = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Reporte aprobado por la secretaría.",
        milestone=first_milestone,
        milestone_status=MilestoneStatus.EN_CURSO,
    )
    services.update_approve(actor=rector, update=approved)
    services.review_record(
        actor=rector,
        commitment=commitment,
        verifiable=True,
        relevance=["transparencia"],
        potential_impact="transformador",
        completion="completo",
        opened_government="sobresaliente",
    )
    html = _html(client.get("/compromisos/PE9001/"))
    assert "Actividad 1" in html and "enero 2025" in html.lower()
    assert "<svg" in html and 'role="img"' in html and "Hitos del compromiso" in html
    assert "Reporte aprobado por la secretaría." in html
    assert pending.text not in html
    assert "Transformador" in html and "Sobresaliente" in html
    assert client.get("/compromisos/NOEXISTE/").status_code == 404


def test_plan_page_shows_workshops_and_timeline(
    client: Client, commitment: Commitment, rector: User
) -> None:
    services.workshop_record(
        actor=rector,
        plan=commitment.plan,
        label="AYACUCHO",
        place="Ayacucho",
        people=87,
        participation={"entidad_publica": 11, "sociedad_civil": 27},
    )
    html = _html(client.get("/compromisos/planes/2025/"))
    assert "Ayacucho" in html and "87" in html and "Organizaciones de la sociedad civil" in html
    assert "Cronograma (texto)" in html and "PE9001" in html
    assert client.get("/compromisos/planes/1800/").status_code == 404


def test_plan_page_lists_commission_members_from_the_participation_forum(
    client: Client, plan: ActionPlan
) -> None:
    from agora.participation.models import Forum, ForumMembership, MemberOrganisation

    forum = Forum.objects.create(
        slug="comision-aga",
        name="Comisión AGA",
        sector="PCM",
        scope="nacional",
        purpose="Seguimiento",
    )
    today = timezone.localdate()
    for name, vote in (("Proética", "voz_y_voto"), ("Defensoría del Pueblo", "observador")):
        org = MemberOrganisation.objects.create(name=name, stakeholder_type="sociedad_civil")
        ForumMembership.objects.create(
            forum=forum,
            organisation=org,
            stakeholder_type="sociedad_civil",
            vote=vote,
            term_start=today - datetime.timedelta(days=1),
            term_end=today + datetime.timedelta(days=300),
        )
    plan.commission = forum
    plan.save()
    html = _html(client.get("/compromisos/planes/2025/"))
    assert "Comisión AGA" in html
    assert html.index("Proética") < html.index("Defensoría del Pueblo")  # voting members first


def test_csv_and_json_downloads(client: Client, commitment: Commitment) -> None:
    response = client.get("/compromisos/datos/compromisos.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["codigo"] == "PE9001" and rows[0]["entidad_responsable"] == "minsa"
    assert rows[0]["hitos"] == "2"
    data = json.loads(client.get("/compromisos/datos/compromisos.json?entidad=minsa").content)
    assert data["total"] == 1
    assert data["compromisos"][0]["hitos"][0]["inicio"] == "2025-01"


def _bulk(
    plans: int, per_plan: int, milestones: int, area: PolicyArea, entity: Entity, first: int
) -> None:
    for p in range(first, first + plans):
        plan = ActionPlan.objects.create(cycle=3000 + p, title=f"Plan {p}")
        for c in range(per_plan):
            commitment = Commitment.objects.create(
                plan=plan, code=f"Q{p:02d}{c:03d}", title="X", lead_entity=entity
            )
            commitment.policy_areas.add(area)
            Milestone.objects.bulk_create(
                Milestone(
                    commitment=commitment,
                    order=m + 1,
                    activity="A",
                    start_month=datetime.date(2030, 1, 1),
                    end_month=datetime.date(2030, 2, 1),
                )
                for m in range(milestones)
            )


def test_dashboard_query_count_is_constant(
    client: Client,
    django_assert_num_queries: Callable[..., Any],
    area: PolicyArea,
    entities: dict[str, Entity],
) -> None:
    _bulk(1, 1, 1, area, entities["minsa"], 0)
    client.get("/compromisos/")  # warm any per-process cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()  # measure the page that is built, not the cached copy
    with CaptureQueriesContext(connection) as small:
        assert client.get("/compromisos/").status_code == 200
    _bulk(6, 12, 5, area, entities["mef"], 1)
    cache.clear()
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get("/compromisos/?pagina=2")
    assert response.status_code == 200
    assert "Página 2 de 3" in _html(response)
    cache.clear()
    with django_assert_num_queries(len(small.captured_queries)):
        client.get("/compromisos/?area=e-government&entidad=mef")
    with django_assert_num_queries(1):  # cached for anonymous visitors: only the version
        client.get("/compromisos/?area=e-government&entidad=mef")


def test_cached_dashboard_changes_when_progress_changes(
    client: Client, commitment: Commitment, manager: User, rector: User, first_milestone: Milestone
) -> None:
    assert "0 % de avance" in _html(client.get("/compromisos/"))
    update = services.update_post(
        actor=manager,
        commitment=commitment,
        text="Hito uno completado.",
        milestone=first_milestone,
        milestone_status=MilestoneStatus.COMPLETADO,
    )
    services.update_approve(actor=rector, update=update)
    assert "50 % de avance" in _html(client.get("/compromisos/"))


# --- staff pages per role -------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in_for_staff_pages(
    client: Client, commitment: Commitment
) -> None:
    for path in (
        "/compromisos/equipo/",
        "/compromisos/equipo/PE9001/avance/",
        "/compromisos/equipo/planes/2025/propuestas/",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "ingresar" in response["Location"]


def test_manager_posts_update_through_the_form(
    client: Client, manager: User, commitment: Commitment, first_milestone: Milestone
) -> None:
    login(client, manager)
    assert "Reportar avance" in _html(client.get("/compromisos/PE9001/"))
    response = client.post(
        "/compromisos/equipo/PE9001/avance/",
        {
            "text": "Se firmó el convenio con la sociedad civil.",
            "milestone": str(first_milestone.pk),
            "milestone_status": "completado",
            "evidence_links": "https://www.gob.pe/x\n",
        },
    )
    assert response.status_code == 302
    update = CommitmentUpdate.objects.get()
    assert update.status == UpdateStatus.PENDIENTE and update.evidence_links == [
        "https://www.gob.pe/x"
    ]
    response = client.post(
        "/compromisos/equipo/PE9001/avance/",
        {"text": "Con un enlace malo.", "evidence_links": "ftp://x"},
    )
    assert response.status_code == 400 and "no es una dirección web válida" in _html(response)
    assert CommitmentUpdate.objects.count() == 1


def test_other_entity_manager_cannot_reach_the_update_form(
    client: Client, other_manager: User, commitment: Commitment
) -> None:
    login(client, other_manager)
    assert client.get("/compromisos/equipo/PE9001/avance/").status_code == 404
    assert (
        client.post(
            "/compromisos/equipo/PE9001/avance/", {"text": "Intento ajeno de reporte"}
        ).status_code
        == 404
    )
    assert not CommitmentUpdate.objects.exists()


def test_rector_approves_through_the_review_page_manager_cannot(
    client: Client, manager: User, rector: User, commitment: Commitment
) -> None:
    update = services.update_post(actor=manager, commitment=commitment, text="Avance para revisar.")
    login(client, manager)
    assert client.get(f"/compromisos/equipo/avances/{update.pk}/").status_code == 404
    client.logout()
    login(client, rector)
    assert "PE9001" in _html(client.get("/compromisos/equipo/"))
    response = client.post(
        f"/compromisos/equipo/avances/{update.pk}/", {"decision": "aprobar", "note": ""}
    )
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.status == UpdateStatus.APROBADA
    assert "Avance para revisar." in _html(client.get("/compromisos/PE9001/"))


def test_rector_scores_groups_and_selects_over_the_cap_is_refused(
    client: Client, rector: User, plan: ActionPlan
) -> None:
    workshop = services.workshop_record(actor=rector, plan=plan, label="LIMA", place="Lima")
    proposals = [
        services.proposal_submit(
            actor=rector,
            plan=plan,
            title=f"Propuesta distinta {n} sobre tema {n * 7}",
            workshop=workshop,
        )
        for n in range(3)
    ]
    plan.selection_cap = 2
    plan.save()
    login(client, rector)
    response = client.post(
        f"/compromisos/equipo/propuestas/{proposals[0].pk}/puntaje/",
        {"especifico": "3", "medible": "2", "asequible": "3", "relevante": "1", "oportuno": "1"},
    )
    assert response.status_code == 302
    page = _html(client.get("/compromisos/equipo/planes/2025/propuestas/"))
    assert "Ranking SMART" in page and "10" in page
    response = client.post(
        "/compromisos/equipo/planes/2025/propuestas/",
        {"action": "seleccionar", "proposal": [str(p.pk) for p in proposals]},
        follow=True,
    )
    assert "como máximo 2" in _html(response)
    assert not Proposal.objects.filter(selected=True).exists()
    client.post("/compromisos/equipo/planes/2025/propuestas/", {"action": "sugerir"})


def test_manager_without_evaluator_role_cannot_open_scoring(
    client: Client, manager: User, plan: ActionPlan, rector: User
) -> None:
    workshop = services.workshop_record(actor=rector, plan=plan, label="LIMA", place="Lima")
    proposal = services.proposal_submit(
        actor=rector, plan=plan, title="Propuesta sin permiso", workshop=workshop
    )
    login(client, manager)
    assert client.get(f"/compromisos/equipo/propuestas/{proposal.pk}/puntaje/").status_code == 404
    assert client.get("/compromisos/equipo/planes/2025/propuestas/").status_code == 403


@pytest.mark.parametrize("path", ["/compromisos/", "/compromisos/metodologia/"])
def test_public_pages_answer_for_anonymous(client: Client, path: str, db: None) -> None:
    assert client.get(path).status_code == 200


def test_rector_registers_proposals_through_the_form(
    client: Client, rector: User, plan: ActionPlan, entities: dict[str, Entity]
) -> None:
    login(client, rector)
    page = "/compromisos/equipo/planes/2025/propuestas/"
    response = client.post(
        page,
        {"action": "proponer", "title": "Datos abiertos de salud", "entity": "minsa"},
        follow=True,
    )
    assert "Propuesta registrada." in _html(response)
    proposal = Proposal.objects.get()
    assert proposal.entity is not None and proposal.entity.code == "minsa"
    response = client.post(
        page, {"action": "proponer", "title": "Otra propuesta", "entity": "noexiste"}, follow=True
    )
    assert "No hay una entidad con ese código" in _html(response)
    assert Proposal.objects.count() == 1


def test_timeline_numbers_are_not_localised(client: Client, commitment: Commitment) -> None:
    """SVG lengths must use a decimal point even in es-PE (the browser rejects "70,0")."""
    import re

    html = _html(client.get("/compromisos/PE9001/"))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert not re.search(r'(?:x|x1|x2|y|width)="\d+,\d', svg)
    assert re.search(r'width="\d+(?:\.\d+)?"', svg)


def test_cached_dashboard_shows_a_milestone_moved_into_the_past(
    client: Client, commitment: Commitment, rector: User
) -> None:
    """Progress does not change when a milestone's end month moves, but the overdue mark does:
    the kept anonymous page must follow."""
    for milestone in commitment.milestones.all():
        services.milestone_update(
            actor=rector, milestone=milestone, end_month=datetime.date(2099, 12, 1)
        )
    assert "Hitos vencidos" not in _html(client.get("/compromisos/"))
    first = commitment.milestones.get(order=1)
    services.milestone_update(actor=rector, milestone=first, end_month=datetime.date(2025, 6, 1))
    assert "Hitos vencidos" in _html(client.get("/compromisos/"))


def test_an_upload_that_is_not_evidence_is_refused_with_a_400(
    client: Client, manager: User, commitment: Commitment
) -> None:
    """An HTML page named .pdf is read by its content and refused: a 400 with the Spanish
    reason on the form, and no report stored."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, manager)
    fake = SimpleUploadedFile("informe.pdf", b"<html><script>alert(1)</script></html>")
    response = client.post(
        "/compromisos/equipo/PE9001/avance/",
        {"text": "Avance con un archivo falso.", "evidence_files": [fake]},
    )
    assert response.status_code == 400
    assert "se revisa su contenido, no solo la extensión" in _html(response)
    assert not CommitmentUpdate.objects.exists()
