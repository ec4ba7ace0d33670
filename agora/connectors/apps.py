from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "agora.connectors"
    label = "connectors"
    verbose_name = _("Conectores")

    def ready(self) -> None:
        # Each platform module registers how to send an answer (see agora.inbox.senders).
        from agora.connectors import registry

        registry.register_all()
