"""Shared helpers of Ágora's HTTP benchmarks (run by hand with ``make bench``).

A benchmark gets its own database and server, never the user's: :func:`bench_server` makes a
temporary ``AGORA_VAR_DIR`` under ``var/bench/``, migrates it, loads every public entity and
at least :data:`MIN_ACCOUNTS` demo accounts, collects the static files, and starts the task
worker and gunicorn exactly as ``scripts/run.sh`` starts them (same command line, same
``AGORA_WEB_WORKERS``/``AGORA_WEB_THREADS`` defaults) on a free port of 127.0.0.1. Load comes
from ``wrk`` with ``bench/wrk_report.lua``; :func:`run_wrk` returns its figures, and
:func:`figure_line` and :func:`ratio_line` print them. Everything started is stopped on exit,
on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
BENCH_VAR = ROOT / "var" / "bench"
RUN_SH = ROOT / "scripts" / "run.sh"
WRK_SCRIPT = Path(__file__).resolve().with_name("wrk_report.lua")
HOST = "127.0.0.1"

MIN_ACCOUNTS = 5000
DEMO_ENTITIES = 2100
DEMO_PER_ENTITY = 3

DEFAULT_DURATION = 15.0
DEFAULT_WARMUP = 3.0
DEFAULT_CONNECTIONS = 20
DEFAULT_THREADS = 2

# Variables that would point the bench at the user's own database, broker or cache.
_ISOLATED_ENV = ("DATABASE_URL", "REDIS_URL")


# --- command line -----------------------------------------------------------------------------


def argument_parser(description: str) -> argparse.ArgumentParser:
    """The options every benchmark accepts (``make bench`` passes none)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--duration",
        type=float,
        default=DEFAULT_DURATION,
        help="segundos de medición por escenario (por defecto %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=DEFAULT_WARMUP,
        help="segundos de calentamiento por escenario, no medidos (por defecto %(default)s)",
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=DEFAULT_CONNECTIONS,
        help="clientes concurrentes de wrk (por defecto %(default)s)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help="hilos de wrk (por defecto %(default)s)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="conserva el directorio temporal (base de datos y registros) bajo var/bench/",
    )
    return parser


@dataclass
class LoadOptions:
    duration: float = DEFAULT_DURATION
    warmup: float = DEFAULT_WARMUP
    connections: int = DEFAULT_CONNECTIONS
    threads: int = DEFAULT_THREADS

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> LoadOptions:
        return cls(
            duration=args.duration,
            warmup=args.warmup,
            connections=args.connections,
            threads=args.threads,
        )


# --- signals ----------------------------------------------------------------------------------


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"señal {signum}")


