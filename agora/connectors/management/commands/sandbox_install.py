"""agora sandbox_install: gives the demo accounts their sandbox tokens (run by `make data`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.connectors import sandbox


class Command(BaseCommand):
    help = _("Registra el token de la plataforma de prueba en las cuentas de demostración.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX_ENABLED:
            self.stdout.write(_("La plataforma de prueba está apagada: nada que registrar."))
            return
        count = sandbox.credentials_install()
        self.stdout.write(
            _("Cuentas de demostración con token de la plataforma de prueba: %(n)s.") % {"n": count}
        )
