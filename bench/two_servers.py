"""Benchmark of the production topology (issue 16): signed Meta webhooks spread over two web
servers with two task workers, each with its own data folder, on one PostgreSQL and one Redis
(``scripts/faults.py --no-faults``: the same scenario as the fault test of .ci/run, without
the faults), until every comment is stored, classified and counted and every answer is
published.

The baseline, in the same run: the same load on one web server (and the same two workers).
The figure is webhooks accepted per second; the ratio tells what the second server adds on
this machine (on one machine two servers share its cores).

Needs ``DATABASE_URL`` pointing at a PostgreSQL loaded by ``make data`` (as in .ci/run);
otherwise it says so and is skipped.

    DATABASE_URL=postgres://… .venv/bin/python bench/two_servers.py [--comments 2000]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

ROOT = Path(__file__).resolve().parent.parent


def _arguments(argv: list[str] | None) -> Any:
    parser = common.argument_parser(__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--comments", type=int, default=2000, help="por defecto %(default)s")
    return parser.parse_args(argv)


def _run(servers: int, comments: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "faults.py"),
                "--no-faults",
                "--servers",
                str(servers),
                "--comments",
                str(comments),
                "--answers",
                "40",
                "--figures",
                out.name,
            ],
            check=False,
            cwd=ROOT,
        )
        text = Path(out.name).read_text()
    if not text:
        raise SystemExit("scripts/faults.py no dejó cifras")
    figures: dict[str, Any] = json.loads(text)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    print("== topología de producción: dos servidores, dos trabajadores ==", flush=True)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("omitido: necesita DATABASE_URL de un PostgreSQL cargado con make data")
        return 0
    print(common.machine_line(), flush=True)
    one = _run(1, args.comments)
    two = _run(2, args.comments)
    for label, figures in (("un servidor (referencia)", one), ("dos servidores", two)):
        print(
            f"{label}: {figures['per_second']:.0f} webhooks/s "
            f"({figures['webhooks']} en {figures['seconds']:.1f} s); todo terminado a los "
            f"{figures['drained_seconds']:.0f} s; comprobaciones fallidas: "
            f"{len(figures['failures'])}"
        )
    print(f"proporción dos/uno: {two['per_second'] / one['per_second']:.2f}")
    return 1 if one["failures"] or two["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
