"""The entity report: its tables (volumes, topics, questions with masked examples, times in
working and calendar hours, breaches, unanswered, moderation, change) and its files."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import (
    Conversation,
    DeadlineBreach,
    Message,
    ModerationAction,
    ModerationScope,
    ModerationVerb,
)
from agora.reports.exports import report_csv, report_pdf, report_xlsx
from agora.reports.report import percentile, report_data
from tests.reports.conftest import MONDAY, Talk

pytestmark = pytest.mark.django_db
START, END = date(2026, 3, 1), date(2026, 3, 31)
PERSONAL = ["45678912", "987654321", "rosa.hc@gmail.com", "@rosita_hc"]
QUESTION = (
    "¿Cómo saco cita para pediatría? Mi DNI es 45678912, llámenme al 987654321 o escriban "
    "a rosa.hc@gmail.com @rosita_hc"
)


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in data["tables"] if t["key"] == key)


def _rows(data: dict[str, Any], key: str) -> dict[str, list[Any]]:
    return {str(row[0]): row[1:] for row in _table(data, key)["rows"]}


@pytest.fixture
def month(minsa_account: SocialAccount, talk: Talk, manager: User) -> dict[str, Any]:
    """March: 6 conversations about appointments (4 answered), February: 2 about vaccines."""
    convs = []
    for i in range(6):
        convs.append(
            talk(
                minsa_account,
                at=MONDAY + timedelta(days=i, hours=1),
                answer_after=timedelta(hours=i + 1) if i < 4 else None,
                text=QUESTION if i % 2 else "¿Dónde saco cita para pediatría en el hospital?",
            )
        )
    for i in range(2):
        talk(
            minsa_account,
            at=MONDAY - timedelta(days=10 + i),
            text="¿Dónde me vacuno contra la influenza?",
        )
    Message.objects.filter(conversation__in=convs).update(kind="consulta")
    DeadlineBreach.objects.create(
        conversation=convs[4],
        entity=minsa_account.entity,
        kind="primera",
        due_at=MONDAY,
        assignee=manager,
    )
    DeadlineBreach.objects.filter(pk__isnull=False).update(detected_at=MONDAY + timedelta(days=5))
    message = Message.objects.filter(conversation=convs[5]).first()
    assert message is not None
    ModerationAction.objects.create(
        message=message,
        entity=minsa_account.entity,
        action=ModerationVerb.OCULTAR,
        scope=ModerationScope.BANDEJA,
        actor=manager,
        reason="Datos personales",
    )
    ModerationAction.objects.filter(pk__isnull=False).update(created_at=MONDAY + timedelta(days=6))
    return report_data(entity=minsa_account.entity, start=START, end=END)


def test_volumes_by_platform_kind_and_account_with_change(month: dict[str, Any]) -> None:
    assert _rows(month, "plataformas")["Facebook"][:2] == [6, 2]
    assert _rows(month, "plataformas")["Facebook"][2] == 200.0
    assert _rows(month, "tipos")["Consulta"][0] == 6
    assert list(_rows(month, "cuentas").values()) == [[6]]
    summary = _rows(month, "resumen")
    assert summary["Mensajes recibidos"] == [6, 2, 200.0]
    assert summary["Conversaciones iniciadas"][:2] == [6, 2]


def test_first_response_times_in_working_and_calendar_hours(month: dict[str, Any]) -> None:
    times = _rows(month, "tiempos")["Primera respuesta"]
    # Answers after 1, 2, 3 and 4 hours, all inside the working day: equal in both clocks.
    assert times[0] == 2.5  # median working hours
    assert times[1] == 4.0  # p90 working hours
    assert times[2] == 2.5 and times[3] == 4.0
    summary = _rows(month, "resumen")
    assert summary["Conversaciones respondidas (%)"][0] == pytest.approx(66.7)
    assert summary["Dentro del plazo (%)"][0] == pytest.approx(66.7)  # 2 unanswered, overdue


def test_frequent_questions_quote_examples_with_personal_data_masked(month: dict[str, Any]) -> None:
    table = _table(month, "preguntas")
    assert table["rows"], "the appointment questions are found"
    assert any("cita" in row[0] or "pediatria" in row[0] for row in table["rows"])
    text = str(table["rows"])
    for secret in PERSONAL:
        assert secret not in text
    everything = str(month)
    for secret in PERSONAL:
        assert secret not in everything
    assert "Ana Pérez Quispe" not in everything and "ciudadano-1" not in everything


def test_topics_that_grew_against_the_previous_period(month: dict[str, Any]) -> None:
    terms = [row[0] for row in _table(month, "temas")["rows"]]
    assert any("cita" in term or "pediatria" in term for term in terms)
    assert not any("vacuno" in term or "influenza" in term for term in terms)


def test_breaches_by_assignee_unanswered_and_moderation(month: dict[str, Any]) -> None:
    """The two unanswered March conversations are overdue: one on the manager it was
    assigned to when the deadline passed, one unassigned (columns: answered late, unanswered
    and overdue, total, total before)."""
    assert _rows(month, "incumplimientos") == {
        "gestor-minsa": [0, 1, 1, 0],
        "Sin asignar": [0, 1, 1, 2],
    }
    waiting = sum(row[0] for row in _rows(month, "sin_responder").values())
    assert waiting == 4  # two in March, two in February, still unanswered
    moderation = _table(month, "moderacion")["rows"]
    assert len(moderation) == 1 and moderation[0][1] == 1
    assert _rows(month, "resumen")["Acciones de moderación"][0] == 1


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert percentile([], 0.9) is None


def test_csv_has_one_row_per_figure(month: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(report_csv(month).decode("utf-8-sig"))))
    assert {row["entidad"] for row in rows} == {"minsa"}
    received = [
        r for r in rows if r["concepto"] == "Mensajes recibidos" and r["medida"] == "Período"
    ]
    assert received[0]["valor"] == "6"
    assert not any(secret in str(rows) for secret in PERSONAL)


def test_xlsx_has_a_summary_then_one_sheet_per_table(month: dict[str, Any]) -> None:
    book = load_workbook(io.BytesIO(report_xlsx(month)))
    assert len(book.sheetnames) == len(month["tables"]) + 1
    assert book.sheetnames[0] == "Resumen"
    sheet = book[book.sheetnames[1]]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert "Mensajes recibidos" in values and 6 in values


def test_pdf_is_a_pdf_with_the_entity_name(month: dict[str, Any]) -> None:
    pdf = report_pdf(month)
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5000


def test_report_command_writes_each_format(
    month: dict[str, Any], tmp_path: Path, entities: dict[str, Entity]
) -> None:
    for fmt, magic in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        output = tmp_path / f"informe.{fmt}"
        call_command(
            "report",
            "--entity=minsa",
            "--from=2026-03-01",
            "--to=2026-03-31",
            f"--format={fmt}",
            f"--output={output}",
            stdout=io.StringIO(),
        )
        assert output.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--entity=nadie", "--from=2026-03-01", "--to=2026-03-31"], "No existe la entidad"),
        (["--entity=minsa", "--from=2026-03-31", "--to=2026-03-01"], "anterior a la inicial"),
        (["--entity=minsa", "--from=2026-13-01", "--to=2026-03-01"], "no es válida"),
        (["--entity=minsa", "--from=2024-01-01", "--to=2026-03-01"], "no puede pasar"),
    ],
)
def test_report_command_rejects_bad_input_and_writes_nothing(
    entities: dict[str, Entity], tmp_path: Path, args: list[str], message: str
) -> None:
    output = tmp_path / "x.csv"
    with pytest.raises(CommandError, match=message):
        call_command("report", *args, "--format=csv", f"--output={output}")
    assert not output.exists()


def test_a_conversation_count_is_not_confused_across_entities(
    month: dict[str, Any], sunat_account: SocialAccount, talk: Talk
) -> None:
    talk(sunat_account, at=MONDAY, text=QUESTION)
    sunat = report_data(entity=sunat_account.entity, start=START, end=END)
    assert _rows(sunat, "resumen")["Mensajes recibidos"][0] == 1
    assert Conversation.objects.count() == 9


def test_two_accounts_on_one_platform_are_counted_apart(
    minsa_account: SocialAccount, rector: User, talk: Talk
) -> None:
    """One account per platform: named by the platform; two on Facebook: counted per
    conversation's account."""
    from tests.helpers import make_verified_account

    talk(minsa_account, at=MONDAY)
    talk(minsa_account, at=MONDAY + timedelta(hours=1))
    single = report_data(entity=minsa_account.entity, start=START, end=END)
    assert list(_rows(single, "cuentas").values()) == [[2]]
    second = make_verified_account(rector, minsa_account.entity, "facebook", "minsa_salud", "1009")
    assert second.platform == minsa_account.platform
    talk(second, at=MONDAY + timedelta(hours=2))
    both = _rows(report_data(entity=minsa_account.entity, start=START, end=END), "cuentas")
    assert both == {"Facebook @minsaperu": [2], "Facebook @minsa_salud": [1]}


