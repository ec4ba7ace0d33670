"""agora load_public_data: loads (or refreshes) the real public data. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.directory import public_data, services


class Command(BaseCommand):
    help = _("Carga las entidades públicas reales: nacionales, regionales y municipales.")

    def handle(self, *args: Any, **options: Any) -> None:
        result = services.entities_load(rows=public_data.all_rows())
        self.stdout.write(
            _("Entidades: %(created)s nuevas, %(updated)s actualizadas, %(unchanged)s sin cambios.")
            % {
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )
        from agora.participation.pilots import pilots_load

        forums = pilots_load()
        self.stdout.write(
            _(
                "Foros multiactor piloto: %(created)s nuevos, %(updated)s actualizados, "
                "%(unchanged)s sin cambios."
            )
            % {"created": forums.created, "updated": forums.updated, "unchanged": forums.unchanged}
        )
        from agora.commitments.public_data import load as commitments_load

        plans = commitments_load()
        self.stdout.write(
            _(
                "Planes de gobierno abierto: %(plans)s planes, %(commitments)s compromisos, "
                "%(milestones)s hitos; %(created)s nuevos, %(updated)s actualizados, "
                "%(unchanged)s sin cambios."
            )
            % {
                "plans": plans.plans,
                "commitments": plans.commitments,
                "milestones": plans.milestones,
                "created": plans.created,
                "updated": plans.updated,
                "unchanged": plans.unchanged,
            }
        )
