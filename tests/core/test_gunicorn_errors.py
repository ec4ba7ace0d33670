"""Issue #17: what gunicorn answers itself, before Django sees the request (a request line or
headers too long, a malformed request line), is a Spanish page with a 4xx, never gunicorn's
English one. A real gunicorn with the worker of scripts/web.sh, on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "agora.settings"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "agora.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--worker-class",
            "agora.core.gunicorn_worker.SpanishThreadWorker",
            "--workers",
            "1",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _raw(port: int, request: bytes) -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(request)
        data = b""
        try:
            while chunk := conn.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass  # gunicorn closes after its answer, with the rest of the request unread
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body.decode("utf-8")


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Relleno: " + b"b" * 9000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-Campo-%d: 1\r\n" % n for n in range(120))
        + b"\r\n",
        b"ESTO NO ES HTTP\r\n\r\n",
    ],
    ids=["linea-larga", "encabezado-largo", "demasiados-encabezados", "linea-invalida"],
)
def test_gunicorns_own_errors_are_spanish_4xx(server: int, request_bytes: bytes) -> None:
    status, body = _raw(server, request_bytes)
    assert 400 <= status < 500
    assert 'lang="es-PE"' in body
    for english in ("Bad Request", "Request Line", "Invalid", "Error parsing"):
        assert english not in body
