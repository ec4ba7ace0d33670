"""agora sandbox_citizens: new demo citizen messages from the sandbox platform, now."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from agora.connectors import sandbox, tasks
from agora.connectors.models import SandboxPublication


class Command(BaseCommand):
    help = _(
        "Envía mensajes nuevos de ciudadanos de prueba desde la plataforma de prueba (demo) "
        "(webhooks firmados como los de Meta; en X y YouTube, Ágora los lee consultando)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, default=3)

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX_ENABLED:
            raise CommandError(_("La plataforma de prueba está apagada (AGORA_SANDBOX)."))
        ids = sandbox.citizens_send(count=max(1, min(options["count"], 100)))
        delivered = sum(sandbox.publication_deliver(pk) == "entregado" for pk in ids)
        # X and YouTube: Ágora's poller reads them, now rather than at its next round.
        polled = SandboxPublication.objects.filter(
            pk__in=ids, account__platform__in=sandbox.POLLED_PLATFORMS
        )
        for account_id in sorted(set(polled.values_list("account_id", flat=True))):
            tasks.poll_account_task(account_id)
        delivered += polled.filter(delivered_at__isnull=False).count()
        self.stdout.write(
            _("Mensajes de prueba creados: %(n)s; entregados a Ágora: %(d)s.")
            % {"n": len(ids), "d": delivered}
        )
