"""Benchmark of the public directory search (``/directorio/``).

Twenty concurrent clients (wrk, keep-alive) rotate through realistic searches — words,
filters, sorts and pages — against a server started as ``make run`` starts it, with every
public entity and at least 5,000 accounts. The baseline is ``/datos/``, a Django view that
renders a static template with no database query, served by the same server in the same run.

Target: p95 ≤ 50 ms and at least half the baseline's requests per second. Twenty distinct
searches are soon all in any cache keyed on the query string, so a third, informative scenario
sends the same searches with a parameter that changes on every request (``_sin_cache``, which
the view ignores): what a search costs when no cache can answer it, as for the long tail of
real searches.

    .venv/bin/python bench/directory.py [--duration 15] [--warmup 3] [--keep]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SEARCHES = [
    "/directorio/",
    "/directorio/?q=salud",
    "/directorio/?q=minsa",
    "/directorio/?q=municipalidad+distrital&departamento=04",
    "/directorio/?nivel=regional",
    "/directorio/?poder=ejecutivo&orden=cuentas",
    "/directorio/?plataforma=x&pagina=3",
    "/directorio/?q=arequipa",
    "/directorio/?q=ministerio+de+la+mujer",
    "/directorio/?q=cusco&nivel=local",
    "/directorio/?tipo=municipalidad_provincial&orden=departamento&pagina=2",
    "/directorio/?q=sunat",
    "/directorio/?q=lima&plataforma=facebook",
    "/directorio/?departamento=15&orden=-nombre",
    "/directorio/?q=san+juan",
    "/directorio/?q=programa+nacional&orden=nombre",
    "/directorio/?q=Huancayo",
    "/directorio/?q=reniec&plataforma=instagram",
    "/directorio/?nivel=local&pagina=40",
    "/directorio/?q=ca%C3%B1ete",
]
BASELINE = "/datos/"
SEARCH_LABEL = "directorio  búsquedas"
UNCACHED_LABEL = "directorio  búsquedas sin caché (informativo)"
BASELINE_LABEL = f"referencia ({BASELINE})"
UNIQUE_PARAM = "_sin_cache"
TARGET_RATIO = 0.5
TARGET_P95_MS = 50.0

_COUNT = re.compile(r"(\d+) entidad(?:es)? encontradas?")


def check_pages(server: common.Server) -> list[int]:
    """Every page answers 200 with HTML; returns how many entities each search found."""
    counts: list[int] = []
    for path in [*SEARCHES, BASELINE]:
        status, content_type, body = common.http_get(server.url(path))
        if status != 200 or not content_type.startswith("text/html"):
            raise RuntimeError(f"{path} respondió {status} ({content_type})")
        if path != BASELINE:
            match = _COUNT.search(body)
            if match is None:
                raise RuntimeError(f"{path}: la página no dice cuántas entidades encontró")
            counts.append(int(match.group(1)))
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    args = parser.parse_args(argv)
    options = common.LoadOptions.from_args(args)
    print("== directorio: búsquedas públicas ==", flush=True)
    print(common.machine_line(), flush=True)
    with common.interrupt_on_sigterm(), common.bench_server(keep=args.keep) as server:
        counts = check_pages(server)
        print(server.dataset.describe())
        print(server.describe())
        print(
            f"carga: wrk -t{options.threads} -c{options.connections} -d{options.duration:.0f}s "
            f"(keep-alive), {len(SEARCHES)} búsquedas distintas en rotación "
            f"({min(counts)}–{max(counts)} resultados; {sum(1 for c in counts if c == 0)} sin "
            f"resultados); referencia: {BASELINE}, vista de Django con plantilla fija y sin "
            "consultas",
            flush=True,
        )
        scenarios = [
            common.Scenario(SEARCH_LABEL, SEARCHES),
            common.Scenario(BASELINE_LABEL, [BASELINE]),
            common.Scenario(UNCACHED_LABEL, SEARCHES, unique=UNIQUE_PARAM),
        ]
        results = common.measure(server, scenarios, options)
    search, baseline = results[SEARCH_LABEL], results[BASELINE_LABEL]
    uncached = results[UNCACHED_LABEL]
    print(common.figure_line(SEARCH_LABEL, search))
    print(common.figure_line(BASELINE_LABEL, baseline))
    print(common.figure_line(UNCACHED_LABEL, uncached))
    print(
        common.ratio_line(
            "búsquedas/referencia",
            search,
            baseline,
            min_ratio=TARGET_RATIO,
            max_p95_ms=TARGET_P95_MS,
        )
    )
    print(common.ratio_line("sin caché/referencia (informativo)", uncached, baseline))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrumpido; el servidor de prueba se detuvo", file=sys.stderr)
        sys.exit(130)
