"""Plain functions that many test modules need: signing a person in (with the second factor
when they have one), reading a response's page, and a social account proposed and verified
through the directory's services. Fixtures stay in the ``conftest.py`` files (the root one has
``verified_account``, the X account of the Minsa); these are called from them and from tests.
"""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agora.core.models import User
from agora.directory import services as directory_services
from agora.directory.models import Entity, SocialAccount

EVIDENCE = "Enlace desde el sitio web de la entidad"


def login(client: Client, user: User | None) -> Client:
    """Signs ``user`` in on ``client``; a person with a second factor (managers, rector staff)
    is signed in as if they had entered it (what ``django_otp.login`` records). ``None`` leaves
    the client anonymous, for tests parametrised by role. Returns the client, so that
    ``login(Client(), user).get(url)`` reads as one step."""
    if user is None:
        return client
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def html(response: Any) -> str:
    """The body of a test client's response, as text."""
    return str(response.content.decode())


def make_verified_account(
    rector: User,
    entity: Entity,
    platform: str,
    handle: str,
    platform_id: str = "",
    *,
    evidence: str = EVIDENCE,
) -> SocialAccount:
    """An account of ``entity`` proposed and verified by ``rector`` through the directory's
    services (audited, as in use), not created directly."""
    account = directory_services.account_propose(
        actor=rector,
        entity=entity,
        platform=platform,
        handle=handle,
        platform_id=platform_id,
        evidence=evidence,
    )
    return directory_services.account_verify(actor=rector, account=account)
