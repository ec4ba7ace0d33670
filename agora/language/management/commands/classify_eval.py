"""agora classify_eval [--corpus FILE.jsonl]: quality of the current model.

Without ``--corpus``: on the held-out lines of the shipped corpus (training never reads
them). With ``--corpus FILE``: on every line of FILE (a test set of one's own), or only its
held-out lines with ``--reservadas``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agora.language import model as classifier


class Command(BaseCommand):
    help = (
        "Evalúa el modelo vigente: sin --corpus, sobre las líneas reservadas (nunca usadas "
        "para entrenar) del corpus incluido; con --corpus, sobre todas las líneas de los "
        "archivos dados. Precisión, exhaustividad y F1 por tipo y por alerta, F1 macro de "
        "tipo, matriz de confusión y objetivos de calidad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--corpus",
            action="append",
            default=None,
            help=(
                "archivo JSONL {id, text, kind, flags}; repetible (por defecto, el corpus incluido)"
            ),
        )
        parser.add_argument(
            "--all", action="store_true", help="evalúa todas las líneas del corpus incluido"
        )
        parser.add_argument(
            "--reservadas",
            action="store_true",
            help="con --corpus, evalúa solo sus líneas reservadas (20 %%)",
        )
        parser.add_argument(
            "--model", default=None, help="versión del modelo (por defecto, la vigente)"
        )
        parser.add_argument("--json", action="store_true", help="imprime las cifras en JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        paths = options["corpus"] or [str(p) for p in classifier.corpus_paths()]
        errors: list[str] = []  # bad lines are reported and skipped: they never stop the run
        try:
            model = classifier.load(options["model"])
            examples = [e for path in paths for e in classifier.read_corpus(path, errors=errors)]
        except (classifier.ModelError, classifier.CorpusError) as error:
            raise CommandError(error.messages[0]) from error
        except OSError as error:
            raise CommandError("No se pudo leer el corpus: %s" % error) from error
        for reason in errors:
            self.stderr.write(reason)
        held_out_only = options["reservadas"] if options["corpus"] else not options["all"]
        if held_out_only:
            examples = [e for e in examples if classifier.is_held_out(e.id)]
        if not examples:
            raise CommandError("No hay líneas para evaluar.")
        evaluation = classifier.evaluate(model, examples)
        scope = "líneas reservadas (20 %)" if held_out_only else "todas las líneas"
        if options["json"]:
            self.stdout.write(json.dumps(evaluation.as_dict(), ensure_ascii=False, indent=2))
            return
        self.stdout.write("Evaluación sobre %s de %s" % (scope, ", ".join(paths)))
        if errors:
            self.stdout.write(
                "%d líneas con errores no se evaluaron (detalle en la salida de errores)."
                % len(errors)
            )
        self.stdout.write(classifier.format_evaluation(evaluation))
