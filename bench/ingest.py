"""Benchmark of batch ingestion: 100,000 Meta comment events through ``messages_ingest``.

A fresh SQLite database under var/bench/ (migrated, every public entity, 50 verified Facebook
pages) receives 10,000 posts × 10 comments, parsed as the Meta connector parses them, in
batches of 5,000 — the path of the webhook and the file import: conversations created or
found, messages and their attachments inserted (one citizen comment in five carries a photo
with a 600-character CDN address, one in fifteen a location too), timelines and deadlines
updated. Then the same batches again (a replay: must add nothing). The baseline, in the same
run and the same database file: Python's ``sqlite3`` inserting the same message and attachment
rows with ``executemany`` in one transaction into copies of ``inbox_message`` and
``inbox_attachment`` (same columns, constraints and indexes, the messages' full-text index
and its insert trigger, copied from ``sqlite_master``),
with the same PRAGMAs (WAL, synchronous NORMAL, foreign keys).

Target: ≥ 10,000 messages/s and at least 0.25 of the baseline's rows/s.

    .venv/bin/python bench/ingest.py [--messages 100000] [--batch 5000] [--attachment-every 5]
        [--profile] [--keep]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data

TARGET_RATE = 10_000
TARGET_RATIO = 0.25
PER_POST = 10
ACCOUNTS = 50
BASELINE_TABLE = "bench_baseline_message"
BASELINE_ATTACHMENTS = "bench_baseline_attachment"


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=100_000, help="por defecto %(default)s")
    parser.add_argument("--batch", type=int, default=5_000, help="por defecto %(default)s")
    parser.add_argument(
        "--attachment-every",
        type=int,
        default=5,
        help="uno de cada N comentarios ciudadanos lleva una foto (0: ninguno; %(default)s)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="perfila la ingesta con cProfile (más lenta)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if inbox_data.in_child():
        return _child(args)
    print("== bandeja: ingesta por lotes ==", flush=True)
    print(common.machine_line(), flush=True)
    return inbox_data.run_in_fresh_database(Path(__file__), argv, "ingest-", args.keep)


def _baseline_rows(events: list[Any], now: Any) -> list[tuple[Any, ...]]:
    """The rows ``messages_ingest`` wrote, built the same way (its column order)."""
    from django.db import connection

    from agora.directory.models import SocialAccount
    from agora.inbox.models import Conversation, Direction

    accounts = {
        a.pk: a for a in SocialAccount.objects.filter(pk__in={e.account_id for e in events})
    }
    conversations = {
        (c.account_id, c.thread_kind, c.thread_id): c.pk
        for c in Conversation.objects.only("pk", "account_id", "thread_kind", "thread_id")
    }
    adapt = connection.ops.adapt_datetimefield_value
    received = adapt(now)
    rows = []
    for event in events:
        account = accounts[event.account_id]
        outbound = event.author_id == account.platform_id
        rows.append(
            (
                conversations[(event.account_id, event.thread_kind, event.thread_id)],
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
    return rows


def _baseline_attachment_rows(events: list[Any]) -> list[tuple[Any, ...]]:
    """The attachment rows ``messages_ingest`` wrote (its column order), pointing at the
    stored messages."""
    from agora.inbox import attachments
    from agora.inbox.models import Message

    ids = dict(Message.objects.values_list("platform_message_id", "id"))
    return [
        attachments._row(ids[event.message_id], position, attachment, True)
        for event in events
        for position, attachment in enumerate(event.attachments)
    ]


def _copy_table(raw: sqlite3.Connection, table: str, copy: str) -> None:
    """A copy of ``table`` named ``copy``: columns, constraints, indexes, and its full-text
    index with the trigger that fills it on insert (the messages' search index: ingestion
    pays for it, so the baseline does too)."""
    rows = raw.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND ("
        "tbl_name = ? OR (name = ? AND sql LIKE 'CREATE VIRTUAL TABLE%')) ORDER BY type DESC",
        (table, f"{table}_fts"),
    ).fetchall()
    raw.execute(f"DROP TABLE IF EXISTS {copy}_fts")
    raw.execute(f"DROP TABLE IF EXISTS {copy}")
    rename = re.compile(rf"\b{table}(_fts\w*)?\b")
    statements: dict[str, list[str]] = {"table": [], "index": [], "trigger": []}
    for kind, _name, sql in rows:
        if kind == "trigger" and "AFTER INSERT" not in sql:
            continue  # only inserts happen here
        if kind == "index":
            sql = re.sub(r'INDEX "([^"]+)"', rf'INDEX "{copy}_\1"', sql)
        statements[kind].append(rename.sub(lambda m: copy + (m.group(1) or ""), sql))
    for kind in ("table", "index", "trigger"):
        for sql in statements[kind]:
            raw.execute(sql)


def _baseline(
    db_path: Path, rows: list[tuple[Any, ...]], attachment_rows: list[tuple[Any, ...]]
) -> tuple[float, float]:
    """(wall, CPU) seconds of a raw sqlite3 executemany of ``rows`` into a copy of
    inbox_message and of ``attachment_rows`` into a copy of inbox_attachment."""
    from agora.inbox import attachments
    from agora.inbox import ingest as inbox_ingest

    raw = sqlite3.connect(db_path, isolation_level=None)
    try:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute("PRAGMA foreign_keys=ON")
        _copy_table(raw, "inbox_message", BASELINE_TABLE)
        _copy_table(raw, "inbox_attachment", BASELINE_ATTACHMENTS)
        columns = ", ".join(inbox_ingest._INSERT_COLUMNS)
        placeholders = ", ".join("?" * len(inbox_ingest._INSERT_COLUMNS))
        sql = (
            f"INSERT INTO {BASELINE_TABLE} ({columns}) VALUES ({placeholders}) "  # noqa: S608
            "ON CONFLICT (platform, platform_message_id) DO NOTHING"
        )
        attachment_sql = (
            f"INSERT INTO {BASELINE_ATTACHMENTS} ({', '.join(attachments._COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(attachments._COLUMNS))}) "
            "ON CONFLICT (message_id, position) DO NOTHING"
        )
        started, cpu = time.perf_counter(), time.process_time()
        raw.execute("BEGIN IMMEDIATE")
        raw.executemany(sql, rows)
        raw.executemany(attachment_sql, attachment_rows)
        raw.execute("COMMIT")
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        count = raw.execute(f"SELECT COUNT(*) FROM {BASELINE_TABLE}").fetchone()[0]  # noqa: S608
        if count != len(rows):
            raise RuntimeError(f"la referencia insertó {count} filas de {len(rows)}")
        raw.execute(f"DROP TABLE {BASELINE_ATTACHMENTS}")
        raw.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}_fts")
        raw.execute(f"DROP TABLE {BASELINE_TABLE}")
        return elapsed, cpu
    finally:
        raw.close()


def _ingest(batches: list[list[Any]], now: Any) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process, messages created)."""
    from agora.inbox.services import messages_ingest

    created = 0
    started, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        created += messages_ingest(batch=batch, is_demo=True, now=now).created
    return time.perf_counter() - started, time.process_time() - cpu, created


