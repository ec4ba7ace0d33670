from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _text_flags(texts: list[str]) -> list[list[str]]:
    """The current model's flags for ``texts``; none when there is no model yet."""
    from agora.language.model import ModelError, load

    try:
        model = load()
    except ModelError:
        return [[] for _ in texts]
    return [sorted(set(result.flags)) for result in model.classify_texts(texts)]


def _schedules(sender: AppConfig, **kwargs: Any) -> None:
    from agora.language.tasks import schedules_ensure

    schedules_ensure()


class LanguageConfig(AppConfig):
    name = "agora.language"
    label = "language"
    verbose_name = _("Lenguaje")

    def ready(self) -> None:
        from agora.inbox import pipeline
        from agora.language import receivers, watch_receivers

        pipeline.step_register(
            pipeline.Step("lectura", now=receivers.classify_now, later=receivers.classify_later)
        )
        pipeline.step_register(
            pipeline.Step(
                "vigilancia", now=watch_receivers.watch_now, later=watch_receivers.watch_later
            )
        )

        post_migrate.connect(_schedules, sender=self)
        from agora.core.registries import personal_data_mask_register, text_flags_register
        from agora.language.rules import mask_personal_data

        text_flags_register(_text_flags)
        personal_data_mask_register(mask_personal_data)
        from agora.core.metrics import gauge_register
        from agora.language.selectors import unclassified_count

        gauge_register(
            "agora_unclassified_messages",
            "Mensajes de la ciudadanía sin clasificar con más de cinco minutos.",
            lambda: unclassified_count(),
        )
