"""Publishing with a plan (issue 18, seed 003): content plans, posts per network, four-eyes
approval, the guidelines checked before review, accountability links, publishing through the
connectors, and the crisis manual."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublishingConfig(AppConfig):
    name = "agora.publishing"
    label = "publishing"
    verbose_name = _("Publicación planificada")
