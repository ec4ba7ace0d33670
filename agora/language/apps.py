from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.language.tasks import schedules_ensure

    schedules_ensure()


class LanguageConfig(AppConfig):
    name = "agora.language"
    label = "language"
    verbose_name = _("Lenguaje")

    def ready(self) -> None:
        from agora.language import (
            receivers,  # noqa: F401 - connects the signal receivers
            watch_receivers,  # noqa: F401 - watch-list matching
        )

        post_migrate.connect(_schedules, sender=self)
        from agora.core.metrics import gauge_register
        from agora.language.selectors import unclassified_count

        gauge_register(
            "agora_unclassified_messages",
            "Mensajes de la ciudadanía sin clasificar con más de cinco minutos.",
            lambda: unclassified_count(),
        )
