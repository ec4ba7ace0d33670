"""Reports of what citizens asked and the public scoreboard of response times."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.reports.tasks import schedules_ensure

    schedules_ensure()


class ReportsConfig(AppConfig):
    name = "agora.reports"
    label = "reports"
    verbose_name = _("Informes e indicadores")

    def ready(self) -> None:
        from agora.inbox import pipeline
        from agora.inbox.signals import answer_confirmed
        from agora.reports import receivers

        pipeline.step_register(
            pipeline.Step(
                "cifras",
                now=receivers.rollups_now,
                later=receivers.rollups_later,
                always_later=receivers.by_worker,
            )
        )
        answer_confirmed.connect(receivers.on_answer_confirmed, dispatch_uid="reports-answers")
        post_migrate.connect(_schedules, sender=self)
        from agora.core.metrics import gauge_register
        from agora.reports.rollups import rollups_drift

        gauge_register(
            "agora_rollup_drift",
            "Diferencia entre los resúmenes del indicador público de los dos últimos días y "
            "los mensajes y conversaciones guardados (0: todo contado).",
            lambda: rollups_drift(),
        )
