# Ágora — the two commands are `make run` and `make test`; everything else is a step of theirs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
AGORA := $(BIN)/agora
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup migrate data run serve worker test lint pytest bench messages clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

migrate: setup
	$(AGORA) migrate --noinput -v0

data: migrate
	$(AGORA) load_public_data
	$(AGORA) load_demo_data

static: setup
	$(AGORA) collectstatic --noinput -v0

run: data static
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy agora tests bench
	$(AGORA) makemigrations --check --dry-run -v0

pytest: setup
	scripts/system-deps.sh --browser
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint data static pytest

bench: data static
	scripts/system-deps.sh --bench
	$(BIN)/python bench/run_all.py

messages: setup
	cd agora && ../$(AGORA) makemessages -l es --no-obsolete -v0
	$(BIN)/python scripts/fill_catalogue.py agora/locale/es/LC_MESSAGES/django.po
	cd agora && ../$(AGORA) compilemessages -l es -v0

clean:
	rm -rf $(VENV) var
