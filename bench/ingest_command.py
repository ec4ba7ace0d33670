"""Benchmark of the command operators run: ``agora ingest --platform meta`` on a file of
200,000 Meta webhook bodies (one per line, each a page-feed ``comment`` change as Meta sends
it; one citizen comment in five with a ``photo``), into a fresh SQLite database under var/bench/
with every public entity and 50 verified Facebook pages. Timed around ``call_command`` (the
command, its parsing of every line, account look-ups, batches and report), not the process
start. Then the same file again (a replay: must add nothing).

The baseline, in the same run and the same database file: Python's ``sqlite3`` inserting the
rows the command stored (messages and attachments) with ``executemany`` into copies of their
tables (bench/ingest.py, ``_baseline``: same columns, constraints, indexes and full-text index).

PostgreSQL mode, when ``DATABASE_URL`` points at a PostgreSQL server: the same run in a new
database made on that server for the run (dropped afterwards unless --keep); the baseline is
the application's own raw INSERT path there: psycopg's ``executemany`` of the same message and
attachment rows, in one transaction, into copies of their tables (``LIKE … INCLUDING ALL``:
columns, defaults, constraints and indexes, the full-text GIN index too). The CPU figures
count this process only (the server's work is not in them).

Targets (issue #16): on SQLite ≥ 10,000 messages/s and at least 0.25 of the baseline's
rows/s; on PostgreSQL at least 0.25 of the baseline's rows/s. Either way the replay adds
nothing.

    .venv/bin/python bench/ingest_command.py [--messages 200000] [--keep]
    DATABASE_URL=postgres://… .venv/bin/python bench/ingest_command.py
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data, ingest

# The new database the parent made for a PostgreSQL run (the child's DATABASE_URL).
PG_URL_ENV = "AGORA_BENCH_DATABASE_URL"
TARGET_RATE = 10_000
TARGET_RATIO = 0.25
PER_POST = 10
ACCOUNTS = 50


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=200_000, help="por defecto %(default)s")
    parser.add_argument("--profile", action="store_true", help="perfila la primera pasada")
    parser.add_argument(
        "--profile-out", default="", help="guarda el perfil (pstats) de la primera pasada aquí"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if inbox_data.in_child():
        return _child(args)
    print("== bandeja: el comando agora ingest (Meta) ==", flush=True)
    print(common.machine_line(), flush=True)
    server = _postgres_url()
    if not server:
        return inbox_data.run_in_fresh_database(Path(__file__), argv, "ingest-command-", args.keep)
    name = f"agora_bench_{secrets.token_hex(4)}"
    url = _create_database(server, name)
    print(f"PostgreSQL: base nueva {name} en el servidor de DATABASE_URL", flush=True)
    os.environ[PG_URL_ENV] = url
    status = 1
    try:
        status = inbox_data.run_in_fresh_database(
            Path(__file__), argv, "ingest-command-pg-", args.keep
        )
    finally:
        os.environ.pop(PG_URL_ENV, None)
        if args.keep or status:
            print(f"base de PostgreSQL conservada: {name}", file=sys.stderr)
        else:
            _drop_database(server, name)
    return status


def _postgres_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def _create_database(server: str, name: str) -> str:
    """Makes database ``name`` on the server of ``server`` (a URL); returns its URL."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as raw:
        raw.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urllib.parse.urlsplit(server)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def _drop_database(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as raw:
        raw.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _pg_baseline(
    url: str, rows: list[tuple[Any, ...]], attachment_rows: list[tuple[Any, ...]]
) -> tuple[float, float]:
    """(wall, CPU) seconds of psycopg's executemany of ``rows`` into a copy of inbox_message
    and of ``attachment_rows`` into a copy of inbox_attachment, in one transaction."""
    import psycopg
    from psycopg.types.json import Jsonb

    from agora.inbox import attachments
    from agora.inbox import ingest as inbox_ingest

    table, attachment_table = ingest.BASELINE_TABLE, ingest.BASELINE_ATTACHMENTS
    flags = inbox_ingest._INSERT_COLUMNS.index("flags")
    rows = [
        (
            *row[:flags],
            Jsonb(json.loads(row[flags]) if isinstance(row[flags], str) else row[flags]),
            *row[flags + 1 :],
        )
        for row in rows
    ]
    with psycopg.connect(url) as raw:
        for copy, source in ((table, "inbox_message"), (attachment_table, "inbox_attachment")):
            raw.execute(f"DROP TABLE IF EXISTS {copy}")
            raw.execute(f"CREATE TABLE {copy} (LIKE {source} INCLUDING ALL)")
        raw.commit()
        columns = ", ".join(inbox_ingest._INSERT_COLUMNS)
        placeholders = ", ".join(["%s"] * len(inbox_ingest._INSERT_COLUMNS))
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
            "ON CONFLICT (platform, platform_message_id) DO NOTHING"
        )
        attachment_sql = (
            f"INSERT INTO {attachment_table} ({', '.join(attachments._COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(attachments._COLUMNS))}) "
            "ON CONFLICT (message_id, position) DO NOTHING"
        )
        started, cpu = time.perf_counter(), time.process_time()
        with raw.cursor() as cursor:
            cursor.executemany(sql, rows)
            cursor.executemany(attachment_sql, attachment_rows)
        raw.commit()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        count = raw.execute(f"SELECT COUNT(*) FROM {table}").fetchone()  # noqa: S608
        if not count or count[0] != len(rows):
            raise RuntimeError(f"la referencia insertó {count} filas de {len(rows)}")
        raw.execute(f"DROP TABLE {attachment_table}")
        raw.execute(f"DROP TABLE {table}")
        raw.commit()
    return elapsed, cpu


