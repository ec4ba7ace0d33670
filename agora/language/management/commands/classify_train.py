"""agora classify_train: trains a new classifier version and makes it current."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agora.core.errors import DomainError
from agora.language import services


class Command(BaseCommand):
    help = (
        "Entrena el clasificador con el corpus incluido (sin las líneas reservadas para la "
        "evaluación) y con todas las correcciones del personal; guarda la nueva versión en "
        "var/models/ y la deja vigente."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = services.model_train()
        except DomainError as error:
            raise CommandError(error.messages[0]) from error
        self.stdout.write(
            "Modelo %s entrenado con %d mensajes del corpus y %d correcciones; ahora es el vigente."
            % (version.version, version.corpus_size, version.corrections_used)
        )
        validation = version.metrics.get("validacion_cruzada", {})
        if validation:
            self.stdout.write(
                "Validación cruzada en el entrenamiento: F1 macro de tipo %.3f; umbrales %s"
                % (
                    validation.get("kind_macro_f1", 0.0),
                    ", ".join(
                        "%s %.2f" % (flag, data["umbral"])
                        for flag, data in validation.get("flags", {}).items()
                    ),
                )
            )
        pending = services.messages_classify_pending()
        if pending:
            self.stdout.write(
                "Clasificados %d mensajes ciudadanos que esperaban un modelo." % pending
            )
        held_out = version.metrics.get("reservado")
        if held_out:
            self.stdout.write(
                "Sobre las líneas reservadas (%d): F1 macro de tipo %.3f. "
                "Detalle: agora classify_eval" % (held_out["size"], held_out["macro_f1"])
            )
