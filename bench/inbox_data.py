"""Helpers of the inbox benchmarks (bench/ingest.py, bench/inbox.py): a Django process on a
benchmark database of its own, verified accounts to ingest into, and synthetic Meta comment
events. Not a benchmark itself (no ``main``).

Django can be set up only once per process and ``make bench`` runs every benchmark in one
process, so each inbox benchmark re-runs itself in a child process (:func:`run_in_child`)
whose environment points ``AGORA_VAR_DIR`` at the benchmark's own directory.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bench import common

if TYPE_CHECKING:
    from agora.directory.models import SocialAccount
    from agora.inbox.services import IncomingMessage

CHILD_FLAG = "AGORA_BENCH_CHILD"
# A fixed "now" so that generated data (and a cached database) does not depend on the day.
EPOCH_NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)

COMMENTS = [
    "Buenas tardes, ¿dónde me vacuno contra la influenza? En la posta me dicen que no hay.",
    "¿Hasta cuándo es la inscripción para Beca 18? Mi hija termina el colegio este año.",
    "Pésima atención, esperé {n} horas y nadie me atendió. ¿Así tratan a los adultos mayores?",
    "Ya van {n} días que no pasa el camión de la basura por mi cuadra, hay moscas y ratas.",
    "Hay un buzón sin tapa en la avenida principal, ya se cayó un niño. ¡Vengan a taparlo!",
    "Gracias por la información, muy clara 👏",
    "¿Cómo saco cita para pediatría? Llamo a la central y nadie contesta.",
    "Llevo {n} semanas esperando mi DNI y en la agencia solo me dicen que vuelva.",
    "Sugiero que publiquen el horario de atención de cada oficina, así uno no va por las puras.",
    "¿El bono se cobra en el Banco de la Nación o en cualquier banco? Mi DNI sale con error.",
    "Son unos ineptos, no sirven para nada.",
    "Gana S/ 500 diarios desde tu casa 💰 escríbeme al interno, cupos limitados!!!",
    "+1, a mí también me pasó lo mismo en mi distrito.",
    "¿Cuándo terminan la carretera? Dijeron que en marzo y nada, van {n} meses de retraso.",
]
ANSWER = "Hola, gracias por escribirnos. Te enviamos la información por mensaje directo."


def in_child() -> bool:
    return os.environ.get(CHILD_FLAG) == "1"


def run_in_child(script: Path, argv: list[str], var_dir: Path) -> int:
    """Runs ``script argv`` in a new Python process on the database under ``var_dir``."""
    env = common.bench_env(var_dir)
    env[CHILD_FLAG] = "1"
    env["DJANGO_SETTINGS_MODULE"] = "agora.settings"
    result = subprocess.run(
        [sys.executable, str(script), *argv], cwd=common.ROOT, env=env, check=False
    )
    return result.returncode


def run_in_fresh_database(script: Path, argv: list[str] | None, prefix: str, keep: bool) -> int:
    """Runs ``script`` in a child process on a new database under var/bench/ (``prefix``…),
    removed afterwards unless ``keep`` or the run failed."""
    common.BENCH_VAR.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix=prefix, dir=common.BENCH_VAR))
    status = 1
    try:
        with common.interrupt_on_sigterm():
            status = run_in_child(
                script.resolve(), list(sys.argv[1:] if argv is None else argv), var_dir
            )
    finally:
        if keep or status:
            print(f"base de datos conservada en {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    return status


def django_setup() -> None:
    """Sets Django up on the ``AGORA_VAR_DIR`` of this (child) process."""
    if str(common.ROOT) not in sys.path:
        sys.path.insert(0, str(common.ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agora.settings")
    import django

    django.setup()


def database_prepare() -> None:
    """Migrated, with every public entity (the real public data)."""
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    call_command("load_public_data", stdout=open(os.devnull, "w"))  # noqa: SIM115


def accounts_create(count: int) -> list[SocialAccount]:
    """``count`` verified Facebook pages of national, regional and local entities (benchmark
    data, marked is_demo; created once)."""
    from agora.directory.handles import canonical_url, handle_key
    from agora.directory.models import (
        AccountStatus,
        Entity,
        Level,
        Platform,
        SocialAccount,
    )

    existing = list(
        SocialAccount.objects.filter(handle__startswith="bench.", platform=Platform.FACEBOOK)
        .select_related("entity")
        .order_by("pk")
    )
    if len(existing) >= count:
        return existing[:count]
    national = list(Entity.objects.filter(level=Level.NACIONAL).order_by("code"))
    regional = list(Entity.objects.filter(level=Level.REGIONAL).order_by("code"))
    local = list(Entity.objects.filter(level=Level.LOCAL).order_by("code"))
    entities = (national + regional + local)[:count]
    taken = {a.entity_id for a in existing}
    new = []
    for index, entity in enumerate(entities):
        if entity.pk in taken:
            continue
        handle = f"bench.{entity.code}"
        new.append(
            SocialAccount(
                entity=entity,
                platform=Platform.FACEBOOK,
                handle=handle,
                handle_key=handle_key(handle),
                url=canonical_url(Platform.FACEBOOK, handle),
                platform_id=str(900_000_000_000_000 + index),
                status=AccountStatus.VERIFICADA,
                verified_at=EPOCH_NOW,
                evidence="Dato de prueba de rendimiento",
                is_demo=True,
            )
        )
    SocialAccount.objects.bulk_create(new)
    return list(
        SocialAccount.objects.filter(handle__startswith="bench.", platform=Platform.FACEBOOK)
        .select_related("entity")
        .order_by("pk")[:count]
    )


# A photo's address as Meta's CDN gives it: a signed query string of some 600 characters.
CDN_PHOTO = (
    "https://scontent.xx.fbcdn.net/v/t39.30808-6/{n}_n.jpg?_nc_cat=1&ccb=1-7&_nc_sid=5f2048&oh="
    + "00_AfDx7Kq" * 55
    + "&oe=6650F1A2"
)


def comment_events(
    accounts: list[SocialAccount],
    *,
    posts: int,
    per_post: int,
    first_post: int = 0,
    days: int = 45,
    seed: int = 7,
    weights: list[float] | None = None,
    now: datetime = EPOCH_NOW,
    attachment_every: int = 0,
) -> Iterator[IncomingMessage]:
    """Comments on ``posts`` page posts, ``per_post`` each, as the Meta connector parses
    them (page-feed ``comment`` items): post ``p`` belongs to an account chosen by
    ``weights`` (uniform by default). The page answers some threads (the last comment: the
    thread is answered; an earlier one: citizens wrote again; none: still new). Ordered by
    post, as webhooks arrive. ``attachment_every``: one citizen comment in that many carries a
    photo (a CDN address as long as Meta's), and one in three of those a location too."""
    from agora.directory.models import Platform
    from agora.inbox.attachments import IncomingAttachment
    from agora.inbox.models import AttachmentKind, ThreadKind
    from agora.inbox.services import IncomingMessage

    rng = random.Random(seed)
    span = days * 24 * 3600
    for post in range(first_post, first_post + posts):
        account = rng.choices(accounts, weights)[0] if weights else accounts[post % len(accounts)]
        page_id = account.platform_id
        thread_id = f"{page_id}_{post}"
        start = now - timedelta(seconds=rng.randrange(span))
        answer_at = rng.choice([0, per_post // 2, per_post - 1])
        for index in range(per_post):
            sent_at = start + timedelta(seconds=index * rng.randrange(30, 3600))
            if sent_at > now:
                sent_at = now
            from_page = index > 0 and index == answer_at
            citizen = rng.randrange(1, 200_000)
            attachments: tuple[IncomingAttachment, ...] = ()
            serial = post * per_post + index
            if attachment_every and not from_page and serial % attachment_every == 0:
                attachments = (
                    IncomingAttachment(
                        kind=AttachmentKind.IMAGEN,
                        url=CDN_PHOTO.format(n=serial),
                        platform_id=f"{10**15 + serial}",
                    ),
                )
                if serial % (3 * attachment_every) == 0:
                    attachments += (
                        IncomingAttachment(
                            kind=AttachmentKind.UBICACION,
                            latitude=-12.0 - rng.random(),
                            longitude=-77.0 - rng.random(),
                        ),
                    )
            yield IncomingMessage(
                platform=Platform.FACEBOOK,
                account_id=account.pk,
                thread_kind=ThreadKind.COMMENTS,
                thread_id=thread_id,
                message_id=f"{post}_{index + 1}",
                sent_at=sent_at,
                text=ANSWER if from_page else rng.choice(COMMENTS).format(n=rng.randrange(2, 12)),
                author_id=page_id if from_page else f"bench-{citizen}",
                author_name=account.entity.name if from_page else f"Ciudadana Demo {citizen}",
                parent_id=f"{post}_1" if from_page else "",
                subject=f"Publicación de prueba {post}",
                attachments=attachments,
            )


def rate(count: float, seconds: float) -> str:
    """12 345 (thin groups, as Spanish writes them)."""
    return f"{count / seconds:,.0f}".replace(",", " ") if seconds else "∞"


def number(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")