@contextlib.contextmanager
def interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM (and SIGHUP) behave like Ctrl-C, so that ``finally`` blocks stop the server."""
    previous = {
        sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --- database -----------------------------------------------------------------------------------


@dataclass
class Dataset:
    entities: int
    accounts: int
    verified: int

    def describe(self) -> str:
        return (
            f"datos: {self.entities:,} entidades, {self.accounts:,} cuentas "
            f"({self.verified:,} verificadas)"
        ).replace(",", " ")


def bench_env(var_dir: Path) -> dict[str, str]:
    """The user's environment with the bench's own var directory and database."""
    env = {k: v for k, v in os.environ.items() if k not in _ISOLATED_ENV}
    env["AGORA_VAR_DIR"] = str(var_dir)
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def agora(*args: str, env: dict[str, str]) -> str:
    """Runs ``agora ARGS`` (the project's manage.py) and returns its standard output."""
    result = subprocess.run(
        [str(BIN / "agora"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"agora {' '.join(args)} falló ({result.returncode}):\n{result.stderr[-3000:]}"
        )
    return result.stdout


_COUNT_CODE = """
from agora.directory.models import AccountStatus, Entity, SocialAccount
print("BENCH_COUNTS", Entity.objects.count(), SocialAccount.objects.count(),
      SocialAccount.objects.filter(status=AccountStatus.VERIFICADA).count())
"""

_MORE_ACCOUNTS_CODE = """
from agora.core.models import User
from agora.directory import demo
demo.accounts_create_demo(
    entities=demo.demo_entities({entities}),
    verifier=User.objects.get(username="demo-rector"),
    per_entity={per_entity},
)
"""


def dataset_counts(env: dict[str, str]) -> Dataset:
    output = agora("shell", "-c", _COUNT_CODE, env=env)
    for line in output.splitlines():
        if line.startswith("BENCH_COUNTS "):
            entities, accounts, verified = (int(n) for n in line.split()[1:])
            return Dataset(entities=entities, accounts=accounts, verified=verified)
    raise RuntimeError(f"no se pudo contar los datos de la base de prueba:\n{output}")


def prepare_database(env: dict[str, str], *, min_accounts: int = MIN_ACCOUNTS) -> Dataset:
    """Every public entity and at least ``min_accounts`` demo accounts, plus static files.

    ``load_demo_data`` gives each entity two or three accounts; when that is not enough the
    demo generator runs again with more platforms per entity (it never duplicates a handle).
    """
    agora("migrate", "--noinput", "-v0", env=env)
    agora("load_public_data", env=env)
    agora(
        "load_demo_data",
        "--entities",
        str(DEMO_ENTITIES),
        "--per-entity",
        str(DEMO_PER_ENTITY),
        env=env,
    )
    dataset = dataset_counts(env)
    per_entity = DEMO_PER_ENTITY
    while dataset.accounts < min_accounts and per_entity < 6:
        per_entity += 1
        code = _MORE_ACCOUNTS_CODE.format(entities=dataset.entities, per_entity=per_entity)
        agora("shell", "-c", code, env=env)
        dataset = dataset_counts(env)
    if dataset.accounts < min_accounts:
        raise RuntimeError(
            f"solo {dataset.accounts} cuentas de demostración; se necesitan {min_accounts}"
        )
    # The pages use the manifest storage: collect into the bench's own STATIC_ROOT.
    agora("collectstatic", "--noinput", "-v0", env=env)
    return dataset


# --- server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def gunicorn_command(host: str, port: int, env: dict[str, str]) -> list[str]:
    """The command line of ``scripts/run.sh`` (keep both in step)."""
    return [
        str(BIN / "gunicorn"),
        "agora.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--worker-class",
        "gthread",
        "--workers",
        env.get("AGORA_WEB_WORKERS") or "3",
        "--threads",
        env.get("AGORA_WEB_THREADS") or "4",
        "--access-logfile",
        "-",
        "--log-level",
        "warning",
    ]


def check_run_sh() -> None:
    """Warns when scripts/run.sh no longer starts gunicorn the way this module does."""
    try:
        text = RUN_SH.read_text(encoding="utf-8")
    except OSError:
        return
    expected = [
        '"$BIN/gunicorn" agora.wsgi:application',
        '--bind "$HOST:$PORT"',
        "--worker-class gthread",
        '--workers "${AGORA_WEB_WORKERS:-3}"',
        '--threads "${AGORA_WEB_THREADS:-4}"',
        "--access-logfile -",
        "--log-level warning",
        '"$BIN/agora" qcluster',
    ]
    missing = [item for item in expected if item not in text]
    if missing:
        print(
            "aviso: scripts/run.sh cambió; revise bench/common.py (no coincide: "
            + "; ".join(missing)
            + ")",
            file=sys.stderr,
        )


def _stop(process: subprocess.Popen[bytes] | None, grace: float = 10.0) -> None:
    """SIGTERM to the process (its own session), then SIGKILL to its whole group."""
    if process is None:
        return
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    # Gunicorn's workers and django-q's processes live in the group the process leads.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def http_get(url: str, timeout: float = 10.0) -> tuple[int, str, str]:
    """One GET without following redirects: (status, content type, body)."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname or HOST, parsed.port, timeout=timeout)
    try:
        path = parsed.path or "/"
        if parsed.query:
            path += "?" + parsed.query
        connection.request("GET", path, headers={"User-Agent": "AgoraBench/1.0 (comprobación)"})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Content-Type", ""), body
    finally:
        connection.close()


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def wait_ready(
    process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = 60.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"gunicorn terminó al arrancar ({process.returncode}):\n{_log_tail(log)}"
            )
        try:
            status, _, _ = http_get(url, timeout=2)
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return
        raise RuntimeError(f"{url} respondió {status} al arrancar:\n{_log_tail(log)}")
    raise RuntimeError(f"gunicorn no respondió en {timeout:.0f} s:\n{_log_tail(log)}")


def group_cpu_seconds(pgid: int) -> float | None:
    """User plus system CPU time of the live processes of a process group (Linux /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


@dataclass
class Server:
    base_url: str
    var_dir: Path
    dataset: Dataset
    workers: str
    threads: str
    pgid: int

    def url(self, path: str) -> str:
        return self.base_url + path

    def cpu_seconds(self) -> float | None:
        """CPU used so far by gunicorn (master and workers): per-request cost that does not
        depend on what else the machine is running."""
        return group_cpu_seconds(self.pgid)

    def describe(self) -> str:
        return (
            f"servidor: gunicorn gthread, {self.workers} procesos × {self.threads} hilos "
            f"(como `make run`), {self.base_url}, base de datos en {self.var_dir}"
        )


@contextlib.contextmanager
def bench_server(*, keep: bool = False, ready_path: str = "/datos/") -> Iterator[Server]:
    """A prepared database and a running server like ``make run``'s; stopped on exit."""
    check_run_sh()
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="run-", dir=BENCH_VAR))
    env = bench_env(var_dir)
    worker: subprocess.Popen[bytes] | None = None
    server: subprocess.Popen[bytes] | None = None
    logs: list[IO[bytes]] = []
    failed = True
    try:
        print(f"preparando la base de datos de prueba en {var_dir} …", flush=True)
        dataset = prepare_database(env)
        port = free_port()
        worker_log = open(var_dir / "worker.log", "wb")  # noqa: SIM115
        logs.append(worker_log)
        worker = subprocess.Popen(
            [str(BIN / "agora"), "qcluster"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server_log_path = var_dir / "gunicorn.log"
        server_log = open(server_log_path, "wb")  # noqa: SIM115
        logs.append(server_log)
        command = gunicorn_command(HOST, port, env)
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://{HOST}:{port}"
        wait_ready(server, base_url + ready_path, server_log_path)
        yield Server(
            base_url=base_url,
            var_dir=var_dir,
            dataset=dataset,
            workers=command[command.index("--workers") + 1],
            threads=command[command.index("--threads") + 1],
            pgid=server.pid,
        )
        failed = False
    except KeyboardInterrupt:
        failed = False  # interrupted by the user: nothing to inspect
        raise
    finally:
        _stop(server)
        _stop(worker)
        for handle in logs:
            handle.close()
        if keep or failed:
            print(f"registros y base de datos conservados en {var_dir}", file=sys.stderr)
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


# --- load -----------------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    bytes: int
    errors: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    raw: dict[str, object] = field(default_factory=dict, repr=False)
    server_cpu_s: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_s is None or not self.requests:
            return None
        return self.server_cpu_s * 1000 / self.requests


def parse_wrk(output: str) -> WrkResult:
    """The ``WRK_JSON`` line printed by wrk_report.lua's ``done()``."""
    for line in output.splitlines():
        if line.startswith("WRK_JSON "):
            data = json.loads(line.removeprefix("WRK_JSON "))
            latency = data["latency_ms"]
            return WrkResult(
                requests=int(data["requests"]),
                duration_s=float(data["duration_s"]),
                bytes=int(data["bytes"]),
                errors={k: int(v) for k, v in data["errors"].items()},
                p50_ms=float(latency["p50"]),
                p95_ms=float(latency["p95"]),
                p99_ms=float(latency["p99"]),
                mean_ms=float(latency["mean"]),
                max_ms=float(latency["max"]),
                raw=data,
            )
    raise RuntimeError(f"wrk no imprimió resultados:\n{output[-3000:]}")


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("falta wrk: instálelo con scripts/system-deps.sh --bench (apt-get)")
    return found


@dataclass
class Scenario:
    """Paths that wrk rotates through; ``unique`` names a parameter made unique per request
    (a different query string every time, to measure what a cache cannot answer)."""

    label: str
    paths: Sequence[str]
    unique: str = ""


def run_wrk(
    base_url: str, scenario: Scenario, *, seconds: float, options: LoadOptions
) -> WrkResult:
    """``wrk -tT -cC -dD --latency`` rotating through the scenario's paths."""
    paths = list(scenario.paths)
    if scenario.unique:
        paths.append(f"--unique={scenario.unique}")
    if not base_url.startswith(f"http://{HOST}:"):
        raise ValueError("los benchmarks solo envían tráfico a 127.0.0.1")
    duration = max(1, round(seconds))
    command = [
        wrk_binary(),
        f"-t{options.threads}",
        f"-c{options.connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(WRK_SCRIPT),
        base_url + scenario.paths[0],
        "--",
        *paths,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"wrk falló ({result.returncode}):\n{result.stderr}{result.stdout}")
    return parse_wrk(result.stdout)


def measure(
    server: Server, scenarios: Sequence[Scenario], options: LoadOptions
) -> dict[str, WrkResult]:
    """Warms every scenario up, then measures each one in turn on the same server."""
    if options.warmup > 0:
        for scenario in scenarios:
            print(f"calentamiento ({options.warmup:.0f} s): {scenario.label}", flush=True)
            run_wrk(server.base_url, scenario, seconds=options.warmup, options=options)
    results: dict[str, WrkResult] = {}
    for scenario in scenarios:
        print(
            f"midiendo ({options.duration:.0f} s, {options.connections} clientes): "
            f"{scenario.label}",
            flush=True,
        )
        cpu_before = server.cpu_seconds()
        result = run_wrk(server.base_url, scenario, seconds=options.duration, options=options)
        cpu_after = server.cpu_seconds()
        if cpu_before is not None and cpu_after is not None:
            result.server_cpu_s = cpu_after - cpu_before
        results[scenario.label] = result
    return results


def machine_line() -> str:
    """Cores and load: the figures are only comparable on an otherwise idle machine."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"máquina: {os.cpu_count()} núcleos, carga media antes de empezar (1/5/15 min) {load}"


# --- output ---------------------------------------------------------------------------------


def figure_line(label: str, result: WrkResult) -> str:
    errors = str(result.error_count)
    if result.error_count:
        detail = ", ".join(f"{k} {v}" for k, v in result.errors.items() if v)
        errors += f" ({detail})"
    line = (
        f"{label}: {result.rps:.1f} req/s  p50 {result.p50_ms:.1f} ms  "
        f"p95 {result.p95_ms:.1f} ms  p99 {result.p99_ms:.1f} ms  errores {errors}"
    )
    if (cpu := result.cpu_ms_per_request) is not None:
        line += f"  (CPU del servidor: {cpu:.1f} ms/petición)"
    return line


def ratio_line(
    label: str,
    measured: WrkResult,
    baseline: WrkResult,
    *,
    min_ratio: float | None = None,
    max_p95_ms: float | None = None,
) -> str:
    ratio = measured.rps / baseline.rps if baseline.rps else 0.0
    text = f"proporción {label}: {ratio:.2f}"
    verdicts: list[bool] = []
    if min_ratio is not None:
        text += f" (objetivo ≥ {min_ratio:g})"
        verdicts.append(ratio >= min_ratio)
    if max_p95_ms is not None:
        text += f"; p95 {measured.p95_ms:.1f} ms (objetivo ≤ {max_p95_ms:g} ms)"
        verdicts.append(measured.p95_ms <= max_p95_ms)
    measured_cpu, baseline_cpu = measured.cpu_ms_per_request, baseline.cpu_ms_per_request
    if measured_cpu and baseline_cpu:
        # The same ratio from CPU per request: less sensitive to other load on the machine.
        text += f" [según CPU del servidor por petición: {baseline_cpu / measured_cpu:.2f}]"
    if measured.error_count or baseline.error_count:
        verdicts.append(False)
    if verdicts:
        text += "  → " + ("cumple" if all(verdicts) else "NO cumple")
    return text
