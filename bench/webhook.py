"""Benchmark of the Meta webhook (``/webhooks/meta/``): signed page-feed comments posted by
20 concurrent clients for 30 s, then every answered event counted in the database.

The server is started as ``make run`` starts it (bench/common.py) with a known
``AGORA_META_APP_SECRET``. wrk's Lua has no HMAC, so the bodies — one new comment each, on the
verified Facebook pages of the benchmark database, never the same comment twice — are written
and signed beforehand, one file per wrk thread, and bench/webhook.lua sends them in order.
Afterwards the messages in the database are compared with the 200 answers: a 200 promises the
event is committed, so ``perdidos = 200 − filas nuevas`` must be 0. The baseline is ``/datos/``
(a GET with no query) on the same server.

    .venv/bin/python bench/webhook.py [--seconds 30] [--connections 20] [--keep]
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common, inbox_data

LUA = Path(__file__).resolve().with_name("webhook.lua")
SECRET = "secreto-de-prueba-del-benchmark"  # noqa: S105 - a throwaway secret of the bench
VERIFY_TOKEN = "token-de-prueba-del-benchmark"  # noqa: S105
PATH = "/webhooks/meta/"
BASELINE = "/datos/"
BODIES_PER_THREAD = 60_000
COMMENTS = [
    "Buenas tardes, ¿dónde me vacuno contra la influenza? En la posta me dicen que no hay.",
    "Ya van 4 días que no pasa el camión de la basura por mi cuadra.",
    "Pésima atención, esperé 5 horas y nadie me atendió.",
    "¿Hasta cuándo es la inscripción para Beca 18?",
    "Hay un buzón sin tapa en la avenida principal, ¡vengan a taparlo!",
    "Gracias por la información, muy clara 👏",
]


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="duración de la carga (por defecto 30)"
    )
    parser.add_argument("--bodies", type=int, default=BODIES_PER_THREAD, help="por hilo de wrk")
    return parser.parse_args(argv)


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def comment_body(page_id: str, post: int, comment: str, rng: random.Random) -> bytes:
    """A page-feed webhook with one new comment, as Meta sends it."""
    now = int(time.time())
    citizen = rng.randrange(1, 10**6)
    payload = {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": now,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": {"id": f"7{citizen:09d}", "name": f"Ciudadana Demo {citizen}"},
                            "post_id": f"{page_id}_{post}",
                            "comment_id": f"{post}_{comment}",
                            "parent_id": f"{page_id}_{post}",
                            "created_time": now,
                            "item": "comment",
                            "verb": "add",
                            "message": rng.choice(COMMENTS),
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def write_bodies(prefix: Path, pages: list[str], threads: int, per_thread: int) -> None:
    """``<prefix><t>.txt`` for every wrk thread: "signature<TAB>body" lines, every comment id
    unique (thread and counter in it, plus the run's time so reruns do not collide)."""
    run = int(time.time())
    for thread in range(threads):
        rng = random.Random(thread)
        with open(f"{prefix}{thread}.txt", "w", encoding="utf-8") as handle:
            for index in range(per_thread):
                page = pages[index % len(pages)]
                post = 10_000 + (index // 5) % 5_000  # five comments per post, then reused posts
                body = comment_body(page, post, f"{run}{thread:02d}{index:07d}", rng)
                handle.write(f"{sign(body)}\t{body.decode()}\n")


def _post(server: common.Server, body: bytes, signature: str) -> int:
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection(common.HOST, port, timeout=30)
    try:
        connection.request(
            "POST",
            PATH,
            body=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def _db(server: common.Server) -> sqlite3.Connection:
    return sqlite3.connect(server.var_dir / "agora.sqlite3", timeout=30)


def _message_count(server: common.Server) -> int:
    with _db(server) as db:
        return int(db.execute("SELECT COUNT(*) FROM inbox_message").fetchone()[0])


def _pages(server: common.Server) -> list[str]:
    with _db(server) as db:
        rows = db.execute(
            "SELECT platform_id FROM directory_socialaccount WHERE platform = 'facebook' "
            "AND status = 'verificada' AND platform_id != '' ORDER BY id LIMIT 200"
        ).fetchall()
    if not rows:
        raise RuntimeError("la base de prueba no tiene páginas de Facebook verificadas")
    return [row[0] for row in rows]


def run_webhook_wrk(
    server: common.Server, prefix: Path, *, seconds: float, options: common.LoadOptions
) -> tuple[common.WrkResult, dict[str, Any]]:
    command = [
        common.wrk_binary(),
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "--latency",
        "-s",
        str(LUA),
        server.url(PATH),
        "--",
        str(prefix),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk falló ({result.returncode}):\n{result.stderr}{result.stdout}")
    parsed = common.parse_wrk(result.stdout)
    return parsed, parsed.raw


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    options = common.LoadOptions.from_args(args)
    print("== conectores: webhook de Meta ==", flush=True)
    print(common.machine_line(), flush=True)
    saved = {k: os.environ.get(k) for k in ("AGORA_META_APP_SECRET", "AGORA_META_VERIFY_TOKEN")}
    os.environ["AGORA_META_APP_SECRET"] = SECRET
    os.environ["AGORA_META_VERIFY_TOKEN"] = VERIFY_TOKEN
    try:
        with common.interrupt_on_sigterm(), common.bench_server(keep=args.keep) as server:
            return _measure(server, args, options)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _measure(server: common.Server, args: Any, options: common.LoadOptions) -> int:
    pages = _pages(server)
    prefix = server.var_dir / "webhook-"
    started = time.perf_counter()
    write_bodies(prefix, pages, options.threads, args.bodies)
    print(server.dataset.describe())
    print(server.describe())
    print(
        f"cuerpos: {inbox_data.number(options.threads * args.bodies)} comentarios distintos "
        f"firmados (HMAC-SHA256) en {time.perf_counter() - started:.1f} s, sobre {len(pages)} "
        "páginas verificadas",
        flush=True,
    )
    # Sanity: a good signature is accepted, a bad one refused, before any load.
    probe = comment_body(pages[0], 1, f"sonda{int(time.time())}", random.Random(0))
    if (status := _post(server, probe, "sha256=" + "0" * 64)) != 403:
        raise RuntimeError(f"una firma inválida recibió {status}, se esperaba 403")
    if (status := _post(server, probe, sign(probe))) != 200:
        raise RuntimeError(f"un webhook firmado recibió {status}, se esperaba 200")

    before = _message_count(server)
    print(
        f"midiendo ({args.seconds:.0f} s, {options.connections} clientes): POST {PATH}",
        flush=True,
    )
    cpu_before = server.cpu_seconds()
    result, raw = run_webhook_wrk(server, prefix, seconds=args.seconds, options=options)
    cpu_after = server.cpu_seconds()
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu_s = cpu_after - cpu_before
    time.sleep(2)  # requests still in the server when wrk stopped counting
    rows = _message_count(server) - before
    print(f"midiendo ({options.duration:.0f} s): referencia {BASELINE}", flush=True)
    baseline = common.run_wrk(
        server.base_url,
        common.Scenario(f"referencia ({BASELINE})", [BASELINE]),
        seconds=options.duration,
        options=options,
    )
    ok, other, wrapped = int(raw["ok"]), int(raw["other"]), int(raw["wrapped"])
    print(common.figure_line(f"webhook  POST {PATH}", result))
    print(common.figure_line(f"referencia ({BASELINE})", baseline))
    print(common.ratio_line("webhook/referencia (informativo)", result, baseline))
    lost = ok - rows
    print(
        f"respuestas 200: {ok}; otras: {other}; filas nuevas en inbox_message: {rows}; "
        f"perdidos (200 − filas): {max(lost, 0)}"
        + (
            f"; {-lost} filas más que respuestas 200 (peticiones en curso al parar wrk)"
            if lost < 0
            else ""
        )
    )
    if wrapped:
        print(f"aviso: se reenviaron {wrapped} cuerpos (faltaron cuerpos); use --bodies mayor")
    verdict = lost <= 0 and not wrapped and other == 0
    print(
        f"webhook: {result.rps:.1f} req/s, p99 {result.p99_ms:.1f} ms, cero perdidos → "
        + ("cumple" if verdict else "NO cumple")
    )
    return 0 if lost <= 0 else 1


if __name__ == "__main__":
    sys.exit(main())
