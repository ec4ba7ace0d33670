"""agora demo_otp USER: prints the current two-factor code of a demo user (demo users only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = _("Muestra el código de doble factor vigente de un usuario de demostración.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        device = TOTPDevice.objects.filter(
            user__username=options["username"], user__is_demo=True, confirmed=True
        ).first()
        if device is None:
            raise CommandError(
                _("%(user)s no es un usuario de demostración con doble factor.")
                % {"user": options["username"]}
            )
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(str(code).zfill(device.digits))
