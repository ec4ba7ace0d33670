"""Prints a new key for AGORA_ENCRYPTION_KEY (docs/operacion.md, Producción)."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Genera una clave nueva para AGORA_ENCRYPTION_KEY (la misma en todos los servidores)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(Fernet.generate_key().decode())
