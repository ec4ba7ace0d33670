"""Benchmark of the inbox's full-text search (``/bandeja/?q=…``) over 1,000,000 messages.

The database (built once and cached as var/bench/inbox-search-1m.sqlite3, rebuilt when
:data:`DATA_VERSION` changes) holds 1,000,000 Meta comments in 100,000 conversations on the
verified Facebook pages of 50 entities, the busiest with about a fifth of them, as
bench/inbox.py builds them (the first batches through ``messages_ingest``, the rest through the
same INSERT, so the index's triggers see every row), with more varied text: each comment names
one of the country's districts, and one in 40,000 mentions an "oxímetro" (a rare word).

In a child process on that database, Django's test client asks for the whole list page (every
middleware, the view, the template) with typical searches, for a communicator of the busiest
entity and for rector staff (every entity): one common word, two words, a rare word, a word
typed without its accent, and a word being typed (prefix, also of only three letters). Each
request carries a parameter never sent before, so that no cached page answers it. The
baseline is the public ``/datos/`` page, asked the same way in the same run.

Target: p95 ≤ 150 ms for every search.

    .venv/bin/python bench/inbox_search.py [--rebuild] [--repeat 40]
"""

from __future__ import annotations

import dataclasses
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data

DATA_VERSION = "search-1m-v1"
MESSAGES = 1_000_000
PER_POST = 10
ACCOUNTS = 50
BATCH = 5_000
PROBE_BATCHES = 4
RARE_EVERY = 40_000
RARE_WORD = "oxímetro"
TARGET_P95_MS = 150.0
DB_PATH = common.BENCH_VAR / "inbox-search-1m.sqlite3"
VAR_DIR = common.BENCH_VAR / "inbox-search-1m"
META_PATH = common.BENCH_VAR / "inbox-search-1m.json"
COMMUNICATOR = "bench-buscadora"
RECTOR = "bench-rectora"
BASELINE = "/datos/"

# label → q: what people type (see the module's docstring).
QUERIES = {
    "una palabra común": "atención",
    "dos palabras": "vacuno influenza",
    "palabra rara": RARE_WORD,
    "sin tilde": "inscripcion",
    "prefijo (escribiendo)": "carret",
    # The shortest word matched as a prefix (agora/inbox/search.py, PREFIX_MIN): the index
    # keeps no prefix tables, so this is the costliest prefix.
    "prefijo de tres letras": "car",
}


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rebuild", action="store_true", help="reconstruye la base de datos")
    parser.add_argument("--repeat", type=int, default=40, help="peticiones por escenario")
    return parser.parse_args(argv)


def _env() -> dict[str, str]:
    env = common.bench_env(VAR_DIR)
    env["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
    return env


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _arguments(argv)
    if inbox_data.in_child():
        return _child(args)
    print("== bandeja: búsqueda de texto sobre 1 000 000 de mensajes ==", flush=True)
    print(common.machine_line(), flush=True)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    import subprocess

    env = _env()
    env[inbox_data.CHILD_FLAG] = "1"
    with common.interrupt_on_sigterm():
        return subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), *argv],
            cwd=common.ROOT,
            env=env,
            check=False,
        ).returncode


# --- child ------------------------------------------------------------------------------------


def _child(args: Any) -> int:
    inbox_data.django_setup()
    meta = _read_meta()
    if args.rebuild or meta.get("version") != DATA_VERSION or not DB_PATH.exists():
        for path in (DB_PATH, Path(f"{DB_PATH}-wal"), Path(f"{DB_PATH}-shm")):
            path.unlink(missing_ok=True)
        meta = _build()
    else:
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)
        print(f"base de datos reutilizada: {DB_PATH} ({meta['built']})", flush=True)
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)  # pages are rendered in full
    meta.update(_people())
    META_PATH.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return _measure(args.repeat, meta)


