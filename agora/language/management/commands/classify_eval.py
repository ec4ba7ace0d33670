"""agora classify_eval [--corpus FILE.jsonl] [--sample FILE.jsonl]: quality of the current model.

Without ``--corpus``: one section per evaluation set, separately: the held-out lines of the
shipped corpus (training never reads them), ``corpus_reservado/`` (written separately, never
trained on), the real sample labelled in the inbox's queue (never trained on) when it has any
message, and each ``--sample`` file (a labelled sample of one's own). With
``--corpus FILE``: on every line of FILE only (a test set of one's own), or only its held-out
lines with ``--reservadas``. Per flag: precision, recall, F1 and the share of messages
flagged; per kind and the kind macro-F1."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agora.language import evaluation as sets
from agora.language import labelling
from agora.language import model as classifier


class Command(BaseCommand):
    help = (
        "Evalúa el modelo vigente: sin --corpus, por separado sobre las líneas reservadas "
        "(nunca usadas para entrenar) del corpus incluido, sobre el corpus reservado escrito "
        "aparte, sobre la muestra real etiquetada en la cola (si tiene mensajes) y sobre cada "
        "muestra dada con --sample; con --corpus, sobre "
        "todas las líneas de los archivos dados. Precisión, exhaustividad, F1 y porcentaje de "
        "mensajes marcados por alerta; por tipo, F1 macro de tipo, matriz de confusión y "
        "objetivos de calidad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--corpus",
            action="append",
            default=None,
            help=("archivo JSONL {id, text, kind, flags}; repetible (evalúa solo esos archivos)"),
        )
        parser.add_argument(
            "--sample",
            action="append",
            default=[],
            help=(
                "muestra real etiquetada (JSONL {id, text, kind, flags}, nunca entrenada); "
                "repetible: se informa en su propia sección"
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
        errors: list[str] = []  # bad lines are reported and skipped: they never stop the run
        try:
            model = classifier.load(options["model"])
            if options["corpus"] or options["all"]:
                sections = self._one_corpus(model, options, errors)
            else:
                real_sample = labelling.labelled_examples().test
                sections = sets.default_sections(model, errors, options["sample"], real_sample)
        except (classifier.ModelError, classifier.CorpusError) as error:
            raise CommandError(error.messages[0]) from error
        except OSError as error:
            raise CommandError("No se pudo leer el corpus: %s" % error) from error
        for reason in errors:
            self.stderr.write(reason)
        if not sections:
            raise CommandError("No hay líneas para evaluar.")
        if options["json"]:
            payload: Any = [section.as_dict() for section in sections]
            if len(sections) == 1:
                payload = payload[0]
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        if errors:
            self.stdout.write(
                "%d líneas con errores no se evaluaron (detalle en la salida de errores)."
                % len(errors)
            )
        self.stdout.write("\n\n".join(sets.format_section(section) for section in sections))

    def _one_corpus(
        self, model: classifier.TrainedModel, options: dict[str, Any], errors: list[str]
    ) -> list[sets.Section]:
        """``--corpus`` (and ``--all``): the given files only, as before."""
        paths = options["corpus"] or [str(p) for p in classifier.corpus_paths()]
        examples = sets.read_examples(paths, errors)
        held_out_only = options["reservadas"] if options["corpus"] else False
        if held_out_only:
            examples = [e for e in examples if classifier.is_held_out(e.id)]
        if not examples:
            return []
        scope = "líneas reservadas (20 %)" if held_out_only else "todas las líneas"
        title = "Evaluación sobre %s de %s" % (scope, ", ".join(paths))
        sections = [
            sets.evaluate_examples(
                model, examples, key="corpus", title=title, source=", ".join(paths)
            )
        ]
        for sample in options["sample"]:
            sample_examples = sets.read_examples([sample], errors)
            if sample_examples:
                sections.append(
                    sets.evaluate_examples(
                        model,
                        sample_examples,
                        title="Muestra real etiquetada (nunca entrenada)",
                        source=sample,
                    )
                )
        return sections
