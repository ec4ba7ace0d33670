"""agora encryption_rotate: re-encrypts every stored secret (account tokens) with the current
AGORA_ENCRYPTION_KEY, after a key change (docs/operacion.md, «Rotación de la clave»)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from agora.core import crypto


class Command(BaseCommand):
    help = (
        "Vuelve a cifrar con la clave vigente (AGORA_ENCRYPTION_KEY) todos los secretos "
        "guardados que se cifraron con una clave anterior (AGORA_ENCRYPTION_KEYS_PREVIOUS). "
        "Puede ejecutarse varias veces: lo ya cifrado con la vigente no cambia."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = crypto.secrets_rotate()
        for label in sorted(report.rotated):
            self.stdout.write(
                "%s: %d vueltos a cifrar, %d ya estaban con la clave vigente."
                % (label, report.rotated[label], report.current[label])
            )
        if report.unreadable:
            raise CommandError(
                "%d secretos no se pudieron leer con ninguna clave configurada (%s): "
                "agregue la clave con que se cifraron a AGORA_ENCRYPTION_KEYS_PREVIOUS y "
                "vuelva a ejecutar; o regístrelos de nuevo."
                % (len(report.unreadable), ", ".join(report.unreadable))
            )
        if report.total_rotated:
            self.stdout.write(
                "Listo: %d secretos cifrados ahora con la clave vigente. Ya puede quitar las "
                "claves anteriores de AGORA_ENCRYPTION_KEYS_PREVIOUS en todas las máquinas."
                % report.total_rotated
            )
        else:
            self.stdout.write("Nada que hacer: todo está cifrado con la clave vigente.")
