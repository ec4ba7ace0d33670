"""agora inbox_stats [--entity CODE] [--json]: conversations per entity and status, for
operators (plain table, or one JSON object)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agora.directory import roles
from agora.inbox.models import Conversation, Direction, Message, Status


class Command(BaseCommand):
    help = _("Muestra cuántas conversaciones tiene cada entidad en cada estado.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entity", default="", help=_("Código de una entidad."))
        parser.add_argument(
            "--json", action="store_true", help=_("Imprime un objeto JSON en vez de una tabla.")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        conversations = Conversation.objects.all()
        messages = Message.objects.exclude(direction=Direction.NOTA)
        entity = None
        if options["entity"]:
            entity = roles.entity_by_code(options["entity"])
            if entity is None:
                raise CommandError(
                    _("No existe la entidad con el código «%(code)s».")
                    % {"code": options["entity"]}
                )
            conversations = conversations.filter(entity=entity)
            messages = messages.filter(entity=entity)
        now = timezone.now()
        rows: dict[int, dict[str, Any]] = {}
        if entity is not None:
            rows[entity.pk] = self._row(entity.code, entity.name)
        per_status = (
            conversations.values("entity_id", "entity__code", "entity__name", "status")
            .annotate(n=Count("id"))
            .order_by()
        )
        for item in per_status:
            row = rows.setdefault(
                item["entity_id"], self._row(item["entity__code"], item["entity__name"])
            )
            row["estados"][item["status"]] = item["n"]
            row["total"] += item["n"]
        overdue = (
            conversations.filter(
                Q(breached_at__isnull=False) | Q(due_at__lt=now),
                status__in=[Status.NUEVO, Status.ABIERTO],
            )
            .values("entity_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        for item in overdue:
            rows[item["entity_id"]]["vencidas"] = item["n"]
        for item in messages.values("entity_id").annotate(n=Count("id")).order_by():
            if item["entity_id"] in rows:
                rows[item["entity_id"]]["mensajes"] = item["n"]
        ordered = sorted(rows.values(), key=lambda r: r["codigo"])
        totals = {status: sum(r["estados"][status] for r in ordered) for status in Status.values}
        if options["json"]:
            data = {
                "generado": timezone.localtime(now).isoformat(),
                "estados": Status.values,
                "entidades": ordered,
                "totales": {
                    "estados": totals,
                    "total": sum(r["total"] for r in ordered),
                    "vencidas": sum(r["vencidas"] for r in ordered),
                    "mensajes": sum(r["mensajes"] for r in ordered),
                },
            }
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._table(ordered, totals)

    @staticmethod
    def _row(code: str, name: str) -> dict[str, Any]:
        return {
            "codigo": code,
            "nombre": name,
            "estados": dict.fromkeys(Status.values, 0),
            "total": 0,
            "vencidas": 0,
            "mensajes": 0,
        }

    def _table(self, rows: list[dict[str, Any]], totals: dict[str, int]) -> None:
        headers = [_("entidad"), *Status.values, _("total"), _("vencidas"), _("mensajes")]
        lines = [
            [
                r["codigo"],
                *(r["estados"][s] for s in Status.values),
                r["total"],
                r["vencidas"],
                r["mensajes"],
            ]
            for r in rows
        ]
        lines.append(
            [
                _("TOTAL"),
                *(totals[s] for s in Status.values),
                sum(r["total"] for r in rows),
                sum(r["vencidas"] for r in rows),
                sum(r["mensajes"] for r in rows),
            ]
        )
        cells = [[str(c) for c in line] for line in [headers, *lines]]
        widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
        for number, line in enumerate(cells):
            self.stdout.write(
                "  ".join(
                    c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(line)
                )
            )
            if number == 0:
                self.stdout.write("  ".join("-" * w for w in widths))