def _webhook(event: Any, page_id: str) -> dict[str, Any]:
    """A page-feed comment webhook body (Meta's Webhooks reference, Page ``feed`` field; the
    same shape as tests/connectors/test_meta.py's fixtures)."""
    post_id = f"{page_id}_{event.thread_id.rsplit('_', 1)[-1]}"
    value: dict[str, Any] = {
        "from": {"id": event.author_id, "name": event.author_name},
        "post": {"status_type": "added_photos", "is_published": True, "id": post_id},
        "message": event.text,
        "post_id": post_id,
        "comment_id": event.message_id,
        "created_time": int(event.sent_at.timestamp()),
        "item": "comment",
        "parent_id": event.parent_id or post_id,
        "verb": "add",
    }
    photos = [a for a in event.attachments if a.url]
    if photos:
        value["photo"] = photos[0].url
    return {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": int(event.sent_at.timestamp()),
                "changes": [{"field": "feed", "value": value}],
            }
        ],
    }


def _run(path: Path, profile: bool = False, profile_out: str = "") -> tuple[float, float, str]:
    from django.core.management import call_command

    out, err = io.StringIO(), io.StringIO()
    profiler = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    call_command("ingest", "--platform", "meta", "--input", str(path), stdout=out, stderr=err)
    if profiler:
        profiler.disable()
        if profile_out:
            profiler.dump_stats(profile_out)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        print(text.getvalue())
    return time.perf_counter() - started, time.process_time() - cpu, out.getvalue().strip()


def _stored_rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    from django.db import connection

    from agora.inbox import attachments
    from agora.inbox import ingest as inbox_ingest

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(inbox_ingest._INSERT_COLUMNS)} FROM inbox_message")  # noqa: S608
        rows = [tuple(r) for r in cursor.fetchall()]
        cursor.execute(f"SELECT {', '.join(attachments._COLUMNS)} FROM inbox_attachment")  # noqa: S608
        attachment_rows = [tuple(r) for r in cursor.fetchall()]
    return rows, attachment_rows


def _child(args: Any) -> int:
    if os.environ.get(PG_URL_ENV):
        os.environ["DATABASE_URL"] = os.environ[PG_URL_ENV]
    inbox_data.django_setup()
    from django.conf import settings
    from django.db import connection

    from agora.inbox.models import Attachment, Message

    started = time.perf_counter()
    inbox_data.database_prepare()
    accounts = inbox_data.accounts_create(ACCOUNTS)
    pages = {a.pk: a.platform_id for a in accounts}
    events = list(
        inbox_data.comment_events(
            accounts, posts=args.messages // PER_POST, per_post=PER_POST, attachment_every=5
        )
    )
    path = Path(settings.VAR_DIR) / "webhooks.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(_webhook(event, pages[event.account_id]), ensure_ascii=False))
            out.write("\n")
    db_path = Path(settings.DATABASES["default"]["NAME"])
    print(
        f"datos: {inbox_data.number(len(events))} cuerpos de webhook de Meta en {path.name} "
        f"({path.stat().st_size / 1e6:.0f} MB), {len(accounts)} páginas verificadas "
        f"(preparación {time.perf_counter() - started:.1f} s); base {connection.vendor}: "
        f"{db_path if connection.vendor == 'sqlite' else connection.settings_dict['NAME']}",
        flush=True,
    )
    profile = args.profile or bool(args.profile_out)
    seconds, cpu_seconds, report = _run(path, profile, args.profile_out)
    stored = Message.objects.count()
    with_attachments = Attachment.objects.count()
    if stored != len(events):
        print(f"ERROR: {stored} mensajes en la base de {len(events)}\n{report}")
        return 1
    replay_seconds, _cpu, _report = _run(path)
    after_replay = Message.objects.count()
    rows, attachment_rows = _stored_rows()
    postgres = connection.vendor == "postgresql"
    connection.close()  # the baseline writes to the same file: no open transaction here
    if postgres:
        baseline_seconds, baseline_cpu = _pg_baseline(
            os.environ["DATABASE_URL"], rows, attachment_rows
        )
    else:
        baseline_seconds, baseline_cpu = ingest._baseline(db_path, rows, attachment_rows)

    rate = len(events) / seconds
    baseline_rate = len(rows) / baseline_seconds
    ratio = rate / baseline_rate
    print(
        f"agora ingest: {inbox_data.number(len(events))} mensajes "
        f"({inbox_data.number(with_attachments)} adjuntos) en {seconds:.1f} s = "
        f"{inbox_data.rate(len(events), seconds)} msg/s; referencia executemany "
        f"({'PostgreSQL, psycopg' if postgres else 'SQLite, sqlite3'}) "
        f"{baseline_seconds:.2f} s = {inbox_data.rate(len(rows), baseline_seconds)} filas/s; "
        f"proporción {ratio:.2f} (objetivo ≥ {TARGET_RATIO:g})"
    )
    print(
        f"según CPU del proceso: {cpu_seconds:.1f} s = "
        f"{inbox_data.rate(len(events), cpu_seconds)} msg/s de CPU, referencia "
        f"{baseline_cpu:.2f} s; proporción {baseline_cpu / cpu_seconds:.2f}"
    )
    print(
        f"repetición del archivo: {inbox_data.number(after_replay - stored)} filas nuevas, "
        f"{replay_seconds:.1f} s = {inbox_data.rate(len(events), replay_seconds)} msg/s"
    )
    ok = (postgres or rate >= TARGET_RATE) and ratio >= TARGET_RATIO and after_replay == stored
    wanted = "" if postgres else f"≥ {inbox_data.number(TARGET_RATE)} msg/s y "
    print(
        f"objetivos: {wanted}proporción ≥ {TARGET_RATIO:g}, "
        "repetición sin filas nuevas → " + ("cumple" if ok else "NO cumple")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
