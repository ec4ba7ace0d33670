"""Benchmark of the staff inbox list (``/bandeja/``) over 1,000,000 messages.

The database (built once and cached as var/bench/inbox-1m.sqlite3, rebuilt when
:data:`DATA_VERSION` changes) holds 1,000,000 Meta comments in 100,000 conversations on the
verified Facebook pages of 50 entities, the busiest with about a fifth of them. It is built
through ``messages_ingest`` when that takes less than about three minutes; otherwise the first
batches go through ``messages_ingest`` and the rest through the same executemany insert, with
each conversation's timeline, status and deadlines computed by the inbox's own functions
(``_apply_inbound``/``_apply_answer``/``_refresh_deadlines``). The output says which.

A communicator of the busiest entity (no second factor needed) is signed in by a session made
directly in the database. Four clients by default (a team working one entity's inbox at once;
``--connections 20`` for more) ask with wrk for the list, new conversations, overdue
ones, and the second page (keyset cursor), against a server started as ``make run`` starts it;
the baseline is ``/datos/`` on the same server. ``--direct`` times the selector
(``conversations_for_staff``) in-process instead: p50/p95 per scenario, no HTTP.

Target: p95 ≤ 100 ms.

    .venv/bin/python bench/inbox.py [--direct] [--rebuild] [--duration 15] [--keep]
"""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data

DATA_VERSION = "1m-v3"  # v3: inbox indexes of the current schema
MESSAGES = 1_000_000
PER_POST = 10
ACCOUNTS = 50
BATCH = 5_000
MAX_INGEST_SECONDS = 180.0
TARGET_P95_MS = 100.0
DB_PATH = common.BENCH_VAR / "inbox-1m.sqlite3"
VAR_DIR = common.BENCH_VAR / "inbox-1m"
META_PATH = common.BENCH_VAR / "inbox-1m.json"
USERNAME = "bench-comunicadora"
BASELINE = "/datos/"
UNIQUE_PARAM = "_sin_cache"


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument(
        "--direct", action="store_true", help="mide el selector en el proceso, sin HTTP"
    )
    parser.add_argument("--rebuild", action="store_true", help="reconstruye la base de datos")
    parser.add_argument("--repeat", type=int, default=40, help="repeticiones con --direct")
    parser.add_argument(
        "--messages",
        type=int,
        default=MESSAGES,
        help="mensajes de la base (otra base por tamaño; 1 000 000 por defecto)",
    )
    # An entity's inbox is worked by a small team at once, not by twenty people.
    parser.set_defaults(connections=4)
    return parser.parse_args(argv)


def _env() -> dict[str, str]:
    env = common.bench_env(VAR_DIR)
    env["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
    return env


def _sized(messages: int) -> None:
    """A smaller database for a quick comparison (``--messages 100000``), in its own files."""
    global MESSAGES, DB_PATH, VAR_DIR, META_PATH
    if messages == MESSAGES:
        return
    name = f"inbox-{messages}"
    MESSAGES = messages
    DB_PATH = common.BENCH_VAR / f"{name}.sqlite3"
    VAR_DIR = common.BENCH_VAR / name
    META_PATH = common.BENCH_VAR / f"{name}.json"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _arguments(argv)
    _sized(args.messages)
    if inbox_data.in_child():
        return _child(args)
    print(
        f"== bandeja: lista de conversaciones sobre {inbox_data.number(MESSAGES)} mensajes ==",
        flush=True,
    )
    print(common.machine_line(), flush=True)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    env = _env()
    env[inbox_data.CHILD_FLAG] = "1"
    with common.interrupt_on_sigterm():
        # Build (or reuse) the database, sign the communicator in, find the cursors.
        status = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), *argv],
            cwd=common.ROOT,
            env=env,
            check=False,
        ).returncode
        if status or args.direct:
            return status
        info = json.loads(META_PATH.read_text(encoding="utf-8"))
        return _http(args, info)


# --- the server (like common.bench_server, on this benchmark's cached database) ---------------


