"""agora classify --input IN.jsonl --output OUT.jsonl: classifies a file of messages."""

from __future__ import annotations

import json
import sys
from typing import IO, Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agora.language import model as classifier


class Command(BaseCommand):
    help = (
        'Clasifica mensajes de un archivo JSONL (líneas {"id", "text"}) y escribe una línea '
        '{"id", "kind", "flags", "scores"} por cada línea de entrada, en el mismo orden. '
        "Las líneas inválidas se informan con su número y no detienen el lote."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="archivo JSONL de entrada («-»: stdin)")
        parser.add_argument("--output", required=True, help="archivo JSONL de salida («-»: stdout)")
        parser.add_argument(
            "--batch", type=int, default=5_000, help="mensajes por lote (por defecto 5000)"
        )
        parser.add_argument(
            "--model", default=None, help="versión del modelo (por defecto, la vigente)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            model = classifier.load(options["model"])
        except classifier.ModelError as error:
            raise CommandError(error.messages[0]) from error
        batch_size = max(1, options["batch"])
        # Read as bytes and decoded line by line: a line that is not UTF-8 is reported like any
        # other bad line instead of stopping the file.
        try:
            source: IO[bytes] = (
                sys.stdin.buffer if options["input"] == "-" else open(options["input"], "rb")  # noqa: SIM115
            )
        except OSError as error:
            raise CommandError("No se pudo abrir el archivo de entrada: %s" % error) from error
        try:
            target: TextIO = (
                sys.stdout
                if options["output"] == "-"
                else open(options["output"], "w", encoding="utf-8")  # noqa: SIM115
            )
        except OSError as error:
            if source is not sys.stdin.buffer:
                source.close()
            raise CommandError("No se pudo crear el archivo de salida: %s" % error) from error
        counts = {"ok": 0, "errores": 0}
        try:
            pending: list[tuple[Any, str | None, str]] = []  # (id, text, error)
            for number, line in enumerate(source, start=1):
                pending.append(self._parse(number, line, counts))
                if len(pending) >= batch_size:
                    self._flush(model, pending, target, counts)
                    pending = []
            self._flush(model, pending, target, counts)
        finally:
            if source is not sys.stdin.buffer:
                source.close()
            if target is not sys.stdout:
                target.close()
        self.stderr.write(
            "Clasificados %d mensajes con el modelo %s; %d líneas con errores."
            % (counts["ok"], model.version, counts["errores"])
        )

    def _parse(
        self, number: int, raw: bytes, counts: dict[str, int]
    ) -> tuple[Any, str | None, str]:
        def bad(reason: str, message_id: Any = None) -> tuple[Any, None, str]:
            reason = "línea %d: %s" % (number, reason)
            self.stderr.write(reason)
            counts["errores"] += 1
            return message_id, None, reason

        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            return bad("no es texto UTF-8 válido")
        if not line.strip():
            return bad("línea vacía")
        try:
            data = json.loads(line)
        except ValueError as error:
            return bad(classifier.json_error_reason(error))
        if not isinstance(data, dict):
            return bad("se esperaba un objeto JSON")
        message_id = data.get("id")
        text = data.get("text")
        if text is None:
            return bad("falta el campo «text»", message_id)
        if not isinstance(text, str):
            return bad("el campo «text» no es un texto", message_id)
        return message_id, text, ""

    def _flush(
        self,
        model: classifier.TrainedModel,
        pending: list[tuple[Any, str | None, str]],
        target: TextIO,
        counts: dict[str, int],
    ) -> None:
        texts = [text for _id, text, _error in pending if text is not None]
        results = iter(model.classify_texts(texts))
        for message_id, text, error in pending:
            if text is None:
                row: dict[str, Any] = {"id": message_id, "error": error}
            else:
                result = next(results)
                row = {
                    "id": message_id,
                    "kind": result.kind,
                    "flags": result.flags,
                    "scores": result.scores,
                }
                counts["ok"] += 1
            target.write(json.dumps(row, ensure_ascii=False) + "\n")
