"""Benchmark of the reports: an entity report's data and the public scoreboard.

1. **Entity report** (PDF rendering excluded): one entity with about 200,000 citizen
   messages in February 2026 (and about 50,000 in January, the comparison period), ingested
   through ``messages_ingest`` — so the rollups and per-conversation facts are kept by the
   reports' own receiver, as in production. Timed: ``report_data`` for February (median of
   three runs). Baseline in the same run: one raw SQL aggregate (messages per platform) over
   the same rows. Target ≤ 2 s.
2. **Public scoreboard** over 5,000,000 messages in the last 30 days: rollup rows for every
   public entity are GENERATED DIRECTLY (not ingested: 5 M messages through ingestion would
   take far too long on this machine), with a Zipf-like spread of messages over entities
   and bucketed first-response histograms (daily and running), for 60 days (the period and
   the comparison period). Timed: ``scoreboard()`` unfiltered, filtered and sorted (median
   of ten runs: the first computes, the others read the cache keyed on the rollups'
   revision), and the unfiltered one with an empty cache (what the first request after a
   change of the rollups pays).
   Baseline: one raw SQL ``SUM … GROUP BY entity`` over the same rollup rows. Target ≤ 300 ms.

The database is built once and cached under var/bench/reports/ (rebuilt when
:data:`DATA_VERSION` changes or with ``--rebuild``). Its build also reports the ingestion
rate with and without the reports' receiver (the cost of keeping rollups current).

    .venv/bin/python bench/reports.py [--rebuild]
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data

DATA_VERSION = "reports-v3"  # v3: running histograms
VAR_DIR = common.BENCH_VAR / "reports"
META_PATH = VAR_DIR / "meta.json"
REPORT_MESSAGES = 200_000
PREVIOUS_MESSAGES = 50_000
PER_POST = 10
BATCH = 5_000
MONTH_START, MONTH_END = date(2026, 2, 1), date(2026, 2, 28)
# End of February 2026 in Lima (05:00 UTC on 1 March).
MONTH_NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
SCOREBOARD_MESSAGES = 5_000_000
SCOREBOARD_TODAY = date(2025, 6, 30)
SCOREBOARD_DAYS = 30
TARGET_REPORT_S = 2.0
TARGET_SCOREBOARD_MS = 300.0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if inbox_data.in_child():
        return _child(argv)
    print("== informes: datos del informe de una entidad y tablero público ==", flush=True)
    print(common.machine_line(), flush=True)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with common.interrupt_on_sigterm():
        return inbox_data.run_in_child(Path(__file__).resolve(), argv, VAR_DIR)


def _read_meta() -> dict[str, Any]:
    try:
        data = json.loads(META_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _child(argv: list[str]) -> int:
    inbox_data.django_setup()
    from django.core.management import call_command

    meta = _read_meta()
    db = VAR_DIR / "agora.sqlite3"
    if "--rebuild" in argv or meta.get("version") != DATA_VERSION or not db.exists():
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
        inbox_data.database_prepare()
        meta = {"version": DATA_VERSION, **_build_report_data(), **_build_rollups()}
        META_PATH.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    else:
        call_command("migrate", "--noinput", verbosity=0)
        print(f"base de datos reutilizada: {db}", flush=True)
    print(meta.get("ingest_line", ""), flush=True)
    ok_report = _measure_report(meta)
    ok_board = _measure_scoreboard()
    return 0 if ok_report and ok_board else 1


# --- data ---------------------------------------------------------------------------------------


def _ingest(events: Any, *, limit: int, now: datetime) -> tuple[int, float]:
    from agora.inbox.services import messages_ingest

    started = time.perf_counter()
    batch: list[Any] = []
    inbound = 0
    total = 0
    for event in events:
        batch.append(event)
        inbound += event.author_id.startswith("bench-")
        if len(batch) == BATCH:
            messages_ingest(batch=batch, is_demo=True, now=now)
            total += len(batch)
            batch = []
            if inbound >= limit:
                break
    if batch:
        messages_ingest(batch=batch, is_demo=True, now=now)
        total += len(batch)
    return total, time.perf_counter() - started


def _build_report_data() -> dict[str, Any]:
    """One entity's February (and January) through messages_ingest, rollups by the receiver."""
    from agora.inbox import pipeline

    print("construyendo los mensajes del informe (messages_ingest) …", flush=True)
    (account,) = inbox_data.accounts_create(1)
    january_now = datetime(2026, 2, 1, 4, 0, tzinfo=UTC)
    # The first 20,000 January messages without the reports' receiver, the next with it:
    # the ingestion cost of keeping rollups current (the rest of the data is then rebuilt).
    probe = 20_000
    rollups = pipeline.step_remove("cifras")
    assert rollups is not None
    plain_total, plain_seconds = _ingest(
        inbox_data.comment_events(
            [account],
            posts=probe // PER_POST * 2,
            per_post=PER_POST,
            days=30,
            seed=1,
            now=january_now,
        ),
        limit=probe,
        now=january_now,
    )
    pipeline.step_register(rollups)
    with_total, with_seconds = _ingest(
        inbox_data.comment_events(
            [account],
            posts=probe // PER_POST * 2,
            per_post=PER_POST,
            days=30,
            seed=2,
            first_post=10_000_000,
            now=january_now,
        ),
        limit=probe,
        now=january_now,
    )
    _ingest(
        inbox_data.comment_events(
            [account],
            posts=PREVIOUS_MESSAGES // PER_POST,
            per_post=PER_POST,
            days=30,
            seed=3,
            first_post=20_000_000,
            now=january_now,
        ),
        limit=PREVIOUS_MESSAGES - 2 * probe,
        now=january_now,
    )
    started = time.perf_counter()
    month_total, _seconds = _ingest(
        inbox_data.comment_events(
            [account],
            posts=REPORT_MESSAGES // PER_POST * 2,
            per_post=PER_POST,
            days=27,
            seed=4,
            first_post=30_000_000,
            now=MONTH_NOW - timedelta(hours=1),
        ),
        limit=REPORT_MESSAGES,
        now=MONTH_NOW,
    )
    from agora.reports.rollups import rollups_rebuild

    rollups_rebuild(entity_ids=[account.entity_id], now=MONTH_NOW)
    line = (
        f"ingesta (messages_ingest, lotes de {BATCH}): sin el receptor de informes "
        f"{inbox_data.rate(plain_total, plain_seconds)} msg/s, con él "
        f"{inbox_data.rate(with_total, with_seconds)} msg/s "
        f"(costo de mantener los resúmenes: "
        f"{(plain_total / plain_seconds) / (with_total / with_seconds):.2f}×)"
    )
    print(line, flush=True)
    print(
        f"febrero: {inbox_data.number(month_total)} eventos en "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {"entity_code": account.entity.code, "ingest_line": line}


def _build_rollups() -> dict[str, Any]:
    """Rollup rows generated directly: 5 M messages over 30 days (and as many in the 30 days
    before) spread Zipf-like over every public entity."""
    from django.db import transaction

    from agora.directory.models import Entity
    from agora.reports.models import DailyRollup
    from agora.reports.rollups import BUCKET_EDGES, bucket_of

    print("generando resúmenes diarios para 5 000 000 de mensajes …", flush=True)
    rng = random.Random(11)
    entities = list(Entity.objects.order_by("code").values_list("pk", flat=True))
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(entities))]
    rng.shuffle(weights)
    total_weight = sum(weights)
    first = SCOREBOARD_TODAY - timedelta(days=2 * SCOREBOARD_DAYS - 1)
    rows: list[DailyRollup] = []
    messages = 0
    for entity_id, weight in zip(entities, weights, strict=True):
        per_day = SCOREBOARD_MESSAGES * weight / total_weight / SCOREBOARD_DAYS
        running: dict[str, int] = {}
        speed = rng.uniform(0.3, 3.0)  # this entity's typical first response, in hours
        for offset in range(2 * SCOREBOARD_DAYS):
            received = int(rng.gauss(per_day, per_day**0.5) + 0.5) if per_day > 0 else 0
            if received <= 0:
                continue
            conversations = max(1, received // 3)
            answered = int(conversations * rng.uniform(0.3, 0.95))
            histogram: dict[str, int] = {}
            for _ in range(min(answered, 40)):  # a sample drawn, scaled to ``answered``
                seconds = rng.expovariate(1 / (speed * 3600))
                key = str(min(bucket_of(seconds), len(BUCKET_EDGES)))
                histogram[key] = histogram.get(key, 0) + 1
            if answered > 40:
                scale = answered / 40
                histogram = {k: max(1, round(v * scale)) for k, v in histogram.items()}
            within = int(answered * rng.uniform(0.4, 1.0))
            for key, count in histogram.items():
                running[key] = running.get(key, 0) + count
            rows.append(
                DailyRollup(
                    entity_id=entity_id,
                    day=first + timedelta(days=offset),
                    received=received,
                    conversations=conversations,
                    answered=answered,
                    decided=conversations,
                    within=within,
                    first_response_histogram=histogram if answered else {},
                    cumulative_histogram=dict(running),
                )
            )
            if offset >= SCOREBOARD_DAYS:
                messages += received
    with transaction.atomic():
        DailyRollup.objects.bulk_create(rows, batch_size=2000)
    print(
        f"{inbox_data.number(len(rows))} filas de resumen; "
        f"{inbox_data.number(messages)} mensajes en los últimos {SCOREBOARD_DAYS} días",
        flush=True,
    )
    return {"rollup_rows": len(rows), "scoreboard_messages": messages}


# --- measurements ---------------------------------------------------------------------------------


def _median_seconds(function: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _measure_report(meta: dict[str, Any]) -> bool:
    from django.db import connection

    from agora.directory.models import Entity
    from agora.inbox.models import Message
    from agora.reports.report import report_data
    from agora.reports.rollups import day_bounds

    entity = Entity.objects.get(code=meta["entity_code"])
    since, until = day_bounds(MONTH_START, MONTH_END)
    rows = Message.objects.filter(
        entity=entity, direction="entrante", sent_at__gte=since, sent_at__lt=until
    ).count()
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        "SELECT platform, COUNT(*) FROM inbox_message WHERE entity_id = %s "
        "AND direction = 'entrante' AND sent_at >= %s AND sent_at < %s GROUP BY platform"
    )

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [entity.pk, adapt(since), adapt(until)])
            cursor.fetchall()

    report_data(entity=entity, start=MONTH_START, end=MONTH_END)  # warm caches, as in a worker
    seconds = _median_seconds(
        lambda: report_data(entity=entity, start=MONTH_START, end=MONTH_END), 3
    )
    baseline = _median_seconds(raw, 5)
    ok = seconds <= TARGET_REPORT_S
    print(
        f"informe de {entity.name} ({MONTH_START:%Y-%m}, {inbox_data.number(rows)} mensajes "
        f"de ciudadanos, sin PDF): {seconds:.2f} s (meta ≤ {TARGET_REPORT_S:.0f} s) "
        f"{'OK' if ok else 'NO CUMPLE'}",
        flush=True,
    )
    print(
        f"línea base, un agregado SQL sobre las mismas filas: {baseline * 1000:.1f} ms; "
        f"razón informe / agregado: {seconds / baseline:.1f}×",
        flush=True,
    )
    return ok


