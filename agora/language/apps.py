from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LanguageConfig(AppConfig):
    name = "agora.language"
    label = "language"
    verbose_name = _("Lenguaje")

    def ready(self) -> None:
        from agora.language import (
            receivers,  # noqa: F401 - connects the signal receivers
            watch_receivers,  # noqa: F401 - watch-list matching
        )
