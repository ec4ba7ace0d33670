"""agora rollups_rebuild [--entity CODE]: recomputes the scoreboard's rollups."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from agora.directory.models import Entity
from agora.reports.rollups import rollups_rebuild


class Command(BaseCommand):
    help = _("Recalcula los resúmenes diarios del tablero público desde los mensajes.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", action="append", default=[], help=_("código de entidad"))

    def handle(self, *args: Any, **options: Any) -> None:
        ids = None
        if options["entity"]:
            found = dict(
                Entity.objects.filter(code__in=options["entity"]).values_list("code", "pk")
            )
            missing = sorted(set(options["entity"]) - set(found))
            if missing:
                raise CommandError(
                    _("No existen estas entidades: %(codes)s") % {"codes": ", ".join(missing)}
                )
            ids = list(found.values())
        conversations, days = rollups_rebuild(entity_ids=ids)
        self.stdout.write(
            _("Resúmenes recalculados: %(conversations)s conversaciones, %(days)s días-entidad.")
            % {"conversations": conversations, "days": days}
        )
