"""Publishing with a plan (issue 18, seed 003): content plans, posts per network, four-eyes
approval, the guidelines checked before review, accountability links, publishing through the
connectors, and the crisis manual."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.publishing.tasks import schedules_ensure

    schedules_ensure()


class PublishingConfig(AppConfig):
    name = "agora.publishing"
    label = "publishing"
    verbose_name = _("Publicación planificada")

    def ready(self) -> None:
        # The inbox holds answers for approval when the entity asks for it
        # (agora/inbox/reply_approval.py); the policy lives here.
        from agora.inbox import reply_approval
        from agora.publishing import reply_policy

        reply_approval.register_policy(reply_policy.POLICY)
        post_migrate.connect(_schedules, sender=self)
