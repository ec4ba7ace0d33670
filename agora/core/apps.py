from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.core.outbox import schedules_ensure

    schedules_ensure()


class CoreConfig(AppConfig):
    name = "agora.core"
    label = "core"
    verbose_name = _("Núcleo")

    def ready(self) -> None:
        from agora.core import checks  # noqa: F401 - registers the deploy checks

        post_migrate.connect(_schedules, sender=self)
        from agora.core.observability import gauges_register

        gauges_register()