def test_resolution_times_differ_between_the_clocks_and_count_the_deadline(
    sunat_account: SocialAccount, talk: Talk
) -> None:
    """Resolved over a weekend: 3 working hours but 66 calendar hours, within the 45-hour
    resolution deadline; resolved after 8 working days: late; unresolved and past its
    deadline: late too. Two of three decided ones late: 33.3 % within."""
    lima = ZoneInfo("America/Lima")
    friday = datetime(2026, 3, 6, 16, 0, tzinfo=lima)
    tuesday = datetime(2026, 3, 10, 9, 0, tzinfo=lima)
    weekend = talk(sunat_account, at=friday, author_id="c1")
    slow = talk(sunat_account, at=tuesday, author_id="c2")
    talk(sunat_account, at=tuesday + timedelta(hours=1), author_id="c3")
    Conversation.objects.filter(pk=weekend.pk).update(
        resolved_at=datetime(2026, 3, 9, 10, 0, tzinfo=lima)
    )
    Conversation.objects.filter(pk=slow.pk).update(
        resolved_at=datetime(2026, 3, 20, 9, 0, tzinfo=lima)
    )
    data = report_data(entity=sunat_account.entity, start=START, end=END)
    header = _table(data, "tiempos")["columns"]
    resolution = _rows(data, "tiempos")["Resolución"]
    assert header[5] == "Dentro del plazo (%)"
    assert resolution[0] == pytest.approx((3.0 + 72.0) / 2)  # median, working hours
    assert resolution[2] == pytest.approx((66.0 + 240.0) / 2)  # median, calendar hours
    assert resolution[4] == pytest.approx(33.3)
