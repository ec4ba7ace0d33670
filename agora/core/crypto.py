"""Encrypted model fields for credentials (page tokens, API keys): Fernet (AES-128-CBC with
HMAC-SHA256) with the key from AGORA_ENCRYPTION_KEY or a key file generated once under var/;
key rotation: the previous keys still decrypt, and ``secrets_rotate`` re-encrypts every stored
secret with the current key."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _


def _keys() -> list[str]:
    return [k.strip() for k in settings.ENCRYPTION_KEYS.split(",") if k.strip()]


@lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def _fernet() -> MultiFernet:
    # Several keys: the first (AGORA_ENCRYPTION_KEY) encrypts, all decrypt (key rotation:
    # the previous ones, AGORA_ENCRYPTION_KEYS_PREVIOUS, until `agora encryption_rotate`).
    return _fernet_for(tuple(_keys()))


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
                "ponga la nueva en AGORA_ENCRYPTION_KEY, la anterior en "
                "AGORA_ENCRYPTION_KEYS_PREVIOUS y ejecute «agora encryption_rotate»)."
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


@dataclass
class RotationReport:
    """What ``secrets_rotate`` did, per encrypted column."""

    rotated: dict[str, int] = dataclasses.field(default_factory=dict)
    current: dict[str, int] = dataclasses.field(default_factory=dict)
    unreadable: list[str] = dataclasses.field(default_factory=list)  # "label.field #pk"

    @property
    def total_rotated(self) -> int:
        return sum(self.rotated.values())


def _encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def secrets_rotate() -> RotationReport:
    """Re-encrypts with the current key every stored secret that an older key encrypted.
    Idempotent: a secret already under the current key is left as it is, so a second run
    changes nothing. Secrets no configured key can read are reported, never changed."""
    primary = Fernet(_keys()[0].encode())
    report = RotationReport()
    for model, field in _encrypted_fields():
        label = "%s.%s" % (model._meta.label, field.name)
        rotated = current = 0
        with transaction.atomic():
            rows = (
                model._default_manager.select_for_update()
                .exclude(**{field.attname: ""})
                .exclude(**{"%s__isnull" % field.attname: True})
                .annotate(_raw=Cast(field.attname, models.TextField()))
                .values_list("pk", "_raw")
                .order_by("pk")
            )
            for pk, token in rows:
                try:
                    primary.decrypt(token.encode())
                except InvalidToken:
                    pass
                else:
                    current += 1
                    continue
                try:
                    plain = _fernet().decrypt(token.encode()).decode()
                except InvalidToken:
                    report.unreadable.append("%s #%s" % (label, pk))
                    continue
                # The field encrypts the plain value with the current (first) key.
                model._default_manager.filter(pk=pk).update(**{field.attname: plain})
                rotated += 1
        report.rotated[label] = rotated
        report.current[label] = current
    return report
