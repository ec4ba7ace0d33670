"""Deploy checks (``agora check --deploy``) for what breaks only when Ágora runs on several
machines: keys each machine would make for itself."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def shared_keys(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    if not settings.SECRET_KEY_FROM_ENV:
        errors.append(
            Error(
                "AGORA_SECRET_KEY no está definida: cada servidor usaría la clave que generó "
                "en su carpeta de datos, y las sesiones y formularios de uno no valdrían en otro.",
                hint="Defina la misma AGORA_SECRET_KEY (50 o más caracteres al azar) en todos "
                "los servidores y trabajadores.",
                id="agora.E001",
            )
        )
    if not settings.ENCRYPTION_KEY_FROM_ENV:
        errors.append(
            Error(
                "AGORA_ENCRYPTION_KEY no está definida: cada servidor cifraría los tokens de las "
                "cuentas con su propia clave y los demás no podrían leerlos (ni enviar).",
                hint="Genere una con `agora encryption_key` y defina la misma en todos los "
                "servidores y trabajadores; para cambiarla, ponga la nueva en "
                "AGORA_ENCRYPTION_KEY, la anterior en AGORA_ENCRYPTION_KEYS_PREVIOUS y ejecute "
                "`agora encryption_rotate`.",
                id="agora.E002",
            )
        )
    for position, key in enumerate(k.strip() for k in settings.ENCRYPTION_KEYS.split(",")):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    "La clave número %d de AGORA_ENCRYPTION_KEY (y AGORA_ENCRYPTION_KEYS_PREVIOUS) "
                    "no es una clave Fernet válida "
                    "(32 bytes en base64 para URL)." % (position + 1),
                    id="agora.E003",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def public_address(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Links in e-mails (verification, password recovery, notices) are built on AGORA_BASE_URL:
    unset, they would point at the development address (issue 17)."""
    if settings.BASE_URL_FROM_ENV and settings.AGORA_BASE_URL.startswith(("https://", "http://")):
        return []
    return [
        Error(
            "AGORA_BASE_URL no está definida (o no es una dirección http(s)): los enlaces de los "
            "correos (verificación, recuperación de contraseña, avisos) apuntarían a %s."
            % settings.AGORA_BASE_URL,
            hint="Defina AGORA_BASE_URL con la dirección pública del sitio, por ejemplo "
            "https://agora.gob.pe.",
            id="agora.E004",
        )
    ]
