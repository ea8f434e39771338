# The README's commands. Every step a machine needs is here or in .ci/run.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/yiwang
TEST_DATA_DIR := .yiwang-test
# Each test pass flushes its own Redis database (sites use database 0).
SQLITE_REDIS_URL ?= redis://127.0.0.1:6379/15
PG_REDIS_URL ?= redis://127.0.0.1:6379/14
# axe-core (accessibility) in the PostgreSQL pass; `make test` checks it in the SQLite pass only.
PG_AXE ?= on

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

## Install, migrate, load the demo world and serve it on 127.0.0.1:$(PORT) (make demo PORT=8001).
PORT ?= 8000
demo: install
	$(BIN)/yiwang demo --port $(PORT)

## Install the test extras and run the whole suite on SQLite and on PostgreSQL. The two passes
## run side by side, each on its own data directory and Redis database; the SQLite pass prints
## as it goes, then the PostgreSQL pass's output follows (live, if it is still running).
## TEST_PASSES=serial runs one after the other instead. Pages are checked with axe-core in the
## SQLite pass; the PostgreSQL pass opens the same pages without checking them again (ADR 18).
test: install-test
ifeq ($(TEST_PASSES),serial)
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres PG_AXE=off
else
	@mkdir -p $(TEST_DATA_DIR)
	@$(MAKE) --no-print-directory test-postgres PG_AXE=off > $(TEST_DATA_DIR)/postgres.log 2>&1 & pg=$$!; \
	$(MAKE) --no-print-directory test-sqlite; sqlite=$$?; \
	echo; tail -n +1 -f --pid=$$pg $(TEST_DATA_DIR)/postgres.log; \
	wait $$pg; postgres=$$?; \
	echo; echo "== SQLite pass: $$([ $$sqlite = 0 ] && echo passed || echo FAILED);" \
	  "PostgreSQL pass: $$([ $$postgres = 0 ] && echo passed || echo FAILED) =="; \
	[ $$sqlite = 0 ] && [ $$postgres = 0 ]
endif

test-sqlite:
	@echo "== test suite on SQLite =="
	rm -rf $(TEST_DATA_DIR)/sqlite
	YIWANG_DATA_DIR=$(TEST_DATA_DIR)/sqlite YIWANG_DATABASE_URL= \
	  YIWANG_TEST_REDIS_URL=$(SQLITE_REDIS_URL) $(BIN)/pytest -q $(PYTEST_ARGS)

test-postgres:
	@echo "== test suite on PostgreSQL =="
	@if $(BIN)/python -m yiwang.core.pgcheck "$(PG_URL)"; then \
	  rm -rf $(TEST_DATA_DIR)/postgres; \
	  YIWANG_DATA_DIR=$(TEST_DATA_DIR)/postgres YIWANG_DATABASE_URL="$(PG_URL)" \
	    YIWANG_TEST_REDIS_URL=$(PG_REDIS_URL) YIWANG_TEST_AXE=$(PG_AXE) \
	    $(BIN)/pytest -q $(PYTEST_ARGS); \
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
