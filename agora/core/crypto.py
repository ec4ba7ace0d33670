"""Encrypted model fields for credentials (page tokens, API keys): Fernet (AES-128-CBC with
HMAC-SHA256) with the key from AGORA_ENCRYPTION_KEY or a key file generated once under var/."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    # Several comma-separated keys: the first encrypts, all decrypt (key rotation).
    keys = [k.strip() for k in settings.ENCRYPTION_KEYS.split(",") if k.strip()]
    return MultiFernet([Fernet(k.encode()) for k in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


class CredentialUnreadable(ValueError):
    """A stored credential this server cannot decrypt: it was encrypted with a key this server
    does not have (AGORA_ENCRYPTION_KEY differs between servers, or was changed without keeping
    the old key for rotation)."""


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialUnreadable(
            _(
                "Este servidor no puede descifrar la credencial guardada: AGORA_ENCRYPTION_KEY "
                "debe ser la misma en todos los servidores y trabajadores (para cambiarla, "
                "ponga la nueva primero y conserve la anterior después de una coma)."
            )
        ) from exc


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code sees the plain value. Never searchable."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value in (None, ""):
            return value
        return decrypt(value)  # type: ignore[arg-type]

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(str(value))
