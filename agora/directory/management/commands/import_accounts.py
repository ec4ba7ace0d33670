"""agora import_accounts FILE.csv: imports official accounts (all or nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from agora.core.errors import DomainError
from agora.core.models import User
from agora.directory import services


class Command(BaseCommand):
    help = _(
        "Importa cuentas oficiales desde un CSV con las columnas "
        "entity_code,platform,handle,url,platform_id,status."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help=_("Archivo CSV en UTF-8."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Solo revisa el archivo e informa lo que haría, sin escribir nada."),
        )
        parser.add_argument(
            "--actor",
            default="",
            help=_("Usuario del ente rector que realiza la importación (queda en la auditoría)."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No existe el archivo %(path)s.") % {"path": path})
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(_("No existe el usuario %(user)s.") % {"user": options["actor"]})
        try:
            report = services.accounts_import(
                actor=actor,
                # Without --actor, the operator at the console imports (audited as «sistema»).
                system=actor is None,
                data=path.read_bytes(),
                dry_run=options["dry_run"],
                source=path.name,
            )
        except DomainError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        for error in report.errors:
            self.stderr.write(str(error))
        if report.errors:
            raise CommandError(
                _("%(count)s línea(s) con errores; no se importó nada.")
                % {"count": len(report.errors)}
            )
        prefix = _("Revisión (no se escribió nada): ") if report.dry_run else ""
        self.stdout.write(
            prefix
            + _("%(created)s cuentas nuevas, %(updated)s actualizadas, %(unchanged)s sin cambios.")
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
        )
