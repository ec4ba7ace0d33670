"""Multistakeholder forums, sessions, agreements and public consultations."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.participation.tasks import schedules_ensure

    schedules_ensure()


class ParticipationConfig(AppConfig):
    name = "agora.participation"
    label = "participation"
    verbose_name = _("Participación ciudadana")

    def ready(self) -> None:
        post_migrate.connect(_schedules, sender=self)
