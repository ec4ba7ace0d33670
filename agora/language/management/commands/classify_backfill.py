"""agora classify_backfill [--antiguedad MINUTOS] [--lote N]: classifies, to the end, the citizen
messages without a classification or without scores (stored before messages kept scores, left
unclassified by a lost task or while no model could be loaded). The same sweep the worker runs
every five minutes (``services.messages_unclassified_sweep``); safe beside it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agora.language import model as classifier
from agora.language import selectors, services


class Command(BaseCommand):
    help = (
        "Clasifica, hasta terminar y por lotes, los mensajes ciudadanos sin clasificar o sin "
        "puntuaciones del modelo (guardados antes de que los mensajes las conservaran, o que "
        "quedaron sin clasificar porque se perdió la tarea o no había modelo). Es el mismo "
        "barrido que el trabajador hace cada cinco minutos; puede ejecutarse a la vez que él."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--antiguedad",
            type=int,
            default=int(services.SWEEP_OLDER_THAN.total_seconds() // 60),
            metavar="MINUTOS",
            help=(
                "solo los mensajes recibidos hace más de estos minutos (por defecto %(default)s: "
                "los más recientes aún pueden estar clasificándose al ingresar)"
            ),
        )
        parser.add_argument(
            "--lote",
            type=int,
            default=services.SWEEP_LIMIT,
            metavar="N",
            help="mensajes por vuelta del barrido (por defecto %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        minutes, batch = options["antiguedad"], options["lote"]
        if minutes < 0:
            raise CommandError("La antigüedad no puede ser negativa.")
        if batch < 1:
            raise CommandError("El lote debe ser de al menos un mensaje.")
        older_than = timedelta(minutes=minutes)
        waiting = selectors.unclassified_count(older_than)
        if not waiting:
            self.stdout.write("No hay mensajes ciudadanos sin clasificar ni sin puntuaciones.")
            return
        try:
            classifier.load()
        except classifier.ModelError as error:
            raise CommandError(error.messages[0]) from error
        self.stdout.write("Mensajes por clasificar: %d." % waiting)
        total = 0
        left = waiting
        while True:
            done = services.messages_unclassified_sweep(limit=batch, older_than=older_than)
            total += done
            if done:
                self.stdout.write("Clasificados hasta ahora: %d." % total)
            before, left = left, selectors.unclassified_count(older_than)
            # Done, or nothing moves (a model that gives no scores, rows held by a worker).
            if done < batch or left >= before:
                break
        self.stdout.write("Listo: %d mensajes clasificados; quedan %d." % (total, left))
