"""Demo data for the directory: marked ``is_demo`` in the data and announced by a banner.

Handles end in "demo" so that no generated account can be taken for a real one. The
set-up is deterministic and idempotent: running it twice adds nothing.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from agora.core.models import User
from agora.directory import roles, services
from agora.directory.handles import canonical_url, handle_key
from agora.directory.models import (
    AccountStatus,
    Entity,
    FakeAccountReport,
    FakeReportStatus,
    Level,
    Membership,
    MembershipRole,
    Platform,
    SocialAccount,
)

DEMO_PLATFORMS = [
    Platform.FACEBOOK,
    Platform.X,
    Platform.INSTAGRAM,
    Platform.YOUTUBE,
    Platform.TIKTOK,
    Platform.LINKEDIN,
]


@dataclass
class DemoUser:
    username: str
    password: str
    description: str


def _demo_handle(entity: Entity, platform: str) -> str:
    base = (entity.acronym or entity.code).lower()
    base = "".join(ch for ch in base if ch.isalnum()) or entity.code.replace("-", "")
    sep = "." if platform in (Platform.FACEBOOK, Platform.INSTAGRAM) else "_"
    return f"{base}{sep}demo"


def demo_entities(limit: int) -> list[Entity]:
    national = list(Entity.objects.filter(level=Level.NACIONAL).order_by("code"))
    regional = list(Entity.objects.filter(level=Level.REGIONAL).order_by("code"))
    local = list(Entity.objects.filter(level=Level.LOCAL).order_by("code"))
    rng = random.Random(2016)
    rest = max(0, limit - len(national) - len(regional))
    return national + regional + rng.sample(local, min(rest, len(local)))


@transaction.atomic
def accounts_create_demo(
    *, entities: list[Entity], verifier: User | None, per_entity: int = 3
) -> int:
    """Gives each entity up to ``per_entity`` demo accounts; returns how many were created."""
    rng = random.Random(2026)
    existing = set(SocialAccount.objects.values_list("platform", "handle_key"))
    now = timezone.now()
    new: list[SocialAccount] = []
    for index, entity in enumerate(entities):
        platforms = DEMO_PLATFORMS[: max(1, per_entity - (index % 2))]
        for platform in platforms:
            handle = _demo_handle(entity, platform)
            key = handle_key(handle)
            if (platform, key) in existing:
                continue
            existing.add((platform, key))
            status = AccountStatus.VERIFICADA
            if index % 37 == 5:
                status = AccountStatus.PENDIENTE
            elif index % 53 == 7:
                status = AccountStatus.SUSPENDIDA
            elif index % 61 == 11:
                status = AccountStatus.RETIRADA
            verified = status != AccountStatus.PENDIENTE
            new.append(
                SocialAccount(
                    entity=entity,
                    platform=platform,
                    handle=handle,
                    handle_key=key,
                    url=canonical_url(platform, handle),
                    platform_id=str(10**14 + rng.randrange(10**14)),
                    status=status,
                    verified_by=verifier if verified else None,
                    verified_at=now - timedelta(days=rng.randrange(1, 900)) if verified else None,
                    evidence="Dato de demostración" if verified else "",
                    status_reason="Dato de demostración"
                    if status in (AccountStatus.SUSPENDIDA, AccountStatus.RETIRADA)
                    else "",
                    is_demo=True,
                )
            )
    SocialAccount.objects.bulk_create(new, batch_size=1000)
    if new:
        services.entity_counts_refresh(entity_ids={a.entity_id for a in new})
        services.revision_bump()
    return len(new)


def _user(
    username: str, *, is_rector: bool = False, first_name: str = ""
) -> tuple[User, str | None]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, None
    password = secrets.token_urlsafe(12)
    user = User.objects.create_user(
        username=username,
        password=password,
        email=f"{username}@demo.agora.invalid",
        first_name=first_name,
        last_name="(demo)",
        is_rector=is_rector,
        is_demo=True,
    )
    return user, password


def _totp(user: User) -> None:
    # django-two-factor-auth asks for the code of the device named "default".
    if not TOTPDevice.objects.filter(user=user).exists():
        TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    TOTPDevice.objects.filter(user=user).exclude(name="default").update(name="default")


@transaction.atomic
def users_create_demo() -> list[DemoUser]:
    """Three demo people: rector staff and a manager (both with TOTP), and a communicator."""
    created: list[DemoUser] = []
    rector, password = _user("demo-rector", is_rector=True, first_name="Rosa")
    rector.is_staff = True
    rector.save(update_fields=["is_staff"])
    _totp(rector)
    if password:
        created.append(DemoUser(rector.username, password, "personal del ente rector (2FA)"))
    minsa = roles.entity_by_code("minsa") or Entity.objects.order_by("code").first()
    for username, role, first_name in [
        ("demo-gestor", MembershipRole.GESTOR, "Gabriel"),
        ("demo-comunicador", MembershipRole.COMUNICADOR, "Carmen"),
    ]:
        user, password = _user(username, first_name=first_name)
        if minsa is not None and not Membership.objects.active().filter(user=user).exists():
            Membership.objects.create(user=user, entity=minsa, role=role)
        if role == MembershipRole.GESTOR:
            _totp(user)
        if password:
            created.append(
                DemoUser(username, password, f"{role} de {minsa.code if minsa else '-'}")
            )
    return created


@transaction.atomic
def fake_reports_create_demo(*, rector: User) -> int:
    """Two demo reports of fake accounts (handles ending in "demo"): one confirmed, shown on
    the public list, and one waiting in the rector's queue. Idempotent."""
    if FakeAccountReport.objects.filter(is_demo=True).exists():
        return 0
    entities = {e.code: e for e in Entity.objects.filter(code__in=["minsa", "minedu"])}
    if len(entities) < 2:
        return 0
    now = timezone.now()
    FakeAccountReport.objects.create(
        reported_url="https://www.facebook.com/minsa.peru.oficial.demo",
        platform=Platform.FACEBOOK,
        handle="minsa.peru.oficial.demo",
        handle_key="minsa.peru.oficial.demo",
        entity=entities["minsa"],
        description="Dato de demostración: ofrecía un bono a cambio del DNI.",
        client_hash="demo",
        status=FakeReportStatus.CONFIRMADA,
        public_reason=(
            "Dato de demostración: la página no pertenece al Ministerio de Salud y pedía "
            "datos personales."
        ),
        decided_by=rector,
        decided_at=now - timedelta(days=2),
        created_at=now - timedelta(days=3),
        is_demo=True,
    )
    FakeAccountReport.objects.create(
        reported_url="https://x.com/minedu_pe_demo",
        platform=Platform.X,
        handle="minedu_pe_demo",
        handle_key="minedu_pe_demo",
        entity=entities["minedu"],
        description="Dato de demostración: anuncia becas con un enlace sospechoso.",
        client_hash="demo",
        created_at=now - timedelta(hours=5),
        is_demo=True,
    )
    return 2
