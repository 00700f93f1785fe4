# tracker: the two quickstart commands are `make demo` and `make test`.
# Both create .venv and install what they need; `make test` also installs the system parts
# the browser and PostGIS tests need (Debian chromium, postgresql-15 + postgis) when it can.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint pytest sysdeps bench bench-long clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

sysdeps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check tracker tests bench scripts
	$(BIN)/ruff format --check tracker tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: $(STAMP) sysdeps lint pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-long: $(STAMP)
	$(BIN)/python -m bench --long $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache maps/*.html
