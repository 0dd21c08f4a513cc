# Constable: `make demo` sets up and serves the system; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= sqlite:///constable.db

.PHONY: install system-deps demo serve kent test lint typecheck unit bench screenshots clean

$(BIN)/constable: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/constable  ## the package and its dependencies in .venv

system-deps:  ## PostgreSQL server binaries and Chromium from Debian, when missing
	./scripts/system-deps.sh

DEMO_PASSWORD ?= constable-demo

kent: install  ## build the Kent database, import the real samples, add the demo user
	$(BIN)/constable --db $(DB) force build kent --exist-ok
	$(BIN)/constable --db $(DB) import sample west-yorkshire
	$(BIN)/constable --db $(DB) import sample recorded-crime
	echo '$(DEMO_PASSWORD)' | $(BIN)/constable --db $(DB) users add demo --role administrator --exist-ok
	@echo "Sign in at http://127.0.0.1:8000/login as demo / $(DEMO_PASSWORD)"

demo: kent  ## build Kent and serve on http://127.0.0.1:8000
	$(BIN)/constable --db $(DB) serve

serve: install
	$(BIN)/constable --db $(DB) serve

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: install
	$(BIN)/mypy src

node_modules/axe-core/axe.min.js: package.json package-lock.json  ## axe-core for the page checks
	./scripts/system-deps.sh
	npm ci --no-audit --no-fund
	touch $@

unit: install system-deps node_modules/axe-core/axe.min.js
	$(BIN)/python -m pytest -q

test: lint typecheck unit  ## everything CI runs

screenshots: install system-deps  ## the pictures of docs/control-room.md, from the real pages
	$(BIN)/python scripts/screenshots.py

bench: install  ## speed and memory, printed as ratios against baselines
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) constable.db constable.db-wal constable.db-shm .pytest_cache .mypy_cache .ruff_cache
