"""agora load_participation_demo: demo members, sessions, agreements and a consultation on
the real pilot forums, all marked as demo. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.participation.demo import participation_demo_load


class Command(BaseCommand):
    help = _("Carga datos de demostración de participación (marcados como tales).")

    def handle(self, *args: Any, **options: Any) -> None:
        created = participation_demo_load()
        self.stdout.write(_("Objetos de demostración nuevos: %(n)s.") % {"n": created})
