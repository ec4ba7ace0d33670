"""The report as a document for a manager (issue 17, point 6): calendar periods and their
comparison, Peruvian dates and numbers, topics without empty words, figures that add up and
say why they differ, a summary in words, a tagged PDF with nothing cut at the margins, and an
XLSX with a summary sheet, complete sheet names, frozen headers and real date cells."""

from __future__ import annotations

import io
import logging
import re
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from agora.core.models import User
from agora.directory.models import Entity, SocialAccount
from agora.inbox.models import DeadlineBreach, Message
from agora.reports import charts, periods
from agora.reports.document import document
from agora.reports.exports import (
    SHEET_NAMES,
    report_html,
    report_pdf,
    report_xlsx,
    sheet_name,
)
from agora.reports.forms import ReportRequestForm
from agora.reports.report import report_data
from agora.reports.topics import STOP_WORDS, clean_texts, frequent_terms, grown_topics
from tests.helpers import login
from tests.reports.conftest import MONDAY, Talk

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
START, END = date(2026, 3, 1), date(2026, 3, 31)


# --- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "before"),
    [
        # A month is compared with the month before, whatever their lengths.
        (date(2026, 10, 1), date(2026, 10, 31), (date(2026, 9, 1), date(2026, 9, 30))),
        (date(2026, 3, 1), date(2026, 3, 31), (date(2026, 2, 1), date(2026, 2, 28))),
        (date(2024, 3, 1), date(2024, 3, 31), (date(2024, 2, 1), date(2024, 2, 29))),
        (date(2024, 2, 1), date(2024, 2, 29), (date(2024, 1, 1), date(2024, 1, 31))),
        (date(2026, 1, 1), date(2026, 1, 31), (date(2025, 12, 1), date(2025, 12, 31))),
        # A quarter with the quarter before; a year with the year before.
        (date(2026, 10, 1), date(2026, 12, 31), (date(2026, 7, 1), date(2026, 9, 30))),
        (date(2025, 1, 1), date(2025, 12, 31), (date(2024, 1, 1), date(2024, 12, 31))),
        # 28 February of a leap year is not the month's end: the 28 days before.
        (date(2024, 2, 1), date(2024, 2, 28), (date(2024, 1, 4), date(2024, 1, 31))),
        # Any other range: the same number of days just before.
        (date(2026, 10, 3), date(2026, 10, 16), (date(2026, 9, 19), date(2026, 10, 2))),
        (date(2026, 3, 1), date(2026, 3, 1), (date(2026, 2, 28), date(2026, 2, 28))),
    ],
)
def test_the_previous_period_is_calendar_correct(
    start: date, end: date, before: tuple[date, date]
) -> None:
    assert periods.previous_range(start, end) == before


@pytest.mark.parametrize(
    ("start", "end", "name", "compared"),
    [
        (date(2026, 10, 1), date(2026, 10, 31), "octubre de 2026", "septiembre de 2026"),
        (
            date(2026, 7, 1),
            date(2026, 9, 30),
            "el tercer trimestre de 2026",
            "el segundo trimestre de 2026",
        ),
        (date(2025, 1, 1), date(2025, 12, 31), "el año 2025", "el año 2024"),
        (date(2026, 8, 1), date(2026, 9, 30), "agosto a septiembre de 2026", None),
        (
            date(2026, 10, 3),
            date(2026, 10, 16),
            "del 3 al 16 de octubre de 2026",
            "los 14 días anteriores (del 19 de septiembre al 2 de octubre de 2026)",
        ),
        (
            date(2025, 12, 20),
            date(2026, 1, 5),
            "del 20 de diciembre de 2025 al 5 de enero de 2026",
            None,
        ),
    ],
)
def test_periods_are_named_in_words(
    start: date, end: date, name: str, compared: str | None
) -> None:
    assert periods.period_name(start, end) == name
    if compared:
        assert periods.comparison_text(start, end) == compared


