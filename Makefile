# Inference Ledger: `make demo` runs the pipeline on a built-in scenario, `make test` runs every test.
# Both create .venv and install into it when missing, so on a fresh clone each is the only command.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SYSTEM_STAMP := $(VENV)/.system-deps
LEDGER_HOME ?= .ledger

.PHONY: help setup demo dev test lint format bench soak clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e '.[dev]'
	touch $(STAMP)

$(SYSTEM_STAMP): scripts/install_system_deps.sh
	bash scripts/install_system_deps.sh
	@mkdir -p $(VENV) && touch $(SYSTEM_STAMP)

setup: $(STAMP) $(SYSTEM_STAMP)  ## create .venv, install the package and the servers tests need

demo: $(STAMP)  ## generate the undo-margin-killer scenario and run the whole pipeline
	LEDGER_HOME=$(LEDGER_HOME) $(BIN)/ledger demo

dev: $(STAMP)  ## the Dagster UI on http://127.0.0.1:3000 (whole asset graph, schedule, sensors)
	LEDGER_HOME=$(LEDGER_HOME) $(BIN)/ledger ui

lint: $(STAMP)  ## ruff
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)  ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: setup lint  ## lint, then every test
	$(BIN)/pytest -q

soak: $(STAMP)  ## long reliability runs: more fuzz examples, SIGKILL seeds, low-memory pipeline
	LEDGER_SOAK=1 $(BIN)/pytest -q -m soak tests/reliability
	LEDGER_SOAK=1 $(BIN)/pytest -q tests/reliability

bench: $(STAMP)  ## pipeline vs hand-written DuckDB, PostgreSQL, pandas (docs/benchmarks.md)
	$(BIN)/python -m bench compare

clean:  ## remove generated data and caches (keeps .venv)
	rm -rf $(LEDGER_HOME) dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
