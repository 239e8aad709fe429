# kyso: two commands on a fresh Debian machine: `make demo` and `make test`.
# Each one bootstraps what it needs: Debian packages (only when missing), a .venv, pip install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kyso-installed

.PHONY: demo test lint bench system-deps clean

demo: system-deps $(STAMP)
	$(BIN)/kyso demo

# The suite spread over the machine's cores (pytest-xdist). loadfile keeps a test file on one
# worker, so a module's fixtures (a testbed, a conformance run) are built once, not once per
# worker; the longest files start first (tests/conftest.py LONGEST_FIRST: xdist would otherwise
# order files by their number of tests); PYTEST_WORKERS=0 runs it in pytest's own process,
# PYTEST_WORKERS=N on N workers.
PYTEST_WORKERS ?= auto
test: system-deps $(STAMP)
	$(BIN)/ruff check testbed conformance scenarios reports pdffonts emulators bilingual tests bench
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder

lint: $(STAMP)
	$(BIN)/ruff check testbed conformance scenarios reports pdffonts emulators bilingual tests bench

bench: system-deps $(STAMP)
	$(BIN)/python -m bench.run_all

system-deps:
	@tools/system-deps.sh

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
	  echo "kyso: '$(PYTHON) -m venv' failed: install python3-venv (apt-get install -y python3-venv)" >&2; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
