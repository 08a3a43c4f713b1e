# ee_assets: `make demo` runs the main job end to end on the local backend; `make test` runs the suite.
# Both create .venv and install the project on first use (and again when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)/.dagster

.PHONY: install sample-data demo test lint bench ui clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[local,test]"
	touch $(STAMP)

install: $(STAMP)

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

sample-data: install
	$(BIN)/python -m ee_assets.local sample-data

demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m ee_assets.local sample-data
	$(BIN)/python -m ee_assets.demo

lint: install
	$(BIN)/ruff check ee_assets ee_assets_tests benchmarks
	$(BIN)/lint-imports --no-cache

# Speed benchmarks (each prints medians and ratios against baselines measured in the same run).
bench: install
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for f in benchmarks/*.py; do case $$f in */__init__.py) ;; *) $(BIN)/python $$f || exit 1 ;; esac; done

# The UI tests drive Debian's chromium through Playwright (never `playwright install`: no browser downloads).
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "$@ is missing: install Chromium there (Debian: chromium)"; exit 1; }
	apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }

# The request-budget tests (and distributed-executor tests) start Debian's redis-server on loopback themselves.
REDIS_SERVER := /usr/bin/redis-server

$(REDIS_SERVER):
	@command -v apt-get >/dev/null || { echo "$@ is missing: install Redis there (Debian: redis-server)"; exit 1; }
	apt-get install -y redis-server || { apt-get update && apt-get install -y redis-server; }

test: install lint $(CHROMIUM) $(REDIS_SERVER) $(DAGSTER_HOME)/dagster.yaml
	DAGSTER_DISABLE_TELEMETRY=1 $(BIN)/dg check defs
	$(BIN)/python -m pytest -q --durations=15

# Webserver (http://127.0.0.1:3000) and daemon (schedules, backfills, run queue) on the repo-local instance;
# `dg dev` loads the dg project (the same code location as `dagster dev -w workspace.yaml`).
ui: install $(DAGSTER_HOME)/dagster.yaml
	DAGSTER_DISABLE_TELEMETRY=1 $(BIN)/dg dev --host 127.0.0.1 --port 3000

clean:
	rm -rf $(VENV) .dagster outputs .pytest_cache .ruff_cache test-artifacts
