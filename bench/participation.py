"""Benchmark of a large public consultation: its public page and its report.

A demo consultation with 200 numbered paragraphs and 20,000 comments (generated, marked demo,
closed so that its report is public) is added to a server started as ``make run`` starts it.
Scenarios: the public page of the document (with the comment count of every paragraph), the
same page opened on paragraphs (their first page of comments), and the first page of the
report (every comment with its answer, 100 per page). The baseline is ``/datos/``, a Django
view with a fixed template and no query, served by the same server in the same run.

Target: p95 ≤ 150 ms for the public page. The query count of both pages does not depend on the
number of comments: ``tests/participation/test_queries.py`` asserts it at two sizes.

    .venv/bin/python bench/participation.py [--duration 15] [--warmup 3] [--keep]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SLUG = "consulta-benchmark"
PARAGRAPHS = 200
COMMENTS = 20_000
PAGE = f"/participa/consultas/{SLUG}/"
PARAGRAPH_PAGES = [f"{PAGE}?parrafo={s}.{p}" for s in (1, 5, 9, 13, 17) for p in (1, 4, 7, 10)]
REPORT = f"/participa/consultas/{SLUG}/informe/"
BASELINE = "/datos/"
PAGE_LABEL = "consulta  página pública (200 párrafos, 20.000 comentarios)"
PARAGRAPH_LABEL = "consulta  comentarios de un párrafo (informativo)"
REPORT_LABEL = "consulta  informe, primera página (informativo)"
BASELINE_LABEL = f"referencia ({BASELINE})"
TARGET_P95_MS = 150.0

_GENERATE = """
from agora.participation.demo import consultation_generate
from agora.participation.models import Consultation
if not Consultation.objects.filter(slug={slug!r}).exists():
    consultation_generate(slug={slug!r}, paragraphs={paragraphs}, comments={comments})
c = Consultation.objects.get(slug={slug!r})
print("BENCH_CONSULTATION", c.versions.get().paragraphs.count(), c.comments.count())
"""


def prepare(server: common.Server) -> tuple[int, int]:
    env = common.bench_env(server.var_dir)
    code = _GENERATE.format(slug=SLUG, paragraphs=PARAGRAPHS, comments=COMMENTS)
    output = common.agora("shell", "-c", code, env=env)
    for line in output.splitlines():
        if line.startswith("BENCH_CONSULTATION "):
            paragraphs, comments = (int(n) for n in line.split()[1:])
            return paragraphs, comments
    raise RuntimeError(f"no se pudo generar la consulta:\n{output}")


def check_pages(server: common.Server) -> None:
    for path in [PAGE, *PARAGRAPH_PAGES, REPORT, BASELINE]:
        status, content_type, body = common.http_get(server.url(path))
        if status != 200 or not content_type.startswith("text/html"):
            raise RuntimeError(f"{path} respondió {status} ({content_type})")
    _status, _type, body = common.http_get(server.url(PAGE))
    if body.count('class="doc-paragraph"') != PARAGRAPHS:
        raise RuntimeError("la página pública no muestra los 200 párrafos")


def main(argv: list[str] | None = None) -> int:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    args = parser.parse_args(argv)
    options = common.LoadOptions.from_args(args)
    print("== participación: consulta pública grande ==", flush=True)
    print(common.machine_line(), flush=True)
    with common.interrupt_on_sigterm(), common.bench_server(keep=args.keep) as server:
        paragraphs, comments = prepare(server)
        check_pages(server)
        print(server.describe())
        print(
            f"datos: consulta de demostración con {paragraphs} párrafos y {comments} "
            f"comentarios; carga: wrk -t{options.threads} -c{options.connections} "
            f"-d{options.duration:.0f}s (keep-alive); referencia: {BASELINE}",
            flush=True,
        )
        scenarios = [
            common.Scenario(PAGE_LABEL, [PAGE]),
            common.Scenario(BASELINE_LABEL, [BASELINE]),
            common.Scenario(PARAGRAPH_LABEL, PARAGRAPH_PAGES),
            common.Scenario(REPORT_LABEL, [REPORT]),
        ]
        results = common.measure(server, scenarios, options)
    page, baseline = results[PAGE_LABEL], results[BASELINE_LABEL]
    for label in (PAGE_LABEL, BASELINE_LABEL, PARAGRAPH_LABEL, REPORT_LABEL):
        print(common.figure_line(label, results[label]))
    print(common.ratio_line("página pública/referencia", page, baseline, max_p95_ms=TARGET_P95_MS))
    print(common.ratio_line("párrafo/referencia (informativo)", results[PARAGRAPH_LABEL], baseline))
    print(common.ratio_line("informe/referencia (informativo)", results[REPORT_LABEL], baseline))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("\ninterrumpido; el servidor de prueba se detuvo", file=sys.stderr)
        sys.exit(130)
