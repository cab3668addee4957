# tradeflow: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: install lock test lint typecheck pytest run demo ui bench postgres browser clean

# Installs are locked: uv (from PyPI, in a small environment of its own) installs exactly the versions in
# uv.lock, and refuses when pyproject.toml and uv.lock disagree (`make lock` brings them together).
UV_VERSION := 0.13.9
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON := $(PYTHON)

$(UV):
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --extra dev --compile-bytecode
	touch $(STAMP)

install: $(STAMP)

# Re-resolve uv.lock after editing pyproject.toml; `make lock UPGRADE=1` moves every pin to the newest
# version pyproject allows (then run `make test`, and commit uv.lock).
lock: | $(UV)
	$(UV) lock $(if $(UPGRADE),--upgrade,)
	$(UV) pip compile --quiet --python-version 3.11 $(if $(UPGRADE),--upgrade,) bench/dlt-requirements.in -o bench/dlt-requirements.txt

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
$(DLT_VENV)/bin/python: bench/dlt-requirements.txt | $(UV)
	$(PYTHON) -m venv $(DLT_VENV)
	$(UV) pip sync --python $(DLT_VENV)/bin/python bench/dlt-requirements.txt

bench: install postgres $(DLT_VENV)/bin/python
	$(BIN)/python -m bench.run

# The whole pipeline offline, against a local replay server of sample releases.
demo: install
	$(BIN)/python -m demo.run

# The Prefect UI with tradeflow's deployments, offline (replay server, Prefect server, `tradeflow serve`).
ui: install
	$(BIN)/python -m demo.ui

clean:
	rm -rf $(VENV) $(UV_VENV) .mypy_cache .ruff_cache .pytest_cache
