"""agora load_inbox_demo: demo conversations (marked is_demo) on the demo accounts. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from agora.inbox.demo import conversations_create_demo


class Command(BaseCommand):
    help = _("Carga conversaciones de demostración en la bandeja (marcadas como tales).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entities", type=int, default=25)
        parser.add_argument("--per-entity", type=int, default=40)

    def handle(self, *args: Any, **options: Any) -> None:
        count = conversations_create_demo(
            entity_limit=options["entities"], per_entity=options["per_entity"]
        )
        self.stdout.write(_("Mensajes de demostración nuevos: %(count)s.") % {"count": count})
        from agora.inbox.canned_demo import canned_answers_create_demo

        answers = canned_answers_create_demo()
        if answers:
            self.stdout.write(
                _("Respuestas aprobadas de demostración nuevas: %(count)s.") % {"count": answers}
            )
