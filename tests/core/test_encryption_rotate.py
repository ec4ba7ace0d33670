"""One encryption key for every machine, rotated: the new key in AGORA_ENCRYPTION_KEY, the old
ones in AGORA_ENCRYPTION_KEYS_PREVIOUS still decrypt, and `agora encryption_rotate`
re-encrypts every stored secret with the new key (idempotent), after which the old keys can go."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from agora.connectors.models import AccountCredential
from agora.core import crypto
from agora.directory.models import SocialAccount

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
OTHER = Fernet.generate_key().decode()


def _raw(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret, refresh_token FROM connectors_accountcredential WHERE id = %s", [pk]
        )
        secret, refresh = cursor.fetchone()
    return secret, refresh


def _rotate() -> str:
    out = StringIO()
    call_command("encryption_rotate", stdout=out)
    return out.getvalue()


@pytest.fixture
def credential(settings: Any, verified_account: SocialAccount) -> AccountCredential:
    settings.ENCRYPTION_KEYS = OLD
    return AccountCredential.objects.create(
        account=verified_account, kind="oauth", secret="token-de-acceso", refresh_token="renueva"
    )


@pytest.mark.django_db
def test_rotation_reencrypts_every_secret_with_the_new_key_and_is_idempotent(
    settings: Any, credential: AccountCredential
) -> None:
    before = _raw(credential.pk)
    Fernet(OLD.encode()).decrypt(before[0].encode())
    settings.ENCRYPTION_KEYS = f"{NEW},{OLD}"  # new key first, the old one still decrypts
    assert AccountCredential.objects.get().secret == "token-de-acceso"

    out = _rotate()
    assert "connectors.AccountCredential.secret: 1 vueltos a cifrar" in out
    assert "connectors.AccountCredential.refresh_token: 1 vueltos a cifrar" in out
    assert "Listo: 2 secretos" in out
    after = _raw(credential.pk)
    for token in after:
        Fernet(NEW.encode()).decrypt(token.encode())
        with pytest.raises(InvalidToken):
            Fernet(OLD.encode()).decrypt(token.encode())

    assert "Nada que hacer" in _rotate()
    assert _raw(credential.pk) == after  # the second run changed nothing

    settings.ENCRYPTION_KEYS = NEW  # the old key is gone from every machine
    stored = AccountCredential.objects.get()
    assert (stored.secret, stored.refresh_token) == ("token-de-acceso", "renueva")


@pytest.mark.django_db
def test_a_secret_no_key_can_read_is_reported_and_left_alone(
    settings: Any, credential: AccountCredential, make_user: Any, entities: Any
) -> None:
    other_account = SocialAccount.objects.create(
        entity=entities["sunat"], platform="x", handle="@sunat", url="https://x.com/sunat"
    )
    settings.ENCRYPTION_KEYS = OTHER
    readable = AccountCredential.objects.create(
        account=other_account, kind="bearer", secret="otro-token"
    )
    unreadable = _raw(credential.pk)
    settings.ENCRYPTION_KEYS = f"{NEW},{OTHER}"  # OLD is missing
    with pytest.raises(CommandError, match="no se pudieron leer") as error:
        _rotate()
    assert f"#{credential.pk}" in str(error.value)
    assert _raw(credential.pk) == unreadable
    Fernet(NEW.encode()).decrypt(_raw(readable.pk)[0].encode())  # the rest was rotated


def test_previous_keys_come_from_their_own_variable(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AGORA_")},
        "AGORA_VAR_DIR": str(tmp_path),
        "AGORA_ENCRYPTION_KEY": NEW,
        "AGORA_ENCRYPTION_KEYS_PREVIOUS": f"{OLD}, {OTHER}",
        "DJANGO_SETTINGS_MODULE": "agora.settings",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.ENCRYPTION_KEYS)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert output.strip().splitlines()[-1] == f"{NEW},{OLD},{OTHER}"


def test_the_first_key_encrypts(settings: Any) -> None:
    settings.ENCRYPTION_KEYS = f"{NEW},{OLD}"
    token = crypto.encrypt("hola")
    assert Fernet(NEW.encode()).decrypt(token.encode()) == b"hola"
