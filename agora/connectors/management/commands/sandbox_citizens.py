"""agora sandbox_citizens: new demo citizen messages from the sandbox platform, now."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from agora.connectors import sandbox


class Command(BaseCommand):
    help = _(
        "Envía mensajes nuevos de ciudadanos de prueba desde la plataforma de prueba (demo) "
        "como webhooks firmados de Meta."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=3)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX_ENABLED:
            raise CommandError(_("La plataforma de prueba está apagada (AGORA_SANDBOX)."))
        ids = sandbox.citizens_send(count=max(1, min(options["count"], 100)))
        delivered = sum(sandbox.publication_deliver(pk) == "entregado" for pk in ids)
        self.stdout.write(
            _("Mensajes de prueba creados: %(n)s; entregados a Ágora: %(d)s.")
            % {"n": len(ids), "d": delivered}
        )
