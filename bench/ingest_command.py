"""Benchmark of the command operators run: ``agora ingest --platform meta`` on a file of
100,000 Meta webhook bodies (one per line, each a page-feed ``comment`` change as Meta sends
it; one citizen comment in five with a ``photo``), into a fresh SQLite database under var/bench/
with every public entity and 50 verified Facebook pages. Timed around ``call_command`` (the
command, its parsing of every line, account look-ups, batches and report), not the process
start. Then the same file again (a replay: must add nothing).

The baseline, in the same run and the same database file: Python's ``sqlite3`` inserting the
rows the command stored (messages and attachments) with ``executemany`` into copies of their
tables (bench/ingest.py, ``_baseline``: same columns, constraints, indexes and full-text index).

Target: ≥ 10,000 messages/s and at least 0.25 of the baseline's rows/s.

    .venv/bin/python bench/ingest_command.py [--messages 100000] [--keep]
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data, ingest

TARGET_RATE = 10_000
TARGET_RATIO = 0.25
PER_POST = 10
ACCOUNTS = 50


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--messages", type=int, default=100_000, help="por defecto %(default)s")
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
    return inbox_data.run_in_fresh_database(Path(__file__), argv, "ingest-command-", args.keep)


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

    from agora.inbox import attachments, services

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(services._INSERT_COLUMNS)} FROM inbox_message")  # noqa: S608
        rows = [tuple(r) for r in cursor.fetchall()]
        cursor.execute(f"SELECT {', '.join(attachments._COLUMNS)} FROM inbox_attachment")  # noqa: S608
        attachment_rows = [tuple(r) for r in cursor.fetchall()]
    return rows, attachment_rows


def _child(args: Any) -> int:
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
        f"(preparación {time.perf_counter() - started:.1f} s); SQLite en {db_path}",
        flush=True,
    )
    seconds, cpu_seconds, report = _run(path, args.profile or bool(args.profile_out), args.profile_out)
    stored = Message.objects.count()
    with_attachments = Attachment.objects.count()
    if stored != len(events):
        print(f"ERROR: {stored} mensajes en la base de {len(events)}\n{report}")
        return 1
    replay_seconds, _cpu, _report = _run(path)
    after_replay = Message.objects.count()
    rows, attachment_rows = _stored_rows()
    connection.close()  # the baseline writes to the same file: no open transaction here
    baseline_seconds, baseline_cpu = ingest._baseline(db_path, rows, attachment_rows)

    rate = len(events) / seconds
    baseline_rate = len(rows) / baseline_seconds
    ratio = rate / baseline_rate
    print(
        f"agora ingest: {inbox_data.number(len(events))} mensajes "
        f"({inbox_data.number(with_attachments)} adjuntos) en {seconds:.1f} s = "
        f"{inbox_data.rate(len(events), seconds)} msg/s; referencia executemany "
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
    ok = rate >= TARGET_RATE and ratio >= TARGET_RATIO and after_replay == stored
    print(
        f"objetivos: ≥ {inbox_data.number(TARGET_RATE)} msg/s y proporción ≥ {TARGET_RATIO:g}, "
        "repetición sin filas nuevas → " + ("cumple" if ok else "NO cumple")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
