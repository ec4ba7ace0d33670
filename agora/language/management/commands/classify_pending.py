"""agora classify_pending: classifies now the citizen messages stored without a reading (the
worker does it in production; `make data` runs it after loading the demo inbox, so that its
alerts show at once). Does nothing without a trained model (`agora classify_train`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from agora.language.services import messages_classify_pending


class Command(BaseCommand):
    help = _("Clasifica ahora los mensajes de la ciudadanía que aún no tienen lectura.")

    def handle(self, *args: Any, **options: Any) -> None:
        classified = messages_classify_pending()
        self.stdout.write(_("Mensajes clasificados: %(count)s.") % {"count": classified})
