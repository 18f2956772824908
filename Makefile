# Guanxi CRM — the README's two commands and the developer targets.
# Needs only Python 3.11+ (and make); everything else is installed here.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test gates lint fmt bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install install-dev: $(STAMP)

## run: install, load the demo org, serve on http://127.0.0.1:$(PORT)/
run: $(STAMP)
	$(BIN)/guanxi demo
	$(BIN)/guanxi serve --port $(PORT)

## test: every quality gate, then the whole suite on SQLite (and PostgreSQL when reachable)
test: $(STAMP)
	scripts/ensure_chromium.sh
	scripts/ensure_mailserver.sh
	$(MAKE) --no-print-directory gates
	$(BIN)/python -m pytest -n 2 --dist loadfile
	@if $(BIN)/python scripts/pg_available.py; then \
		echo "== PostgreSQL run"; \
		DATABASE_URL="$$($(BIN)/python scripts/pg_available.py --url)" \
			$(BIN)/python -m pytest -n 2 --dist loadfile; \
	else echo "== PostgreSQL not reachable on localhost: SQLite run only"; fi

gates: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python scripts/i18n.py check
	$(BIN)/python scripts/vendor_assets.py

lint: gates

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/generate.py --seed 1
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var/test_*.sqlite3*
