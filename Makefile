# tradeflow: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install test lint typecheck pytest run demo ui bench postgres browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

postgres:
	@bash scripts/ensure-postgres.sh

browser:
	@bash scripts/ensure-chromium.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install postgres browser
	$(BIN)/pytest -q -n 2 --dist worksteal --durations=15

test: lint typecheck pytest

# The nightly job against the publishers (needs their network; kr_customs needs a service key, see
# README). A publisher that fails is reported and the grid is printed either way.
# Prefect's temporary server may take over its default 20 s to start on a busy machine's first run.
run: export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 120
run: install
	$(BIN)/tradeflow db upgrade
	-$(BIN)/tradeflow nightly
	$(BIN)/tradeflow status

# Benchmarks (8 minutes on an idle 2-core machine, 25 on a busy one; needs PostgreSQL): results and the table of targets in bench/README.md.
# dlt (the peer the benchmark compares against) lives in its own virtualenv: it and Prefect pin
# different versions of shared libraries.
DLT_VENV := .venv-dlt
$(DLT_VENV)/bin/python:
	$(PYTHON) -m venv $(DLT_VENV)
	$(DLT_VENV)/bin/python -m pip install --quiet "dlt[postgres,sqlalchemy]==1.31.0" pyarrow pandas

bench: install postgres $(DLT_VENV)/bin/python
	$(BIN)/python -m bench.run

# The whole pipeline offline, against a local replay server of sample releases.
demo: install
	$(BIN)/python -m demo.run

# The Prefect UI with tradeflow's deployments, offline (replay server, Prefect server, `tradeflow serve`).
ui: install
	$(BIN)/python -m demo.ui

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
