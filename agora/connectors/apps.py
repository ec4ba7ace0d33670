from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.connectors import meta_mentions, sandbox
    from agora.connectors.tasks import schedules_ensure

    schedules_ensure()
    sandbox.schedules_ensure()
    meta_mentions.schedules_ensure()


class ConnectorsConfig(AppConfig):
    name = "agora.connectors"
    label = "connectors"
    verbose_name = _("Conectores")

    def ready(self) -> None:
        # Each platform module registers how to send an answer (see agora.inbox.senders).
        from agora.connectors import registry

        registry.register_all()
        registry.register_publishers()
        post_migrate.connect(_schedules, sender=self)
