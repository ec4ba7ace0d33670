"""agora load_commitments_demo: generated demo action plans (marked demo). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from agora.commitments.demo import plans_create_demo


class Command(BaseCommand):
    help = _("Crea planes de acción de demostración (marcados como demo).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--plans", type=int, default=3)
        parser.add_argument("--commitments", type=int, default=12)
        parser.add_argument("--milestones", type=int, default=6)

    def handle(self, *args: Any, **options: Any) -> None:
        result = plans_create_demo(
            plans=options["plans"],
            commitments=options["commitments"],
            milestones=options["milestones"],
        )
        self.stdout.write(
            _(
                "Demo de planes: %(plans)s planes, %(commitments)s compromisos y "
                "%(milestones)s hitos nuevos."
            )
            % {
                "plans": result.plans,
                "commitments": result.commitments,
                "milestones": result.milestones,
            }
        )
