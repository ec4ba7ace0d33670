"""The report's files: CSV (one row per figure, for machines), XLSX (a "Resumen" sheet with the
summary and definitions, then one sheet per table, headers frozen) and a tagged PDF/UA
(WeasyPrint from the print template). All read the same report data, worded once by
``agora.reports.document``."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from agora.core.text import csv_cell
from agora.reports.document import document

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
# Excel's limit is 31 characters: short, complete names instead of cut titles.
SHEET_NAMES = {
    "resumen": "Cifras principales",
    "plataformas": "Por plataforma",
    "cuentas": "Por cuenta oficial",
    "tipos": "Por tipo de mensaje",
    "alertas": "Por alerta",
    "temas_frecuentes": "Temas frecuentes",
    "temas": "Temas que crecieron",
    "preguntas": "Preguntas frecuentes",
    "tiempos": "Tiempos de respuesta",
    "respuesta": "Primera respuesta",
    "incumplimientos": "Plazos incumplidos",
    "sin_responder": "Pendientes",
    "moderacion": "Moderación",
    "cuentas_inactivas": "Cuentas sin actividad",
    "amenazas": "Alertas de amenaza",
    "cuarentena": "Webhooks en cuarentena",
    "publicaciones": "Publicaciones planificadas",
    "lineamientos": "Lineamientos",
    "publicaciones_entidades": "Publicaciones por entidad",
    "lineamientos_entidades": "Lineamientos por entidad",
}
SUMMARY_SHEET = "Resumen"
# es-PE (LCID 280A): month names in Spanish whatever the reader's Excel language.
DATE_FORMAT = '[$-280A]d "de" mmmm "de" yyyy'
DATETIME_FORMAT = '[$-280A]d "de" mmmm "de" yyyy", "hh:mm'
HEADER_FILL = PatternFill("solid", fgColor="F2D4D5")
RED = "A4161A"


def _cell(value: Any) -> Any:
    """Numbers as they are; text guarded against spreadsheet formulas (CSV injection)."""
    if value is None:
        return ""
    return csv_cell(value) if isinstance(value, str) else value


def report_csv(data: dict[str, Any]) -> bytes:
    """Long format for machines: entity, dates (ISO), table, concept (first column), measure
    (column name), value (a plain number). UTF-8 with a BOM, so Excel reads the accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("entidad"),
            _("nombre_entidad"),
            _("desde"),
            _("hasta"),
            _("tabla"),
            _("concepto"),
            _("medida"),
            _("valor"),
        ]
    )
    entity = data["entity"]
    for table in data["tables"]:
        for row in table["rows"]:
            for column, value in zip(table["columns"][1:], row[1:], strict=False):
                writer.writerow(
                    [
                        entity["code"],
                        _cell(entity["name"]),
                        data["start"],
                        data["end"],
                        table["title"],
                        _cell(row[0]),
                        column,
                        _cell(value),
                    ]
                )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_name(key: str, title: str, used: set[str]) -> str:
    """A complete sheet name of at most 31 characters, unique in the book."""
    name = SHEET_NAMES.get(key) or re.sub(r"[\[\]:*?/\\]", " ", title).strip()
    if len(name) > 31:
        # An unknown long title: whole words only, never a cut word.
        words, name = name.split(), ""
        for word in words:
            if len(name) + len(word) + (1 if name else 0) > 31:
                break
            name = f"{name} {word}".strip()
    candidate, n = name, 2
    while candidate in used:
        suffix = f" {n}"
        candidate = name[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    used.add(candidate)
    return candidate


def _widths(sheet: Worksheet, first_row: int, *, minimum: int = 10, maximum: int = 60) -> None:
    """Columns as wide as their header and values (titles above the table don't count)."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=first_row):
        for cell in row:
            if cell.value is None:
                continue
            length = len(str(cell.value)) + 2
            widths[cell.column] = max(widths.get(cell.column, 0), length)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = max(minimum, min(maximum, width))


def _summary_sheet(book: Workbook, data: dict[str, Any], doc: dict[str, Any] | None) -> None:
    sheet = book.create_sheet(SUMMARY_SHEET)
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 90
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([_cell(data["entity"]["name"])])
    sheet["A1"].font = Font(bold=True, size=14, color=RED)
    title = doc["title"] if doc else _("Tablero del ente rector")
    sheet.append([title])
    sheet["A2"].font = Font(bold=True, size=12)
    rows: list[tuple[str, Any, str | None]] = []
    if doc:
        rows.append((_("Período"), doc["period"], None))
        rows.append((_("Desde"), date.fromisoformat(data["start"]), DATE_FORMAT))
        rows.append((_("Hasta"), date.fromisoformat(data["end"]), DATE_FORMAT))
        rows.append((_("Comparado con"), doc["compared"], None))
    generated = data.get("generated_at")
    if generated:
        moment = datetime.fromisoformat(generated).replace(tzinfo=None)  # Lima wall time
        rows.append((_("Generado"), moment, DATETIME_FORMAT))
    elif data.get("end"):
        rows.append((_("Fecha"), date.fromisoformat(data["end"]), DATE_FORMAT))
    for label, value, number_format in rows:
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        if number_format:
            sheet.cell(sheet.max_row, 2).number_format = number_format
            sheet.cell(sheet.max_row, 2).alignment = Alignment(horizontal="left")
    if doc and doc["summary"]:
        sheet.append([])
        sheet.append([_("Resumen")])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        for paragraph in doc["summary"]:
            sheet.append([_cell(paragraph)])
            row = sheet.max_row
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            sheet.cell(row, 1).alignment = wrap
            sheet.row_dimensions[row].height = 15 * (1 + len(paragraph) // 110)
    if doc:
        sheet.append([])
        sheet.append([_("Cómo leer este informe")])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, size=12)
        for term, meaning in doc["definitions"]:
            sheet.append([term, meaning])
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
            sheet.cell(sheet.max_row, 1).alignment = wrap
            sheet.cell(sheet.max_row, 2).alignment = wrap
            sheet.row_dimensions[sheet.max_row].height = 15 * (1 + len(meaning) // 85)


def report_xlsx(data: dict[str, Any]) -> bytes:
    """A "Resumen" sheet (entity, period as real dates, summary in words, definitions), then
    one sheet per table: its title and note above, the header row frozen, numbers as
    numbers."""
    doc = document(data) if data.get("start") else None
    book = Workbook()
    book.remove(book.active)
    _summary_sheet(book, data, doc)
    used = {SUMMARY_SHEET}
    period = doc["period"] if doc else ""
    for table in data["tables"]:
        sheet = book.create_sheet(sheet_name(table["key"], table["title"], used))
        sheet.append([table["title"]])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([_cell(" · ".join(p for p in (data["entity"]["name"], period) if p))])
        if table["description"]:
            sheet.append([_cell(table["description"])])
        sheet.append([])
        sheet.append(table["columns"])
        header = sheet.max_row
        for cell in sheet[header]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table["rows"]:
            sheet.append([_cell(value) for value in row])
            for index, value in enumerate(row[1:], start=2):
                column = table["columns"][index - 1] if index - 1 < len(table["columns"]) else ""
                if isinstance(value, float) or "%" in column:
                    sheet.cell(sheet.max_row, index).number_format = "#,##0.0"
                elif isinstance(value, int):
                    sheet.cell(sheet.max_row, index).number_format = "#,##0"
        sheet.freeze_panes = sheet.cell(header + 1, 2)
        sheet.print_title_rows = f"{header}:{header}"
        _widths(sheet, header)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def report_html(data: dict[str, Any]) -> str:
    return render_to_string("reports/report_print.html", {"doc": document(data), "data": data})


def report_pdf(data: dict[str, Any]) -> bytes:
    """A tagged PDF (PDF/UA-1): title and language set, headings, table headers and chart
    descriptions in its structure."""
    from weasyprint import HTML  # heavy import, only when a PDF is made

    return HTML(string=report_html(data)).write_pdf(pdf_variant="pdf/ua-1") or b""
