# Ágora — the two commands are `make run` and `make test`; everything else is a step of theirs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
AGORA := $(BIN)/agora
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup migrate data static run test lint pytest bench messages messages-check clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	PYTHON=$(PYTHON) scripts/install.sh --dev
	rm -f $(VENV)/.installed-* && touch $(STAMP)

migrate: setup
	$(AGORA) migrate --noinput -v0

data: migrate
	$(AGORA) load_public_data
	$(AGORA) classify_train
	$(AGORA) load_demo_data
	$(AGORA) load_training_demo
	$(AGORA) load_inbox_demo
	$(AGORA) classify_pending
	$(AGORA) sandbox_install
	$(AGORA) load_publishing_demo
	$(AGORA) rollups_rebuild
	$(AGORA) load_participation_demo

static: setup
	$(AGORA) collectstatic --noinput -v0

run: data static
	scripts/system-deps.sh --pdf
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy agora tests bench
	$(AGORA) makemigrations --check --dry-run -v0
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory messages-check

pytest: setup
	scripts/system-deps.sh --browser --pdf
	$(BIN)/pytest --durations=25 $(PYTEST_ARGS)

test: lint data static pytest

bench: data static
	scripts/system-deps.sh --bench
	$(BIN)/python bench/run_all.py

messages: setup
	cd agora && ../$(AGORA) makemessages -l es --no-obsolete --no-location --ignore "templates/admin/*" -v0
	# Source strings are Spanish: the es catalogue repeats them (msgen), complete by construction.
	msgen agora/locale/es/LC_MESSAGES/django.po -o agora/locale/es/LC_MESSAGES/django.po
	$(BIN)/python scripts/catalogue_header.py agora/locale/es/LC_MESSAGES/django.po
	cd agora && ../$(AGORA) compilemessages -l es -v0

# The Spanish catalogue must hold every string of the code: regenerate it and compare.
messages-check: setup
	scripts/system-deps.sh --i18n
	$(MAKE) --no-print-directory messages >/dev/null
	git diff --quiet -- agora/locale || { git --no-pager diff --stat -- agora/locale; \
	  echo "El catálogo de traducciones está desactualizado: ejecute 'make messages' y confirme el cambio."; exit 1; }

clean:
	rm -rf $(VENV) var
