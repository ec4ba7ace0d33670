"""agora load_training_demo: the demo workshops and attendance (marked as demo; idempotent).
Runs after `agora load_demo_data`, whose demo accounts decide which entities count."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.training.demo import training_create_demo


class Command(BaseCommand):
    help = _("Carga los talleres de capacitación de demostración (marcados como demostración).")

    def handle(self, *args: Any, **options: Any) -> None:
        trained = training_create_demo()
        self.stdout.write(
            _("Asistencias a talleres de demostración nuevas: %(count)s.") % {"count": trained}
        )
