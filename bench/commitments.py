"""Benchmark of the public action-plans dashboard (``/compromisos/``).

The server is started as ``make run`` starts it, with the real public data (the 104 OGP
commitments) plus 10 generated demo plans × 30 commitments × 10 milestones (3,000 milestones,
marked demo). Twenty concurrent clients (wrk, keep-alive) rotate through the dashboard with
its filters and pages. The baseline is ``/datos/``, a Django view that renders a static
template with no database query, served by the same server in the same run.

Target: p95 ≤ 100 ms. The query count of the dashboard does not depend on the data size
(``tests/commitments/test_views.py::test_dashboard_query_count_is_constant``).

    .venv/bin/python bench/commitments.py [--duration 15] [--warmup 3] [--keep]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

PLANS, COMMITMENTS, MILESTONES = 10, 30, 10
DASHBOARD = [
    "/compromisos/",
    "/compromisos/?pagina=2",
    "/compromisos/?pagina=7",
    "/compromisos/?plan=2091",
    "/compromisos/?plan=2015",
    "/compromisos/?estado=vencido",
    "/compromisos/?estado=en_curso&pagina=2",
    "/compromisos/?entidad=pcm",
    "/compromisos/?area=e-government",
    "/compromisos/?q=demostraci%C3%B3n+5",
]
BASELINE = "/datos/"
DASHBOARD_LABEL = "compromisos  tablero público"
BASELINE_LABEL = f"referencia ({BASELINE})"
TARGET_P95_MS = 100.0

_COUNT = re.compile(r"(\d+) compromisos? encontrados?")


def load_demo(server: common.Server) -> None:
    common.agora(
        "load_commitments_demo",
        "--plans",
        str(PLANS),
        "--commitments",
        str(COMMITMENTS),
        "--milestones",
        str(MILESTONES),
        env=common.bench_env(server.var_dir),
    )


def check_pages(server: common.Server) -> list[int]:
    counts = []
    for path in [*DASHBOARD, BASELINE]:
        status, content_type, body = common.http_get(server.url(path))
        if status != 200 or not content_type.startswith("text/html"):
            raise RuntimeError(f"{path} respondió {status} ({content_type})")
        if path != BASELINE:
            match = _COUNT.search(body)
            if match is None:
                raise RuntimeError(f"{path}: la página no dice cuántos compromisos encontró")
            counts.append(int(match.group(1)))
    if counts[0] < PLANS * COMMITMENTS:
        raise RuntimeError(
            f"el tablero muestra {counts[0]} compromisos; faltan los de demostración"
        )
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    args = parser.parse_args(argv)
    options = common.LoadOptions.from_args(args)
    print("== compromisos: tablero público de los planes de acción ==", flush=True)
    print(common.machine_line(), flush=True)
    with common.interrupt_on_sigterm(), common.bench_server(keep=args.keep) as server:
        load_demo(server)
        counts = check_pages(server)
        print(
            f"datos: 104 compromisos reales de OGP + {PLANS} planes × {COMMITMENTS} compromisos × "
            f"{MILESTONES} hitos de demostración ({counts[0]} compromisos en el tablero)"
        )
        print(server.describe())
        print(
            f"carga: wrk -t{options.threads} -c{options.connections} -d{options.duration:.0f}s "
            f"(keep-alive), {len(DASHBOARD)} vistas del tablero en rotación "
            f"({min(counts)}–{max(counts)} compromisos); referencia: {BASELINE}, vista de Django "
            "con plantilla fija y sin consultas",
            flush=True,
        )
        scenarios = [
            common.Scenario(DASHBOARD_LABEL, DASHBOARD),
            common.Scenario(BASELINE_LABEL, [BASELINE]),
        ]
        results = common.measure(server, scenarios, options)
    dashboard, baseline = results[DASHBOARD_LABEL], results[BASELINE_LABEL]
    print(common.figure_line(DASHBOARD_LABEL, dashboard))
    print(common.figure_line(BASELINE_LABEL, baseline))
    print(common.ratio_line("tablero/referencia", dashboard, baseline, max_p95_ms=TARGET_P95_MS))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrumpido; el servidor de prueba se detuvo", file=sys.stderr)
        sys.exit(130)
