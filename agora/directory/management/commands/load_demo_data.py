"""agora load_demo_data: the marked demo data set (accounts and people). Idempotent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from agora.directory import demo


class Command(BaseCommand):
    help = _("Carga datos de demostración marcados como tales (cuentas y usuarios).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entities", type=int, default=400)
        parser.add_argument("--per-entity", type=int, default=3)
        parser.add_argument(
            "--credentials-file", default=str(settings.VAR_DIR / "demo-credenciales.txt")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        users = demo.users_create_demo()
        rector = demo.User.objects.get(username="demo-rector")
        count = demo.accounts_create_demo(
            entities=demo.demo_entities(options["entities"]),
            verifier=rector,
            per_entity=options["per_entity"],
        )
        self.stdout.write(_("Cuentas de demostración nuevas: %(count)s.") % {"count": count})
        reports = demo.fake_reports_create_demo(rector=rector)
        self.stdout.write(
            _("Reportes de cuentas falsas de demostración nuevos: %(count)s.") % {"count": reports}
        )
        if users:
            with open(options["credentials_file"], "w", encoding="utf-8") as handle:
                for user in users:
                    handle.write(f"{user.username}\t{user.password}\t{user.description}\n")
            self.stdout.write(
                _("Usuarios de demostración creados; credenciales en %(path)s.")
                % {"path": options["credentials_file"]}
            )
