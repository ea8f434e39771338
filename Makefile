# The README's commands. Every step a machine needs is here or in .ci/run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/yiwang
TEST_DATA_DIR := .yiwang-test

.PHONY: demo test test-sqlite test-postgres lint bench messages clean install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[test,bench]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed messages
install-test: $(VENV)/.installed-test messages

## Compile the gettext catalogues (pure Python, no system gettext needed).
messages: $(VENV)/.installed
	$(BIN)/python -m yiwang.core.messages

## Install, migrate, load the demo world and serve it on 127.0.0.1:8000.
demo: install
	$(BIN)/yiwang demo

## Install the test extras and run the whole suite on SQLite, then on PostgreSQL.
test: install-test
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite:
	@echo "== test suite on SQLite =="
	rm -rf $(TEST_DATA_DIR)
	YIWANG_DATA_DIR=$(TEST_DATA_DIR) YIWANG_DATABASE_URL= $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL =="
	@if $(BIN)/python -m yiwang.core.pgcheck "$(PG_URL)"; then \
	  rm -rf $(TEST_DATA_DIR); \
	  YIWANG_DATA_DIR=$(TEST_DATA_DIR) YIWANG_DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q $(PYTEST_ARGS); \
	elif [ -n "$$CI" ]; then \
	  echo "CI is set and PostgreSQL is not reachable at $(PG_URL): failing"; exit 1; \
	else \
	  echo "SKIPPED: the PostgreSQL pass, because no PostgreSQL answers at $(PG_URL)."; \
	  echo "         Set PG_URL=postgres://user@host:port/name to run it."; \
	fi

lint: install-test
	$(BIN)/ruff format --check src bench conftest.py
	$(BIN)/ruff check src bench conftest.py
	$(BIN)/mypy
	$(BIN)/yiwang manage makemigrations --check --dry-run

bench: install-test
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) $(TEST_DATA_DIR) build *.egg-info
