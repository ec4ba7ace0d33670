"""Reports of what citizens asked and the public scoreboard of response times."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "agora.reports"
    label = "reports"
    verbose_name = _("Informes e indicadores")
