"""agora ingest --platform meta|instagram|x|youtube|csv --input FILE: imports citizens' messages
from a file into the inbox, with a progress bar and a report of every bad line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from agora.connectors import imports
from agora.core.errors import DomainError

BAR_WIDTH = 30


class ProgressBar:
    """``[#####.....]  1.234/5.678 líneas (21 %)`` on one line, redrawn at most every
    ``interval`` seconds (and always at the end)."""

    def __init__(self, stream: OutputWrapper, *, interval: float = 0.2) -> None:
        self.stream = stream
        self.interval = interval
        self.last = 0.0
        self.seen: tuple[int, int] | None = None
        self.drawn: tuple[int, int] | None = None

    def __call__(self, done: int, total: int) -> None:
        self.seen = (done, total)
        now = time.monotonic()
        if self.drawn is None or now - self.last >= self.interval or done == total:
            self.last = now
            self.draw(done, total)

    def draw(self, done: int, total: int) -> None:
        if total > 0:
            share = min(done / total, 1.0)
            filled = int(share * BAR_WIDTH)
            line = "[%s%s] %s/%s %s (%d %%)" % (
                "#" * filled,
                "." * (BAR_WIDTH - filled),
                done,
                total,
                _("líneas"),
                int(share * 100),
            )
        else:
            line = "%s %s" % (done, _("líneas"))
        self.stream.write("\r" + line, ending="")
        self.stream.flush()
        self.drawn = (done, total)

    def finish(self) -> None:
        """Draws the last state if it was skipped, and ends the line."""
        if self.seen is not None and self.seen != self.drawn:
            done, total = self.seen
            # Blank lines at the end may leave ``done`` short of a line count made in bytes.
            self.draw(done, max(total, done))
        if self.drawn is not None:
            self.stream.write("")


class Command(BaseCommand):
    help = _(
        "Importa mensajes a la bandeja desde un archivo: JSONL con un contenido de la "
        "plataforma por línea (meta, instagram, x, youtube) o CSV/XLSX (csv). Es idempotente: "
        "volver a importar el mismo archivo no duplica nada."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--platform", required=True, choices=imports.PLATFORMS)
        parser.add_argument("--input", required=True, type=Path, help=_("Archivo a importar."))
        parser.add_argument(
            "--map",
            default="",
            help=_(
                "Solo csv: columnas del archivo para cada campo, p. ej. "
                "text=Mensaje,sent_at=Fecha. Campos: %(fields)s."
            )
            % {"fields": ", ".join(imports.FIELDS)},
        )
        parser.add_argument(
            "--account",
            default="",
            help=_(
                "Solo x y youtube: nombre de usuario o id de la cuenta verificada a la que "
                "pertenece el archivo (sus menciones en X, los comentarios de su canal en "
                "YouTube). En YouTube es necesaria si los hilos no traen «snippet.channelId»."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=imports.BATCH_SIZE,
            help=_("Mensajes por lote; cada lote se guarda por separado."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bar = ProgressBar(self.stderr)
        try:
            mapping = imports.parse_mapping(options["map"])
            report = imports.import_file(
                platform=options["platform"],
                path=options["input"],
                mapping=mapping,
                account=options["account"],
                batch_size=options["batch_size"],
                progress=bar,
            )
        except DomainError as exc:
            bar.finish()
            raise CommandError(" ".join(str(m) for m in exc.messages)) from exc
        bar.finish()
        for error in report.errors:
            self.stderr.write(str(error))
        summary = _(
            "%(created)s creados, %(edited)s editados, %(deleted)s borrados, "
            "%(unchanged)s sin cambios, %(errors)s errores."
        ) % {
            "created": report.created,
            "edited": report.edited,
            "deleted": report.deleted,
            "unchanged": report.unchanged,
            "errors": len(report.errors),
        }
        extra = []
        if report.quarantined:
            extra.append(
                _("%(count)s eventos en cuarentena (páginas o cuentas no verificadas).")
                % {"count": report.quarantined}
            )
        if report.skipped:
            extra.append(_("%(count)s eventos omitidos.") % {"count": report.skipped})
        if report.ignored:
            extra.append(
                _(
                    "%(count)s publicaciones que no son mensajes de la ciudadanía (reposts, "
                    "versiones anteriores de una publicación editada) no se importaron."
                )
                % {"count": report.ignored}
            )
        self.stdout.write(" ".join([summary, *extra]))
        if report.taken == 0:
            # Nothing stored (nor already stored): never a silent success.
            raise CommandError(
                _(
                    "No se importó ningún mensaje: %(errors)s línea(s) o elementos con errores "
                    "de %(lines)s línea(s) leídas."
                )
                % {"errors": len(report.errors), "lines": report.processed},
                returncode=1,
            )
        if report.errors:
            raise CommandError(
                _("%(count)s línea(s) con errores; las demás se importaron.")
                % {"count": len(report.errors)},
                returncode=1,
            )
