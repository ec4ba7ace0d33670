"""The layer contract of docs/arquitectura.md is code: `lint-imports` (in `make lint`) passes
on the project as it is, and fails when a lower app imports a higher one. Shown on a copy of
the package with one wrong import added (the contract reads the source, it imports nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter no instalado")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "proyecto"
    shutil.copytree(
        ROOT / "agora",
        tree / "agora",
        ignore=shutil.ignore_patterns(
            "__pycache__", "locale", "static", "templates", "data", "corpus*"
        ),
    )
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    return tree


def test_the_project_keeps_its_layers(tmp_path: Path) -> None:
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_lower_app_importing_a_higher_one_breaks_the_lint(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    (tree / "agora" / "directory" / "capa_rota.py").write_text(
        "from agora.inbox import models  # noqa: F401\n", encoding="utf-8"
    )
    result = _lint(tree)
    assert result.returncode != 0
    assert "agora.directory is not allowed to import agora.inbox" in result.stdout
    assert "agora.directory.capa_rota -> agora.inbox.models" in result.stdout
