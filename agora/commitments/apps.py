"""Open-government action plans: proposals, SMART scoring, commitments and milestones."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "agora.commitments"
    label = "commitments"
    verbose_name = _("Planes de gobierno abierto")
