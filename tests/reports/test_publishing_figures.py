"""Publishing figures in the entity report and the rector's dashboard (issue #18, point 8):
posts planned against published, the median hours from review to decision, and guideline
findings by entity and number, on a small set of posts built with the models directly."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from agora.core.errors import PermissionDeniedError
from agora.core.models import User
from agora.directory.models import Entity
from agora.publishing.models import ContentPlan, GuidelineFinding, PlannedPost, PostStatus
from agora.reports import publishing_figures
from agora.reports.document import document
from agora.reports.exports import report_pdf, report_xlsx
from agora.reports.report import report_data
from tests.helpers import login

START, END = date(2026, 3, 1), date(2026, 3, 31)
MARCH = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def _plan(entity: Entity) -> ContentPlan:
    return ContentPlan.objects.create(
        entity=entity, title="Plan de marzo", period_start=START, period_end=END
    )


def _post(
    plan: ContentPlan,
    status: str,
    *,
    at: datetime = MARCH,
    review_hours: float | None = None,
) -> PlannedPost:
    post = PlannedPost.objects.create(
        plan=plan, entity=plan.entity, title=f"Publicación {status}", scheduled_at=at, status=status
    )
    if review_hours is not None:
        post.submitted_at = at - timedelta(days=2)
        post.decided_at = post.submitted_at + timedelta(hours=review_hours)
        post.save(update_fields=["submitted_at", "decided_at"])
    return post


def _finding(post: PlannedPost, guideline: int) -> None:
    GuidelineFinding.objects.create(
        post=post, entity=post.entity, guideline=guideline, rule=f"regla-{guideline}", detail="x"
    )


@pytest.fixture
def minsa_posts(entities: dict[str, Entity]) -> list[PlannedPost]:
    """MINSA in March: five posts (two published, one rejected, one approved, one draft);
    decisions after 2, 4 and 9 hours; findings under guidelines 15 (twice) and 26. One post in
    April is outside the period."""
    plan = _plan(entities["minsa"])
    posts = [
        _post(plan, PostStatus.PUBLICADO, review_hours=2),
        _post(plan, PostStatus.PUBLICADO, review_hours=4),
        _post(plan, PostStatus.RECHAZADO, review_hours=9),
        _post(plan, PostStatus.APROBADO),
        _post(plan, PostStatus.BORRADOR),
    ]
    _finding(posts[2], 15)
    _finding(posts[3], 15)
    _finding(posts[4], 26)
    april = _post(plan, PostStatus.PUBLICADO, at=datetime(2026, 4, 5, 15, tzinfo=UTC))
    _finding(april, 6)
    return posts


def _rows(tables: list[dict[str, object]], key: str) -> list[list[object]]:
    table = next(t for t in tables if t["key"] == key)
    return table["rows"]  # type: ignore[return-value]


def test_entity_report_counts_planned_published_approval_and_findings(
    entities: dict[str, Entity], minsa_posts: list[PlannedPost]
) -> None:
    tables = publishing_figures.report_tables(entity=entities["minsa"], start=START, end=END)
    figures: dict[object, object] = {row[0]: row[1] for row in _rows(tables, "publicaciones")}
    assert figures["Planificadas para el período"] == 5
    assert figures["Publicadas"] == 2
    assert figures["Publicadas (%)"] == 40.0
    assert figures["Rechazadas"] == 1
    assert figures["Aún por publicar (borrador, revisión, aprobadas o programadas)"] == 2
    assert figures["Decisiones de aprobación o rechazo en el período"] == 3
    assert figures["Mediana de horas hasta la aprobación o el rechazo"] == 4.0
    assert _rows(tables, "lineamientos") == [["Lineamiento 15", 2], ["Lineamiento 26", 1]]


def test_an_entity_without_a_content_plan_gets_no_publishing_section(
    entities: dict[str, Entity], minsa_posts: list[PlannedPost]
) -> None:
    assert publishing_figures.report_tables(entity=entities["sunat"], start=START, end=END) == []


def test_the_report_document_carries_the_section_written_the_peruvian_way(
    entities: dict[str, Entity], minsa_posts: list[PlannedPost]
) -> None:
    data = report_data(entity=entities["minsa"], start=START, end=END)
    doc = document(data)
    section = next(t for t in doc["tables"] if t["key"] == "publicaciones")
    cells = dict(section["cells"])
    assert cells["Publicadas (%)"] == "40,0"
    assert cells["Mediana de horas hasta la aprobación o el rechazo"] == "4,0"
    book = load_workbook(io.BytesIO(report_xlsx(data)))
    assert {"Publicaciones planificadas", "Lineamientos"} <= set(book.sheetnames)
    assert report_pdf(data).startswith(b"%PDF")


def test_dashboard_figures_are_per_entity_and_for_rector_staff_only(
    entities: dict[str, Entity], rector: User, manager: User
) -> None:
    now = timezone.now()
    minsa, sunat = _plan(entities["minsa"]), _plan(entities["sunat"])
    recent = now - timedelta(days=3)
    _post(minsa, PostStatus.PUBLICADO, at=recent, review_hours=1)
    _post(minsa, PostStatus.PROGRAMADO, at=recent, review_hours=5)
    post = _post(sunat, PostStatus.RECHAZADO, at=recent, review_hours=10)
    _finding(post, 6)
    _finding(post, 6)
    _finding(post, 14)
    _post(sunat, PostStatus.PUBLICADO, at=now - timedelta(days=60))  # too old
    with pytest.raises(PermissionDeniedError):
        publishing_figures.dashboard_tables(manager, now=now)
    tables = publishing_figures.dashboard_tables(rector, now=now)
    rows = {row[0]: row[1:] for row in _rows(tables, "publicaciones_entidades")}
    assert rows["Ministerio de Salud"] == [2, 1, 50.0, 0, 3.0]
    assert rows[entities["sunat"].name] == [
        1,
        0,
        0.0,
        1,
        10.0,
    ]
    sunat_name = entities["sunat"].name
    assert _rows(tables, "lineamientos_entidades") == [
        [sunat_name, "Lineamiento 6", 2],
        [sunat_name, "Lineamiento 14", 1],
    ]


def test_the_dashboard_page_and_its_export_show_the_publishing_tables(
    client: Client, entities: dict[str, Entity], rector: User
) -> None:
    plan = _plan(entities["minsa"])
    yesterday = timezone.now() - timedelta(days=1)
    post = _post(plan, PostStatus.PUBLICADO, at=yesterday, review_hours=2.5)
    _finding(post, 15)
    login(client, rector)
    page = client.get("/informes/tablero/").content.decode()
    assert "Publicaciones planificadas y publicadas por entidad" in page
    assert "2,5" in page and "Lineamiento 15" in page
    export = client.get("/informes/tablero/descargar.xlsx")
    book = load_workbook(io.BytesIO(export.content))
    assert "Publicaciones por entidad" in book.sheetnames
    assert "Lineamientos por entidad" in book.sheetnames
