from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.inbox.tasks import schedules_ensure

    schedules_ensure()


def _search_index(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    from agora.inbox import search_index

    search_index.ensure(connections[using])


class InboxConfig(AppConfig):
    name = "agora.inbox"
    label = "inbox"
    verbose_name = _("Bandeja de atención")

    def ready(self) -> None:
        post_migrate.connect(_schedules, sender=self)
        post_migrate.connect(_search_index, sender=self)
        from agora.inbox import pipeline, receivers
        from agora.inbox.signals import answer_confirmed

        pipeline.step_register(pipeline.Step("prioridad", now=receivers.priority_step))
        from agora.core.metrics import gauge_register
        from agora.inbox.sending import sends_stuck_count

        gauge_register(
            "agora_sends_stuck",
            "Respuestas pendientes o publicándose más allá de su plazo (tarea perdida).",
            lambda: sends_stuck_count(),
        )
        answer_confirmed.connect(receivers.on_answer_confirmed, dispatch_uid="inbox-priority-ans")
