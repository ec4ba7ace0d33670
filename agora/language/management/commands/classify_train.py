"""agora classify_train [--forzar]: trains a new classifier version and makes it current if the
gate (agora/language/gate.py) finds it not worse than the current one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agora.core.errors import DomainError
from agora.language import services


class Command(BaseCommand):
    help = (
        "Entrena el clasificador con el corpus incluido (sin las líneas reservadas para la "
        "evaluación), las correcciones del personal y las etiquetas de la cola (sin la muestra "
        "de prueba); guarda la nueva versión en la base de datos, la evalúa junto a la "
        "vigente y la deja vigente solo si no es peor (la compuerta)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--forzar",
            "--force",
            dest="force",
            action="store_true",
            help="deja vigente la nueva versión aunque la compuerta la rechace (queda auditado)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = services.model_train(force=options["force"])
        except DomainError as error:
            raise CommandError(error.messages[0]) from error
        self.stdout.write(
            "Modelo %s entrenado con %d mensajes del corpus, %d correcciones y %d etiquetas de "
            "la cola."
            % (
                version.version,
                version.corpus_size,
                version.corrections_used,
                version.labels_used,
            )
        )
        if version.is_current:
            self.stdout.write("Ahora es el vigente. %s" % version.decision_reason)
        else:
            self.stdout.write(
                "RECHAZADO por la compuerta; sigue vigente el anterior. %s"
                % version.decision_reason
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
