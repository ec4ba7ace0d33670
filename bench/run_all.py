"""Runs every benchmark under bench/ (``make bench``): each ``bench/<name>.py`` that defines
``main()``, in alphabetical order, with the same options (for example ``--duration 30``).

    .venv/bin/python bench/run_all.py [--duration 15] [--warmup 3] [--keep]

``inbox_shift`` (a communicator's scripted shift) runs on a copy of the million-message
database that ``inbox`` builds and caches; the alphabetical order runs ``inbox`` first.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common

SKIP = {"__init__", "common", "run_all"}


def benchmark_names() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(p.stem for p in here.glob("*.py") if p.stem not in SKIP)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Validate the options once, before any server starts.
    common.argument_parser("Ejecuta todos los benchmarks de bench/.").parse_args(argv)
    failures: list[str] = []
    ran = 0
    for name in benchmark_names():
        module = importlib.import_module(f"bench.{name}")
        entry = getattr(module, "main", None)
        if not callable(entry):
            continue
        ran += 1
        try:
            status = entry(list(argv))
        except KeyboardInterrupt:
            print("\ninterrumpido; el servidor de prueba se detuvo", file=sys.stderr)
            return 130
        except Exception:
            traceback.print_exc()
            status = 1
        if status:
            failures.append(name)
        print(flush=True)
    if failures:
        print(f"benchmarks con errores: {', '.join(failures)}", file=sys.stderr)
        return 1
    print(f"{ran} benchmark(s) ejecutado(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