def test_quick_periods_are_the_last_complete_calendar_ones() -> None:
    today = date(2026, 1, 5)
    assert periods.last_month(today) == (date(2025, 12, 1), date(2025, 12, 31))
    assert periods.last_quarter(today) == (date(2025, 10, 1), date(2025, 12, 31))
    assert periods.last_year(today) == (date(2025, 1, 1), date(2025, 12, 31))
    assert periods.last_month(date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert periods.last_quarter(date(2026, 11, 5)) == (date(2026, 7, 1), date(2026, 9, 30))


def test_dates_and_times_are_written_the_peruvian_way_in_lima() -> None:
    assert periods.date_es(date(2026, 11, 5)) == "5 de noviembre de 2026"
    # 00:05 UTC on the 6th is still the 5th, 19:05, in Lima.
    moment = datetime(2026, 11, 6, 0, 5, tzinfo=UTC)
    assert periods.datetime_es(moment) == "5 de noviembre de 2026, 19:05"


# --- the form ----------------------------------------------------------------------------------


def test_the_form_opens_valid_with_iso_dates_and_the_only_entity_chosen(
    entities: dict[str, Entity],
) -> None:
    only = Entity.objects.filter(code="minsa")
    form = ReportRequestForm(entities=only, today=date(2026, 11, 5))
    html = str(form)
    assert 'value="2026-10-01"' in html and 'value="2026-10-31"' in html
    assert 'min="2010-01-01"' in html and 'max="2026-11-05"' in html
    assert re.search(r'<option value="minsa" selected>', html)
    assert "Elija una entidad" not in html
    # Submitted as it opened, it is valid.
    bound = ReportRequestForm(
        {"entidad": "minsa", "desde": "2026-10-01", "hasta": "2026-10-31"},
        entities=only,
        today=date(2026, 11, 5),
    )
    assert bound.is_valid(), bound.errors


def test_the_form_offers_a_choice_for_several_entities_and_quick_periods(
    entities: dict[str, Entity],
) -> None:
    several = Entity.objects.filter(code__in=["minsa", "sunat"]).order_by("name")
    form = ReportRequestForm(entities=several, today=date(2026, 11, 5), preset="trimestre")
    html = str(form)
    assert '<option value="" selected>Elija una entidad</option>' in html
    assert 'value="2026-07-01"' in html and 'value="2026-09-30"' in html
    year = str(ReportRequestForm(entities=several, today=date(2026, 11, 5), preset="anio"))
    assert 'value="2025-01-01"' in year and 'value="2025-12-31"' in year


def test_the_form_refuses_a_future_end_in_spanish(entities: dict[str, Entity]) -> None:
    form = ReportRequestForm(
        {"entidad": "minsa", "desde": "2026-11-01", "hasta": "2026-11-30"},
        entities=Entity.objects.filter(code="minsa"),
        today=date(2026, 11, 5),
    )
    assert not form.is_valid()
    assert form.errors["hasta"] == [
        "La fecha final no puede ser posterior a hoy (5 de noviembre de 2026)."
    ]
    assert 'aria-invalid="true"' in str(form["hasta"])


def test_the_page_opens_on_last_month_for_a_manager(client: Client, manager: User) -> None:
    login(client, manager)
    page = client.get("/informes/").content.decode()
    assert 'type="date"' in page and re.search(r'name="desde" value="\d{4}-\d{2}-01"', page)
    assert '<option value="minsa" selected>' in page
    assert "?periodo=trimestre" in page and "?periodo=anio" in page


# --- topics ------------------------------------------------------------------------------------

EMPTY = ["nadie", "alguien", "nada", "todo", "gente", "favor", "hola", "buenos", "dias"]


def test_stop_words_cover_pronouns_indefinites_and_greetings() -> None:
    for word in [*EMPTY, "ustedes", "nosotros", "cualquier", "tiene", "saludos", "gracias"]:
        assert word in STOP_WORDS, word
    for word in ["cita", "vacuna", "bono", "agua", "pension"]:
        assert word not in STOP_WORDS, word


def test_topics_never_surface_empty_words() -> None:
    before = ["¿Dónde pago mi recibo de luz?"] * 5
    now = [
        "Hola buenos días, nadie me responde, ¿alguien sabe algo del bono? Nada de nada",
        "Por favor, toda la gente quiere saber del bono de vivienda, todo sigue igual",
        "Buenas tardes, nadie atiende el teléfono del bono de vivienda",
        "¿Alguien sabe cuándo pagan el bono de vivienda? Gracias, saludos",
    ] * 3
    docs_now, docs_before = clean_texts(now), clean_texts(before)
    terms = [t.term for t in frequent_terms(docs_now)]
    grown = [t.term for t in grown_topics(now, before, cleaned=(docs_now, docs_before))]
    assert terms and grown
    assert "bono vivienda" in terms  # "bono de vivienda": a phrase skips "de"
    for term in [*terms, *grown]:
        assert not set(term.split()) & set(EMPTY), term


def test_a_phrase_never_joins_words_that_an_empty_word_separated() -> None:
    """ "¿Y la influenza? Nadie responde": "influenza" and "responde" were never a phrase."""
    texts = ["¿Y la vacuna de la influenza? Nadie responde"] * 4
    terms = [t.term for t in frequent_terms(clean_texts(texts))]
    assert "vacuna influenza" in terms
    assert "influenza responde" not in terms


# --- the report's figures and words ------------------------------------------------------------


@pytest.fixture
def march(minsa_account: SocialAccount, talk: Talk, manager: User) -> dict[str, Any]:
    """March: 6 conversations about vaccination (3 answered within an hour, 1 after two
    days, 2 never); February: 2."""
    convs = []
    for i in range(6):
        convs.append(
            talk(
                minsa_account,
                at=MONDAY + timedelta(days=i, hours=1),
                answer_after=(timedelta(hours=1) if i < 3 else timedelta(days=2))
                if i < 4
                else None,
                text="¿Dónde está la campaña de vacunación contra la influenza? Nadie responde",
            )
        )
    for i in range(2):
        talk(minsa_account, at=MONDAY - timedelta(days=10 + i), text="Hola, ¿y el bono?")
    Message.objects.filter(conversation__in=convs).update(kind="consulta")
    DeadlineBreach.objects.create(
        conversation=convs[4],
        entity=minsa_account.entity,
        kind="primera",
        due_at=MONDAY,
        assignee=manager,
    )
    return report_data(entity=minsa_account.entity, start=START, end=END)


def _rows(data: dict[str, Any], key: str) -> dict[str, list[Any]]:
    table = next(t for t in data["tables"] if t["key"] == key)
    return {str(row[0]): row[1:] for row in table["rows"]}


def test_counts_agree_everywhere(march: dict[str, Any]) -> None:
    """Outcomes add up to the conversations; breaches in the summary = late + overdue = the
    sum of the per-person table; "pending now" is labelled as of any date."""
    figures = march["figures"]
    outcome = _rows(march, "respuesta")
    assert sum(row[0] for row in outcome.values()) == figures["conversations"] == 6
    assert outcome["Respondidas dentro del plazo"][0] == figures["within"]
    late = outcome["Respondidas fuera del plazo"][0]
    overdue = outcome["Sin respuesta, plazo vencido"][0]
    assert overdue == 2 and late == figures["late"]
    summary = _rows(march, "resumen")
    assert summary["Plazos incumplidos"][0] == late + overdue == figures["breaches"]
    per_person = _rows(march, "incumplimientos")
    assert sum(row[2] for row in per_person.values()) == figures["breaches"]
    assert summary["Pendientes al generar el informe (de cualquier fecha)"][0] == 4
    table = next(t for t in march["tables"] if t["key"] == "sin_responder")
    assert "cualquier fecha" in table["description"]
    assert "no coincide con los plazos incumplidos" in table["description"]


def test_the_summary_is_written_from_the_figures(march: dict[str, Any]) -> None:
    doc = document(march)
    text = " ".join(doc["summary"])
    assert text.startswith("En marzo de 2026 las cuentas oficiales de la entidad recibieron 6")
    assert "200,0\u00a0% más que en febrero de 2026, cuando fueron 2" in text
    assert "plazos incumplidos" in text
    assert "«vacunación" in text or "«campaña" in text  # accents as people wrote them
    assert "nadie" not in text
    assert doc["period"] == "Marzo de 2026"
    assert doc["dates"] == "Del 1 de marzo de 2026 al 31 de marzo de 2026"
    assert doc["compared"] == "febrero de 2026"
    assert [term for term, _meaning in doc["definitions"]][:4] == [
        "Mensajes recibidos",
        "Conversaciones iniciadas",
        "Dentro del plazo",
        "Plazos incumplidos",
    ]


def test_no_iso_date_in_the_page_pdf_source_or_xlsx_text(
    march: dict[str, Any], client: Client, manager: User, entities: dict[str, Entity]
) -> None:
    html = report_html(march)
    assert not ISO_DATE.search(re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    assert "Ministerio de Salud" in html and "PERÚ" in html
    book = load_workbook(io.BytesIO(report_xlsx(march)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                assert not (isinstance(value, str) and ISO_DATE.search(value)), value


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated (object streams included)."""
    out = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        chunk = pdf[match.end() : match.end() + 2_000_000]
        try:
            out.append(zlib.decompressobj().decompress(chunk))
        except zlib.error:
            continue
    return b"\n".join(out)


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


def test_the_pdf_is_tagged_pdf_ua_in_spanish(march: dict[str, Any]) -> None:
    """WeasyPrint's PDF/UA-1 variant, with nothing it complains about (a figure without
    alternative text, a document without language)."""
    errors = _Errors()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(errors)
    try:
        pdf = report_pdf(march)
    finally:
        logger.removeHandler(errors)
    assert errors.seen == []
    text = _pdf_text(pdf)
    assert pdf.startswith(b"%PDF-1.7")
    assert b"/StructTreeRoot" in text
    assert b"/MarkInfo" in text and b"/Marked true" in text
    assert b"/Lang (es-PE)" in text
    assert b"/DisplayDocTitle true" in text
    assert b"pdfuaid" in text  # the PDF/UA identification in the metadata
    for tag in (b"/H1", b"/H2", b"/Table", b"/TH", b"/Figure", b"/Alt"):
        assert tag in text, tag


def _overflowing_text(html: str) -> list[str]:
    """Text boxes that end past the page's content area (or start before it)."""
    from weasyprint import HTML
    from weasyprint.formatting_structure.boxes import MarginBox, TextBox

    problems = []
    rendered = HTML(string=html).render()
    for page in rendered.pages:
        root = page._page_box
        left = root.content_box_x()
        right = left + root.width
        # The body only: headers and page numbers live in the margins on purpose.
        stack = [box for box in root.children if not isinstance(box, MarginBox)]
        while stack:
            box = stack.pop()
            outside = box.position_x < left - 0.5 or box.position_x + box.width > right + 0.5
            if isinstance(box, TextBox) and outside:
                problems.append(box.text)
            stack.extend(getattr(box, "children", []))
    return problems


def test_long_names_and_topics_stay_inside_the_page(march: dict[str, Any]) -> None:
    data = {
        **march,
        "entity": {
            **march["entity"],
            "name": "Superintendencia Nacional de Fiscalización Laboral y de Control de "
            "Servicios de Seguridad, Armas, Municipalidad-Provincial-de-Huancavelica-y-"
            "Distritos-de-la-Provincia-Entera",
        },
    }
    long_topic = (
        "documentonacionaldeidentidadelectronicoduplicadoreimpresionurgentedocumentonacional"
        "deidentidad urgente"
    )
    for table in data["tables"]:
        if table["key"] == "temas_frecuentes":
            table["rows"] = [[long_topic, 9, 90.0], *table["rows"]]
    html = report_html(data)
    assert long_topic in html
    assert _overflowing_text(html) == []


def test_chart_labels_fit_their_column() -> None:
    label = "Respondidas sin plazo aplicable por la entidad en el período"
    chart = charts.bar_chart([[label, 3], ["Otra", 1]])
    assert chart is not None
    for bar in chart.bars:
        needed = len(bar.short_label) * charts.CHAR_WIDTH + charts.LABEL_PAD - 2
        assert needed <= chart.label_width - 8 + charts.LABEL_PAD, bar.short_label
    assert chart.bars[0].short_label.endswith("…")
    assert " " not in chart.bars[0].short_label[-2:]  # cut between words
    assert chart.bars[1].text == "1"
    big = charts.bar_chart([["a", 12345.5]])
    assert big is not None and big.bars[0].text == "12\u00a0345,5"  # one es-PE number format


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_summary_full_sheet_names_frozen_headers_and_date_cells(
    march: dict[str, Any],
) -> None:
    book = load_workbook(io.BytesIO(report_xlsx(march)))
    names = book.sheetnames
    assert names[0] == "Resumen"
    assert set(names[1:]) == {SHEET_NAMES[t["key"]] for t in march["tables"]}
    assert all(len(name) <= 31 for name in names)
    summary = book["Resumen"]
    cells = {row[0]: row[1] for row in summary.iter_rows(values_only=True) if row[0]}
    assert cells["Desde"].date() == START and cells["Hasta"].date() == END
    assert isinstance(cells["Generado"], datetime)
    formats = {row[0].value: row[1].number_format for row in summary.iter_rows() if row[0].value}
    assert "mmmm" in formats["Desde"] and "[$-280A]" in formats["Desde"]
    paragraphs = [row[0] for row in summary.iter_rows(values_only=True) if row[0]]
    assert any(str(t).startswith("En marzo de 2026") for t in paragraphs)
    assert "Cómo leer este informe" in cells
    for name in names[1:]:
        sheet = book[name]
        assert sheet.freeze_panes is not None, name
        header_row = int(re.sub(r"\D", "", sheet.freeze_panes)) - 1
        header = [c.value for c in sheet[header_row]]
        assert header[0] and all(isinstance(v, str) for v in header if v is not None), name
        assert sheet.column_dimensions["A"].width >= 10
    received = book["Cifras principales"]
    values = [c for row in received.iter_rows(values_only=True) for c in row]
    assert "Mensajes recibidos" in values and 6 in values


def test_an_unknown_long_title_becomes_a_name_of_whole_words() -> None:
    used: set[str] = set()
    name = sheet_name("otra", "Conversaciones que esperan respuesta hace más de una semana", used)
    assert name == "Conversaciones que esperan"
    assert sheet_name("otra", "Conversaciones que esperan", used) == "Conversaciones que esperan 2"


def test_mentions_tags_and_links_are_never_topics() -> None:
    """The placeholders of the normalised text («mencion» for @usuario) are not words."""
    texts = ["@MinsaPeru ¿dónde está la posta de Lima? #salud https://t.co/Ab12Cd34Ef"] * 5
    terms = {word for t in frequent_terms(clean_texts(texts)) for word in t.term.split()}
    assert terms and not terms & {"mencion", "hashtag", "url"}
