from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "agora.core"
    label = "core"
    verbose_name = _("Núcleo")

    def ready(self) -> None:
        from agora.core import checks  # noqa: F401 - registers the deploy checks