def _read_meta() -> dict[str, Any]:
    try:
        data = json.loads(META_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _places() -> list[str]:
    """The districts' names (real public data): a long tail of words, many with accents."""
    from agora.directory.models import Entity, Level

    names = Entity.objects.filter(level=Level.LOCAL).values_list("name", flat=True)
    places = sorted({name.split(" de ", 1)[-1] for name in names})
    return places or ["Lima"]


def _events(accounts: list[Any], now: Any) -> Iterator[Any]:
    """bench/inbox.py's comments, each naming a district; a rare word now and then."""
    places = _places()
    rng = random.Random(13)
    weights = [1 / (rank + 1) for rank in range(ACCOUNTS)]
    events = inbox_data.comment_events(
        accounts, posts=MESSAGES // PER_POST, per_post=PER_POST, weights=weights, now=now
    )
    for index, event in enumerate(events):
        if event.text == inbox_data.ANSWER:
            yield event
            continue
        text = f"{event.text} Escribo desde {rng.choice(places)}."
        if index % RARE_EVERY == RARE_EVERY // 2:
            text += f" Necesito un {RARE_WORD} para mi madre."
        yield dataclasses.replace(event, text=text)


def _build() -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from agora.inbox.models import Conversation, Message
    from agora.inbox.services import messages_ingest
    from bench.inbox import _direct_insert

    started = time.perf_counter()
    print(f"construyendo {DB_PATH} (unos minutos) …", flush=True)
    inbox_data.database_prepare()
    accounts = inbox_data.accounts_create(ACCOUNTS)
    now = timezone.now().replace(microsecond=0)
    events = _events(accounts, now)
    # Through messages_ingest first (its multi-row INSERT feeds the index's triggers), then
    # the same INSERT with executemany for the rest (threads are whole: batches end on posts).
    ingested = 0
    batch: list[Any] = []
    for event in events:
        batch.append(event)
        if len(batch) >= BATCH and batch[-1].message_id.endswith(f"_{PER_POST}"):
            messages_ingest(batch=batch, is_demo=True, now=now)
            ingested += len(batch)
            batch = []
            if ingested >= PROBE_BATCHES * BATCH:
                break
    direct = _direct_insert(events, accounts, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    messages, conversations = Message.objects.count(), Conversation.objects.count()
    how = (
        f"{inbox_data.number(ingested)} mensajes por messages_ingest y "
        f"{inbox_data.number(direct)} por el mismo INSERT con executemany"
    )
    print(
        f"construida en {time.perf_counter() - started:.0f} s: {inbox_data.number(messages)} "
        f"mensajes, {inbox_data.number(conversations)} conversaciones; {how}",
        flush=True,
    )
    return {
        "version": DATA_VERSION,
        "built": f"{now:%Y-%m-%d %H:%M} UTC; {how}",
        "messages": messages,
        "conversations": conversations,
    }


def _people() -> dict[str, Any]:
    """A communicator of the busiest entity and a rector staff member (with a confirmed
    second factor, as rector staff must have)."""
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agora.core.models import User
    from agora.directory.models import Entity, Membership, MembershipRole
    from agora.inbox.models import Conversation, Message

    busiest = (
        Conversation.objects.values("entity_id").annotate(n=Count("id")).order_by("-n").first()
    )
    assert busiest is not None
    entity = Entity.objects.get(pk=busiest["entity_id"])
    user = User.objects.filter(username=COMMUNICATOR).first()
    if user is None:
        user = User.objects.create_user(username=COMMUNICATOR, first_name="Rosa", is_demo=True)
    Membership.objects.filter(user=user).exclude(entity=entity).delete()
    Membership.objects.get_or_create(
        user=user, entity=entity, defaults={"role": MembershipRole.COMUNICADOR}
    )
    rector = User.objects.filter(username=RECTOR).first()
    if rector is None:
        rector = User.objects.create_user(
            username=RECTOR, first_name="Lucía", is_rector=True, is_demo=True
        )
    TOTPDevice.objects.get_or_create(user=rector, name="default", defaults={"confirmed": True})
    return {
        "entity": entity.acronym or entity.name,
        "entity_messages": Message.objects.filter(entity=entity).count(),
    }


def _client(username: str) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agora.core.models import User

    client = Client()
    user = User.objects.get(username=username)
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _timed(client: Any, path: str, params: dict[str, str], repeat: int) -> tuple[list[float], str]:
    """Milliseconds of ``repeat`` requests (after 3 to warm up), and the last page."""
    timings: list[float] = []
    body = ""
    for index in range(repeat + 3):
        started = time.perf_counter()
        response = client.get(path, {**params, "_sin_cache": f"{time.time_ns()}-{index}"})
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params} respondió {response.status_code}")
        if index >= 3:
            timings.append(elapsed)
        body = response.content.decode()
    return sorted(timings), body


def _p95(timings: list[float]) -> float:
    return timings[min(len(timings) - 1, int(len(timings) * 0.95))]


def _measure(repeat: int, meta: dict[str, Any]) -> int:
    import re

    from django.db import connection

    from agora.inbox import search

    print(
        f"{inbox_data.number(meta['messages'])} mensajes; {meta['entity']} tiene "
        f"{inbox_data.number(meta['entity_messages'])}. Cliente de pruebas de Django en el "
        f"proceso (página completa, sin caché de página), {repeat} peticiones por escenario; "
        f"se leen a lo más {search.MAX_MATCHES} coincidencias por búsqueda.",
        flush=True,
    )
    anonymous = _client_anonymous()
    baseline, _body = _timed(anonymous, BASELINE, {}, repeat)
    baseline_p95 = _p95(baseline)
    print(
        f"referencia ({BASELINE}): p50 {statistics.median(baseline):.1f} ms  "
        f"p95 {baseline_p95:.1f} ms",
        flush=True,
    )
    worst = 0.0
    for who, username in (
        (f"comunicadora de {meta['entity']}", COMMUNICATOR),
        ("rectoría (todas)", RECTOR),
    ):
        client = _client(username)
        for label, q in QUERIES.items():
            timings, body = _timed(client, "/bandeja/", {"q": q}, repeat)
            p95 = _p95(timings)
            worst = max(worst, p95)
            rows = len(re.findall(r'class="search-snippet"', body))
            counted = re.search(r'Todas <span class="count">\((\d+)\)</span>', body)
            print(
                f"{who:>28}  {label:<22} q={q!r:<20} p50 {statistics.median(timings):6.1f} ms  "
                f"p95 {p95:6.1f} ms  ×{p95 / baseline_p95:4.1f} /datos/  "
                f"{rows} filas de {counted.group(1) if counted else '?'}"
                + ("  (tope)" if "search-capped" in body else ""),
                flush=True,
            )
    connection.close()
    print(
        f"peor p95 de la búsqueda: {worst:.1f} ms = {worst / baseline_p95:.1f} × /datos/ "
        f"(objetivo ≤ {TARGET_P95_MS:g} ms) → "
        + ("cumple" if worst <= TARGET_P95_MS else "NO cumple")
    )
    return 0


def _client_anonymous() -> Any:
    from django.test import Client

    return Client()


if __name__ == "__main__":
    sys.exit(main())