def _child(args: Any) -> int:
    inbox_data.django_setup()
    from django.conf import settings
    from django.db import connection

    from agora.inbox.models import Attachment, Conversation, Message

    started = time.perf_counter()
    inbox_data.database_prepare()
    accounts = inbox_data.accounts_create(ACCOUNTS)
    posts = args.messages // PER_POST
    events = list(
        inbox_data.comment_events(
            accounts, posts=posts, per_post=PER_POST, attachment_every=args.attachment_every
        )
    )
    with_attachments = sum(1 for event in events if event.attachments)
    batches = [events[i : i + args.batch] for i in range(0, len(events), args.batch)]
    now = inbox_data.EPOCH_NOW
    db_path = Path(settings.DATABASES["default"]["NAME"])
    print(
        f"datos: {inbox_data.number(len(events))} comentarios de Meta en "
        f"{inbox_data.number(posts)} publicaciones de {len(accounts)} páginas verificadas, "
        f"{inbox_data.number(with_attachments)} con adjuntos, "
        f"lotes de {inbox_data.number(args.batch)} (preparación "
        f"{time.perf_counter() - started:.1f} s); SQLite en {db_path}",
        flush=True,
    )

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    seconds, cpu_seconds, created = _ingest(batches, now)
    if profiler:
        profiler.disable()
    rows_in_db = Message.objects.count()
    attachments_in_db = Attachment.objects.count()
    attachments_sent = sum(len(event.attachments) for event in events)
    conversations = Conversation.objects.count()
    if created != len(events) or rows_in_db != len(events):
        print(f"ERROR: se crearon {created} mensajes ({rows_in_db} en la base) de {len(events)}")
        return 1
    if attachments_in_db != attachments_sent:
        print(f"ERROR: {attachments_in_db} adjuntos en la base de {attachments_sent}")
        return 1
    replay_seconds, _replay_cpu, replay_created = _ingest(batches, now)
    after_replay = Message.objects.count()
    attachments_after_replay = Attachment.objects.count()

    rows = _baseline_rows(events, now)
    attachment_rows = _baseline_attachment_rows(events)
    connection.close()  # the baseline writes to the same file: no open transaction here
    baseline_seconds, baseline_cpu = _baseline(db_path, rows, attachment_rows)

    ingest_rate = len(events) / seconds
    baseline_rate = len(rows) / baseline_seconds
    ratio = ingest_rate / baseline_rate
    cpu_ratio = baseline_cpu / cpu_seconds if cpu_seconds else 0.0
    print(
        f"ingesta: {inbox_data.number(len(events))} mensajes ({inbox_data.number(conversations)} "
        f"conversaciones, {inbox_data.number(attachments_in_db)} adjuntos) en {seconds:.1f} s = "
        f"{inbox_data.rate(len(events), seconds)} msg/s; "
        f"referencia executemany {baseline_seconds:.2f} s = "
        f"{inbox_data.rate(len(rows), baseline_seconds)} filas/s; "
        f"proporción {ratio:.2f} (objetivo ≥ {TARGET_RATIO:g})"
    )
    print(
        f"según CPU del proceso (menos sensible a otra carga de la máquina): ingesta "
        f"{cpu_seconds:.1f} s = {inbox_data.rate(len(events), cpu_seconds)} msg/s de CPU, "
        f"referencia {baseline_cpu:.2f} s = {inbox_data.rate(len(rows), baseline_cpu)} filas/s "
        f"de CPU; proporción {cpu_ratio:.2f}"
    )
    print(
        f"repetición (replay): {inbox_data.number(after_replay - rows_in_db)} filas nuevas, "
        f"{inbox_data.number(attachments_after_replay - attachments_in_db)} adjuntos nuevos "
        f"({replay_created} creadas), {replay_seconds:.1f} s = "
        f"{inbox_data.rate(len(events), replay_seconds)} msg/s"
    )
    ok = (
        ingest_rate >= TARGET_RATE
        and ratio >= TARGET_RATIO
        and after_replay == rows_in_db
        and attachments_after_replay == attachments_in_db
        and replay_created == 0
    )
    print(
        f"objetivos: ≥ {inbox_data.number(TARGET_RATE)} msg/s y proporción ≥ {TARGET_RATIO:g}, "
        "repetición sin filas nuevas → " + ("cumple" if ok else "NO cumple")
    )
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
