"""The report's files: CSV (one row per figure), XLSX (one sheet per table) and PDF
(WeasyPrint from the print template). All read the same report data."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from agora.core.text import csv_cell
from agora.reports.charts import bar_chart

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _cell(value: Any) -> Any:
    """Numbers as they are; text guarded against spreadsheet formulas (CSV injection)."""
    if value is None:
        return ""
    return csv_cell(value) if isinstance(value, str) else value


def report_csv(data: dict[str, Any]) -> bytes:
    """Long format: table, concept (first column), measure (column name), value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("entidad"), _("desde"), _("hasta"), _("tabla"), _("concepto"), _("medida"), _("valor")]
    )
    entity = data["entity"]["code"]
    for table in data["tables"]:
        for row in table["rows"]:
            for column, value in zip(table["columns"][1:], row[1:], strict=False):
                writer.writerow(
                    [
                        entity,
                        data["start"],
                        data["end"],
                        table["title"],
                        _cell(row[0]),
                        column,
                        _cell(value),
                    ]
                )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title)[:31].strip()
    candidate, n = name, 2
    while candidate in used:
        suffix = f" ({n})"
        candidate = name[: 31 - len(suffix)] + suffix
        n += 1
    used.add(candidate)
    return candidate


def report_xlsx(data: dict[str, Any]) -> bytes:
    """One sheet per table, with the period and the table's note above the header."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for table in data["tables"]:
        sheet = book.create_sheet(_sheet_title(table["title"], used))
        sheet.append([table["title"]])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(
            [
                _("%(entity)s, del %(start)s al %(end)s")
                % {"entity": data["entity"]["name"], "start": data["start"], "end": data["end"]}
            ]
        )
        if table["description"]:
            sheet.append([table["description"]])
        sheet.append([])
        sheet.append(table["columns"])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append([_cell(value) for value in row])
        sheet.column_dimensions["A"].width = 48
        for letter in "BCDEF":
            sheet.column_dimensions[letter].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def charts_for(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Tables with their chart (or None) for the templates."""
    return [
        {
            **table,
            "svg": bar_chart(table["rows"], unit=table["unit"], title=table["title"])
            if table["chart"]
            else None,
        }
        for table in data["tables"]
    ]


def report_pdf(data: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # heavy import, only when a PDF is made

    html = render_to_string("reports/report_print.html", {"data": data, "tables": charts_for(data)})
    return HTML(string=html).write_pdf() or b""
