#!/usr/bin/env bash
# Installs Ágora into .venv (creating it): the application and, with --dev, the test and lint
# tools. The one install step: `make setup` (developers and CI) and the Dockerfile run it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
extras=""
[ "${1:-}" = "--dev" ] && extras="[dev]"
test -x .venv/bin/python || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".$extras"
