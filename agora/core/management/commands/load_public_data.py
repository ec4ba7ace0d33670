"""agora load_public_data: loads (or refreshes) the real public data. Idempotent.

Each app registers its loader at start-up (``agora.core.registries``): the entities of the
directory first, then the pilot forums of participation and the action plans of commitments."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.core.registries import public_data_loaders


class Command(BaseCommand):
    help = _(
        "Carga los datos públicos reales: entidades nacionales, regionales y municipales, foros "
        "piloto y planes de gobierno abierto."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for loader in public_data_loaders():
            self.stdout.write(loader.load())
