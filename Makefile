# renkei — every task a newcomer or CI runs. Each target makes the virtual environment first if needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DATA_DIR ?= var
PYTEST_WORKERS ?= 2
SCREENSHOTS ?= build/screenshots

.DEFAULT_GOAL := help
.PHONY: help demo test pytest lint format bench bench-smoke db-upgrade clean

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP) ## Set up the national side and two municipalities in ./var and serve the web UI
	$(BIN)/renkei demo --data-dir $(DATA_DIR)

test: lint pytest ## Everything the project checks: lint, types, import layers, the test suite

pytest: $(STAMP) ## The test suite (RENKEI_TEST_DATABASE_URL=postgresql+psycopg://… to run it on PostgreSQL)
	RENKEI_SCREENSHOTS=$(SCREENSHOTS) $(BIN)/pytest -n $(PYTEST_WORKERS) --cov --cov-report=term:skip-covered --cov-fail-under=80 $(PYTEST_ARGS)

lint: $(STAMP) ## ruff, mypy --strict, import-linter
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP) ## Apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

bench: $(STAMP) ## Benchmarks at full size, on SQLite and (if reachable) PostgreSQL; prints ratios to baselines
	$(BIN)/python -m benchmarks

bench-smoke: $(STAMP) ## The benchmarks on small sizes (CI runs this)
	$(BIN)/python -m benchmarks --smoke

db-upgrade: $(STAMP) ## Migrate every node database under $(DATA_DIR) to the latest schema
	$(BIN)/renkei db upgrade --data-dir $(DATA_DIR)

clean: ## Remove the virtual environment and the demo data
	rm -rf $(VENV) $(DATA_DIR) .mypy_cache .ruff_cache .pytest_cache