def _after_change(scoreboard: Any) -> float:
    """Seconds of the scoreboard right after ingestion changed one entity's rollups (one more
    conversation answered today, through the rollups' own code), rolled back afterwards."""
    from django.db import transaction
    from django.utils import timezone

    from agora.reports.models import DailyRollup
    from agora.reports.rollups import Deltas, _Delta, deltas_apply

    entity_id = DailyRollup.objects.order_by("?").values_list("entity_id", flat=True).first()
    assert entity_id is not None
    with transaction.atomic():
        deltas: Deltas = defaultdict(_Delta)
        delta = deltas[(entity_id, SCOREBOARD_TODAY)]
        delta.received = 1
        delta.add(answered=True, work=2 * 3600, within=True, overdue=False, sign=1)
        deltas_apply(deltas, timezone.now())
        start = time.perf_counter()
        scoreboard(days=SCOREBOARD_DAYS, today=SCOREBOARD_TODAY)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return seconds


def _measure_scoreboard() -> bool:
    from django.core.cache import cache
    from django.db import connection

    from agora.reports.scoreboard import period_bounds, scoreboard

    start, end, _previous = period_bounds(SCOREBOARD_DAYS, SCOREBOARD_TODAY)
    cases = {
        "sin filtros": {},
        "nivel local, por plazo": {"level": "local", "sort": "plazo"},
        "departamento 15, por mediana": {"department": "15", "sort": "mediana"},
    }
    ok = True
    for label, criteria in cases.items():
        seconds = _median_seconds(
            lambda criteria=criteria: scoreboard(
                days=SCOREBOARD_DAYS, today=SCOREBOARD_TODAY, **criteria
            ),
            10,
        )
        passed = seconds * 1000 <= TARGET_SCOREBOARD_MS
        ok = ok and passed
        print(
            f"tablero ({label}): {seconds * 1000:.0f} ms "
            f"(meta ≤ {TARGET_SCOREBOARD_MS:.0f} ms) {'OK' if passed else 'NO CUMPLE'}",
            flush=True,
        )
    sql = (
        "SELECT entity_id, SUM(received), SUM(answered), SUM(within) FROM reports_dailyrollup "
        "WHERE day >= %s AND day <= %s GROUP BY entity_id"
    )

    def raw() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, [start.isoformat(), end.isoformat()])
            cursor.fetchall()

    def cold() -> None:
        cache.clear()
        scoreboard(days=SCOREBOARD_DAYS, today=SCOREBOARD_TODAY)

    changed_seconds = statistics.median(_after_change(scoreboard) for _ in range(5))
    changed_ok = changed_seconds * 1000 <= TARGET_SCOREBOARD_MS
    ok = ok and changed_ok
    print(
        f"tablero (sin filtros, primera petición tras una respuesta nueva de una entidad: "
        f"los resúmenes cambiaron): {changed_seconds * 1000:.0f} ms "
        f"(meta ≤ {TARGET_SCOREBOARD_MS:.0f} ms) {'OK' if changed_ok else 'NO CUMPLE'}",
        flush=True,
    )
    cold_seconds = _median_seconds(cold, 5)
    print(
        f"tablero (sin filtros, caché vacía, como tras reiniciar el servidor; informativo): "
        f"{cold_seconds * 1000:.0f} ms",
        flush=True,
    )
    baseline = _median_seconds(raw, 10)
    board = scoreboard(days=SCOREBOARD_DAYS, today=SCOREBOARD_TODAY)
    unfiltered = _median_seconds(
        lambda: scoreboard(days=SCOREBOARD_DAYS, today=SCOREBOARD_TODAY), 5
    )
    print(
        f"{len(board.rows)} entidades, {inbox_data.number(board.received)} mensajes en el "
        f"período; línea base, un SUM … GROUP BY sobre los resúmenes: "
        f"{baseline * 1000:.1f} ms; razón tablero / agregado: {unfiltered / baseline:.2f}× "
        f"(con caché), {changed_seconds / baseline:.1f}× (tras un cambio), "
        f"{cold_seconds / baseline:.1f}× (caché vacía)",
        flush=True,
    )
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