@contextlib.contextmanager
def _server() -> Iterator[common.Server]:
    common.check_run_sh()
    env = _env()
    common.agora("collectstatic", "--noinput", "-v0", env=env)
    port = common.free_port()
    logs: list[IO[bytes]] = []
    worker: subprocess.Popen[bytes] | None = None
    server: subprocess.Popen[bytes] | None = None
    try:
        worker_log = open(VAR_DIR / "worker.log", "wb")  # noqa: SIM115
        logs.append(worker_log)
        worker = subprocess.Popen(
            [str(common.BIN / "agora"), "qcluster"],
            cwd=common.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server_log_path = VAR_DIR / "gunicorn.log"
        server_log = open(server_log_path, "wb")  # noqa: SIM115
        logs.append(server_log)
        command = common.gunicorn_command(common.HOST, port, env)
        server = subprocess.Popen(
            command,
            cwd=common.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://{common.HOST}:{port}"
        common.wait_ready(server, base_url + BASELINE, server_log_path)
        yield common.Server(
            base_url=base_url,
            var_dir=VAR_DIR,
            dataset=common.Dataset(entities=0, accounts=0, verified=0),
            workers=command[command.index("--workers") + 1],
            threads=command[command.index("--threads") + 1],
            pgid=server.pid,
        )
    finally:
        common._stop(server)
        common._stop(worker)
        for handle in logs:
            handle.close()


def _wrk(
    server: common.Server,
    paths: list[str],
    *,
    seconds: float,
    options: common.LoadOptions,
    cookie: str,
) -> common.WrkResult:
    """``common.run_wrk`` with the session cookie (wrk -H adds it to every request)."""
    command = [
        common.wrk_binary(),
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-H",
        f"Cookie: {cookie}",
        "-s",
        str(common.WRK_SCRIPT),
        server.url(paths[0]),
        "--",
        *paths,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk falló ({result.returncode}):\n{result.stderr}{result.stdout}")
    return common.parse_wrk(result.stdout)


def _check(server: common.Server, path: str, cookie: str) -> None:
    import http.client

    connection = http.client.HTTPConnection(common.HOST, int(server.base_url.rsplit(":", 1)[1]))
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"{path} respondió {response.status} (¿sesión válida?): {body[:300]}")


def _http(args: Any, info: dict[str, Any]) -> int:
    options = common.LoadOptions.from_args(args)
    cookie = f"sessionid={info['session_key']}"
    scenarios = {
        "bandeja  /bandeja/": ["/bandeja/"],
        "bandeja  ?estado=nuevo": ["/bandeja/?estado=nuevo"],
        "bandeja  ?vencidas=1": ["/bandeja/?vencidas=1"],
        "bandeja  segunda página (cursor)": [f"/bandeja/?desde={info['cursor']}"],
    }
    mixed_label = "bandeja  las cuatro en rotación"
    four = [paths[0] for paths in scenarios.values()]
    scenarios[mixed_label] = four
    # Every request with a parameter never sent before: no cached page can answer it (the
    # counts per status stay cached, as in use), so this is the cost of rendering the list.
    uncached_label = "bandeja  las cuatro, sin caché de la página"
    scenarios[uncached_label] = [*four, f"--unique={UNIQUE_PARAM}"]
    baseline_label = f"referencia ({BASELINE})"
    scenarios[baseline_label] = [BASELINE]
    with _server() as server:
        for paths in scenarios.values():
            _check(server, paths[0], cookie)  # "--unique=…" is never first
        print(server.describe())
        print(
            f"carga: wrk -t{options.threads} -c{options.connections} "
            f"-d{options.duration:.0f}s (keep-alive), sesión de una comunicadora de "
            f"{info['entity']} ({inbox_data.number(info['entity_conversations'])} conversaciones "
            "de su entidad)",
            flush=True,
        )
        results: dict[str, common.WrkResult] = {}
        for label, paths in scenarios.items():
            if options.warmup > 0:
                _wrk(server, paths, seconds=options.warmup, options=options, cookie=cookie)
            print(f"midiendo ({options.duration:.0f} s): {label}", flush=True)
            cpu_before = server.cpu_seconds()
            result = _wrk(server, paths, seconds=options.duration, options=options, cookie=cookie)
            cpu_after = server.cpu_seconds()
            if cpu_before is not None and cpu_after is not None:
                result.server_cpu_s = cpu_after - cpu_before
            results[label] = result
    for label, result in results.items():
        print(common.figure_line(label, result))
    baseline = results[baseline_label]
    # A scenario that completed no request within the time has no p95: it fails.
    worst = max(
        r.p95_ms if r.requests else float("inf")
        for label, r in results.items()
        if label != baseline_label
    )
    print(
        common.ratio_line(
            "bandeja (rotación)/referencia",
            results[mixed_label],
            baseline,
            max_p95_ms=TARGET_P95_MS,
        )
    )
    print(
        f"peor p95 de la bandeja: {worst:.1f} ms (objetivo ≤ {TARGET_P95_MS:g} ms) → "
        + ("cumple" if worst <= TARGET_P95_MS else "NO cumple")
    )
    return 0


# --- child: build the database, sign in, direct timings ----------------------------------------


def _child(args: Any) -> int:
    inbox_data.django_setup()
    meta = _read_meta()
    if args.rebuild or meta.get("version") != DATA_VERSION or not DB_PATH.exists():
        for path in (DB_PATH, Path(f"{DB_PATH}-wal"), Path(f"{DB_PATH}-shm")):
            path.unlink(missing_ok=True)
        meta = _build()
    else:
        from django.core.management import call_command

        call_command("migrate", "--noinput", verbosity=0)  # new migrations of the code
        print(f"base de datos reutilizada: {DB_PATH} ({meta['built']})", flush=True)
    meta.update(_session_and_cursor())
    META_PATH.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.direct:
        return _direct(args.repeat)
    return 0


def _read_meta() -> dict[str, Any]:
    try:
        data = json.loads(META_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _weights() -> list[float]:
    """Zipf-like: the busiest entity gets about a fifth of the conversations."""
    return [1 / (rank + 1) for rank in range(ACCOUNTS)]


def _build() -> dict[str, Any]:
    from django.db import connection
    from django.utils import timezone

    from agora.inbox.models import Conversation, Message
    from agora.inbox.services import messages_ingest

    started = time.perf_counter()
    print(f"construyendo {DB_PATH} …", flush=True)
    inbox_data.database_prepare()
    accounts = inbox_data.accounts_create(ACCOUNTS)
    now = timezone.now().replace(microsecond=0)
    events = inbox_data.comment_events(
        accounts, posts=MESSAGES // PER_POST, per_post=PER_POST, weights=_weights(), now=now
    )
    # First through messages_ingest; if the rest would take too long, the direct path.
    ingested = 0
    ingest_started = time.perf_counter()
    batch: list[Any] = []
    probe = 4 * BATCH
    for event in events:
        batch.append(event)
        if len(batch) == BATCH:
            messages_ingest(batch=batch, is_demo=True, now=now)
            ingested += len(batch)
            batch = []
            if ingested >= probe:
                break
    ingest_seconds = time.perf_counter() - ingest_started
    rate = ingested / ingest_seconds
    projected = MESSAGES / rate
    if projected <= MAX_INGEST_SECONDS:
        for event in events:
            batch.append(event)
            if len(batch) == BATCH:
                messages_ingest(batch=batch, is_demo=True, now=now)
                batch = []
        if batch:
            messages_ingest(batch=batch, is_demo=True, now=now)
        how = f"todo por messages_ingest ({inbox_data.number(rate)} msg/s)"
    else:
        direct = _direct_insert(events, accounts, now)
        how = (
            f"{inbox_data.number(ingested)} mensajes por messages_ingest "
            f"({inbox_data.number(rate)} msg/s: 1 000 000 habrían tomado "
            f"{projected / 60:.0f} min) y "
            f"{inbox_data.number(direct)} por el mismo INSERT con executemany, con la línea de "
            "tiempo, el estado y los plazos de cada conversación calculados por las funciones "
            "de la bandeja"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    messages, conversations = Message.objects.count(), Conversation.objects.count()
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


def _direct_insert(events: Iterator[Any], accounts: list[Any], now: Any) -> int:
    """Conversations and messages of ``events`` (none stored yet; each thread's events
    together) with executemany, in one transaction; each conversation's fields computed by
    the inbox's own functions. Returns how many messages."""
    from django.db import connection, transaction

    from agora.inbox import ingest, timeline
    from agora.inbox.deadlines import deadlines_for
    from agora.inbox.models import Conversation, Direction, Message

    by_account = {a.pk: a for a in accounts}
    deadlines = {a.pk: deadlines_for(a.entity) for a in accounts}
    fields = list(Conversation._meta.concrete_fields)
    conv_sql = (
        f"INSERT INTO {Conversation._meta.db_table} "  # noqa: S608 - fixed identifiers
        f"({', '.join(connection.ops.quote_name(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    message_sql = (
        f"INSERT INTO {Message._meta.db_table} "  # noqa: S608 - fixed identifiers
        f"({', '.join(ingest._INSERT_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(ingest._INSERT_COLUMNS))})"
    )
    adapt = connection.ops.adapt_datetimefield_value
    received = adapt(now)
    next_id = (Conversation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    conv_rows: list[tuple[Any, ...]] = []
    message_rows: list[tuple[Any, ...]] = []
    total = 0

    def thread_rows(thread: list[Any], pk: int) -> None:
        first = thread[0]
        account = by_account[first.account_id]
        calendar = deadlines[account.pk]
        conv = Conversation(
            id=pk,
            entity_id=account.entity_id,
            account_id=account.pk,
            platform=account.platform,
            thread_kind=first.thread_kind,
            thread_id=first.thread_id,
            subject=(first.subject or first.text)[:300],
            author_id=first.author_id,
            author_name=first.author_name,
            is_demo=True,
            created_at=now,
            updated_at=now,
        )
        for event in sorted(thread, key=lambda e: e.sent_at):
            outbound = event.author_id == account.platform_id
            conv.message_count += 1
            if outbound:
                timeline._apply_answer(conv, event.sent_at)
            else:
                timeline._apply_inbound(conv, event.sent_at, calendar, now)
            message_rows.append(
                (
                    pk,
                    account.entity_id,
                    event.platform,
                    event.message_id,
                    event.parent_id,
                    Direction.SALIENTE if outbound else Direction.ENTRANTE,
                    event.author_id,
                    event.author_name,
                    event.text,
                    adapt(event.sent_at),
                    received,
                    None,
                    "",
                    0,
                    "",
                    "",
                    "[]",
                    "",
                    True,
                )
            )
        timeline._refresh_deadlines(conv, calendar)
        conv.updated_at = now
        conv_rows.append(
            tuple(f.get_db_prep_save(getattr(conv, f.attname), connection) for f in fields)
        )

    def flush(cursor: Any) -> None:
        nonlocal total
        cursor.executemany(conv_sql, conv_rows)
        cursor.executemany(message_sql, message_rows)
        total += len(message_rows)
        conv_rows.clear()
        message_rows.clear()

    with transaction.atomic(), connection.cursor() as cursor:
        thread: list[Any] = []
        for event in events:
            if thread and (event.account_id, event.thread_id) != (
                thread[0].account_id,
                thread[0].thread_id,
            ):
                thread_rows(thread, next_id)
                next_id += 1
                thread = []
                if len(message_rows) >= 50_000:
                    flush(cursor)
            thread.append(event)
        if thread:
            thread_rows(thread, next_id)
        flush(cursor)
    return total


def _session_and_cursor() -> dict[str, Any]:
    """A communicator of the busiest entity, signed in; the cursor of the second page."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count

    from agora.core.models import User
    from agora.directory.models import Entity, Membership, MembershipRole
    from agora.inbox import selectors
    from agora.inbox.models import Conversation

    busiest = (
        Conversation.objects.values("entity_id").annotate(n=Count("id")).order_by("-n").first()
    )
    assert busiest is not None
    entity = Entity.objects.get(pk=busiest["entity_id"])
    user = User.objects.filter(username=USERNAME).first()
    if user is None:
        user = User.objects.create_user(username=USERNAME, first_name="Carmen", is_demo=True)
    Membership.objects.filter(user=user).exclude(entity=entity).delete()
    Membership.objects.get_or_create(
        user=user, entity=entity, defaults={"role": MembershipRole.COMUNICADOR}
    )
    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.set_expiry(settings.SESSION_COOKIE_AGE)
    session.save()
    _page, cursor, _counts = selectors.conversations_for_staff(
        user=user, filters=selectors.InboxFilters(), entity_ids=[entity.pk]
    )
    return {
        "session_key": session.session_key,
        "cursor": cursor,
        "entity": entity.acronym or entity.name,
        "entity_conversations": busiest["n"],
        "user": USERNAME,
    }


def _direct(repeat: int) -> int:
    """p50/p95 of the selector (three queries), in this process, per scenario."""
    from django.db import connection, reset_queries

    from agora.core.models import User
    from agora.inbox import selectors

    info = _read_meta()
    user = User.objects.get(username=USERNAME)
    entity_ids = list(user.memberships.values_list("entity_id", flat=True))
    scenarios = {
        "selector  lista (vence antes)": selectors.InboxFilters(),
        "selector  lista (más recientes)": selectors.InboxFilters(order=selectors.ORDER_RECENT),
        "selector  estado=nuevo": selectors.InboxFilters(status="nuevo"),
        "selector  vencidas": selectors.InboxFilters(overdue=True),
        "selector  segunda página": selectors.InboxFilters(cursor=info["cursor"]),
    }
    print(
        f"medición directa de selectors.conversations_for_staff ({repeat} veces por escenario; "
        f"{inbox_data.number(info['entity_conversations'])} conversaciones de {info['entity']})"
    )
    worst = 0.0
    for label, filters in scenarios.items():
        timings = []
        for _ in range(repeat + 3):
            reset_queries()
            started = time.perf_counter()
            page, _cursor, _counts = selectors.conversations_for_staff(
                user=user, filters=filters, entity_ids=entity_ids
            )
            timings.append((time.perf_counter() - started) * 1000)
        timings = sorted(timings[3:])  # the first calls warm the caches up
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        worst = max(worst, p95)
        print(
            f"{label}: p50 {statistics.median(timings):.1f} ms  p95 {p95:.1f} ms  "
            f"({len(page)} filas)"
        )
    connection.close()
    print(
        f"peor p95: {worst:.1f} ms (objetivo ≤ {TARGET_P95_MS:g} ms; sin HTTP ni plantilla) → "
        + ("cumple" if worst <= TARGET_P95_MS else "NO cumple")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
