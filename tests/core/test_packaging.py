"""The container image and the service units reuse the install step that CI runs, run as an
unprivileged user with their configuration from one environment file, and build the static
files once (issue 16)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def test_make_setup_and_the_image_share_the_install_script() -> None:
    assert "scripts/install.sh --dev" in (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert "RUN scripts/install.sh\n" in dockerfile
    assert "scripts/system-deps.sh --pdf" in dockerfile
    # Static files are built into the image, where AGORA_STATIC_ROOT points at run time.
    assert "collectstatic" in dockerfile and "AGORA_STATIC_ROOT=/app/static" in dockerfile
    last_user = [line for line in dockerfile.splitlines() if line.startswith("USER ")][-1]
    assert last_user != "USER root" and not last_user.startswith("USER 0")
    assert 'CMD ["scripts/web.sh"]' in dockerfile


@pytest.mark.parametrize(
    ("name", "command"),
    [
        ("agora-web.service", "/opt/agora/scripts/web.sh"),
        ("agora-worker.service", "/opt/agora/.venv/bin/agora qcluster"),
    ],
)
def test_service_units_run_unprivileged_from_the_environment_file(name: str, command: str) -> None:
    service = _unit(name)["Service"]
    assert service["ExecStart"] == command
    assert service["EnvironmentFile"] == "/etc/agora/agora.env"
    assert service["User"] == "agora"
    assert service["Restart"] == "on-failure"
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "agora"
    assert "AGORA_VAR_DIR=/var/lib/agora" in service["Environment"]


def test_a_stopping_worker_outlives_its_longest_task() -> None:
    from django.conf import settings

    stop = _unit("agora-worker.service")["Service"]["TimeoutStopSec"]
    assert int(stop.removesuffix("s")) > int(str(settings.Q_CLUSTER["timeout"]))


def test_systemd_accepts_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze no está instalado")
    for name in ("agora-web.service", "agora-worker.service"):
        text = (UNITS / name).read_text().replace("/opt/agora", str(ROOT))
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [
            analyze,
            "verify",
            str(tmp_path / "agora-web.service"),
            str(tmp_path / "agora-worker.service"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "agora-" not in result.stderr, result.stderr
