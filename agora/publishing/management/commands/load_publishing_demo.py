"""agora load_publishing_demo: this month's demo content plans, posts in every status (one due
in a few minutes, which the running demo publishes on the sandbox), publishing settings and
crisis manuals, all marked demo (run by `make data`). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.publishing.demo import publishing_create_demo


class Command(BaseCommand):
    help = _("Carga planes de contenidos, publicaciones y manuales de crisis de demostración.")

    def handle(self, *args: Any, **options: Any) -> None:
        posts = publishing_create_demo()
        self.stdout.write(
            _("Publicaciones planificadas de demostración nuevas: %(count)s.") % {"count": posts}
        )
