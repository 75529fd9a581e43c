# Two commands from a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
STATION ?= PACK-1
# Test processes: most of the suite waits on databases, processes and pseudo-terminals.
JOBS ?= 2

.PHONY: demo test test-unit lint bench i18n clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	@echo "The commands of the README: . $(VENV)/bin/activate puts warehouse-tui on your PATH."
	$(BIN)/warehouse-tui demo --station $(STATION)

test: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(JOBS) $(PYTEST_ARGS)

# The database-free tests (domain, parsers, routing, widgets, translations): seconds, no server.
test-unit: $(TEST_STAMP)
	$(BIN)/python -m pytest -q tests/unit $(PYTEST_ARGS)

bench: $(TEST_STAMP)
	$(BIN)/python -m bench

i18n: $(TEST_STAMP)
	$(BIN)/pybabel extract -w 100 -F babel.cfg -k N_ -k ngettext:1,2 -o src/warehouse_tui/locale/warehouse_tui.pot src
	$(BIN)/pybabel update -w 100 -i src/warehouse_tui/locale/warehouse_tui.pot -d src/warehouse_tui/locale -D warehouse_tui
	$(BIN)/pybabel compile -d src/warehouse_tui/locale -D warehouse_tui

clean:
	rm -rf $(VENV) .pytest_cache
