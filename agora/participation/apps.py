"""Multistakeholder forums, sessions, agreements and public consultations."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _public_data() -> str:
    from agora.participation.pilots import pilots_load

    forums = pilots_load()
    return gettext(
        "Foros multiactor piloto: %(created)s nuevos, %(updated)s actualizados, "
        "%(unchanged)s sin cambios."
    ) % {"created": forums.created, "updated": forums.updated, "unchanged": forums.unchanged}


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.participation.tasks import schedules_ensure

    schedules_ensure()


class ParticipationConfig(AppConfig):
    name = "agora.participation"
    label = "participation"
    verbose_name = _("Participación ciudadana")

    def ready(self) -> None:
        post_migrate.connect(_schedules, sender=self)
        from agora.core.registries import public_data_register

        public_data_register(20, "participation", _public_data)
