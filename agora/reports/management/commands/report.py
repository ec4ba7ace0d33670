"""agora report: one entity report for a date range, written as PDF, XLSX or CSV."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from agora.directory import roles
from agora.reports.exports import report_csv, report_pdf, report_xlsx
from agora.reports.report import report_data
from agora.reports.services import MAX_DAYS

WRITERS = {"pdf": report_pdf, "xlsx": report_xlsx, "csv": report_csv}


def _date(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            _("La fecha de %(flag)s no es válida (use AAAA-MM-DD): %(value)s")
            % {"flag": flag, "value": value}
        ) from error


class Command(BaseCommand):
    help = _("Genera el informe de una entidad para un período, en PDF, XLSX o CSV.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", required=True, help=_("código de la entidad"))
        parser.add_argument("--from", dest="start", required=True, help="AAAA-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="AAAA-MM-DD")
        parser.add_argument("--format", dest="fmt", required=True, choices=sorted(WRITERS))
        parser.add_argument("--output", required=True, help=_("archivo de salida"))

    def handle(self, *args: Any, **options: Any) -> None:
        entity = roles.entity_by_code(options["entity"])
        if entity is None:
            raise CommandError(_("No existe la entidad «%(code)s».") % {"code": options["entity"]})
        start, end = _date(options["start"], "--from"), _date(options["end"], "--to")
        if end < start:
            raise CommandError(_("La fecha final es anterior a la inicial."))
        if (end - start).days + 1 > MAX_DAYS:
            raise CommandError(
                _("El período no puede pasar de %(days)s días.") % {"days": MAX_DAYS}
            )
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(_("No existe la carpeta %(path)s.") % {"path": output.parent})
        data = report_data(entity=entity, start=start, end=end)
        content = WRITERS[options["fmt"]](data)
        output.write_bytes(content)
        self.stdout.write(
            _("Informe de %(entity)s escrito en %(path)s (%(size)s bytes).")
            % {"entity": entity.name, "path": output, "size": len(content)}
        )
