"""The registry of communicator training (PE0065, milestone 2): workshops, who attended from
which entity and in which role, materials, and the public coverage by level of government."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "agora.training"
    label = "training"
    verbose_name = _("Capacitación de comunicadores")
