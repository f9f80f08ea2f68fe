# Zicht developer commands. `make help` lists them; README.md explains them.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PIP := $(PY) -m pip --disable-pip-version-check
NODES ?= 10
ONLY ?=

# The install stamp is named after the content of requirements.lock and pyproject.toml, so a
# change to either triggers a reinstall and a mere newer mtime (after a git checkout) does not.
INSTALL_KEY := $(shell cat requirements.lock pyproject.toml 2>/dev/null | sha256sum | cut -c1-16)
STAMP := $(VENV)/.installed-$(INSTALL_KEY)

# Settings for commands that load Django outside pytest (pytest reads pyproject.toml).
TEST_ENV := env -u DATABASE_URL DJANGO_SETTINGS_MODULE=zicht.settings_test

# Shell helpers for `make test`, prepended to its recipe lines:
#   timed NAME CMD...  run CMD under a header and report its duration when it passes
#   pytest_run ARGS... run pytest; exit code 5 ("no tests collected") counts as a pass, so
#                      a stage whose tests do not exist yet does not fail the build
#   pytest_sqlite      pytest_run with DATABASE_URL unset: each test database is SQLite
#   pytest_postgres    pytest_run against DATABASE_URL, or else a throwaway cluster under
#                      var/pgtest that it starts and stops (zicht.devtools.pgcluster)
HELPERS := \
  timed() { \
    local name="$$1" t0="$$EPOCHREALTIME" us; shift; \
    printf '\n==> %s\n' "$$name"; "$$@"; \
    us=$$(( $${EPOCHREALTIME//[.,]/} - $${t0//[.,]/} )); \
    printf '==> %s: passed in %d.%ds\n' "$$name" $$((us / 1000000)) $$((us / 100000 % 10)); \
  }; \
  pytest_run() { \
    local rc=0; $(BIN)/pytest "$$@" || rc=$$?; \
    if [ "$$rc" -eq 5 ]; then return 0; fi; return "$$rc"; \
  }; \
  pytest_sqlite() { (unset DATABASE_URL; pytest_run "$$@"); }; \
  pytest_postgres() { \
    local url="$${DATABASE_URL:-}" rc=0 own=""; \
    if [ -z "$$url" ]; then \
      trap '$(PY) -m zicht.devtools.pgcluster stop' EXIT; \
      url=$$($(PY) -m zicht.devtools.pgcluster start); own=1; \
    fi; \
    echo "DATABASE_URL=$$url"; \
    DATABASE_URL="$$url" pytest_run -m "not browser" || rc=$$?; \
    if [ -n "$$own" ]; then $(PY) -m zicht.devtools.pgcluster stop; fi; \
    return "$$rc"; \
  };

.PHONY: help install demo test lint format bench lock clean

help:
	@echo "make demo [NODES=10]  install, then start the hub and NODES regional nodes"
	@echo "make test             every check: lint, types, migrations, pytest (SQLite,"
	@echo "                      PostgreSQL, Chromium); ends with pytest's summary line"
	@echo "make install          create .venv and install the locked dependencies"
	@echo "make lint             ruff, ruff format --check, mypy"
	@echo "make format           ruff format and ruff's safe fixes"
	@echo "make bench [ONLY=x]   run benchmarks/bench_*.py (or only x, e.g. ONLY=ui-latency)"
	@echo "make lock             re-resolve pyproject.toml into requirements.lock"
	@echo "make clean            remove caches, build output and var/ (keeps .venv)"

install: $(STAMP)

$(STAMP):
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (looked for python3.11, python3)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
	  || { echo "$(PYTHON) is not Python 3.11; run make PYTHON=/path/to/python3.11"; exit 1; }
	@$(PY) -c '' 2>/dev/null || { echo "Creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv --clear $(VENV); }
	$(PIP) install --progress-bar off -r requirements.lock
	$(PIP) install --progress-bar off --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

demo: install
	$(PY) -m zicht.devtools.demo --nodes $(NODES)

# Stages run in order and stop at the first failure. The browser stage is last and prints
# nothing after pytest, so the final line of the output is pytest's summary line (which
# carries that stage's duration).
test: install
	@$(HELPERS) timed "ruff check" $(BIN)/ruff check .
	@$(HELPERS) timed "ruff format --check" $(BIN)/ruff format --check .
	@$(HELPERS) timed "mypy" $(BIN)/mypy src
	@$(HELPERS) timed "makemigrations --check" \
	  $(TEST_ENV) $(BIN)/zicht makemigrations --check --dry-run
	@$(HELPERS) timed "pytest on SQLite (all but browser)" pytest_sqlite -m "not browser"
	@$(HELPERS) timed "pytest on PostgreSQL (all but browser)" pytest_postgres
	@chromium=$$($(PY) -m zicht.devtools.chromium ensure); \
	  printf '\n==> pytest -m browser (%s; duration in the summary line)\n' "$$chromium"; \
	  $(HELPERS) ZICHT_CHROMIUM="$$chromium" pytest_sqlite -m browser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy src

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(PY) benchmarks/run.py $(ONLY)

# Resolve the direct dependencies afresh in a scratch virtualenv and pin the whole tree.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip --disable-pip-version-check install -q --upgrade pip
	.venv-lock/bin/python -m pip --disable-pip-version-check install -q -e '.[dev]'
	{ sed -n '/^#/p' requirements.lock; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .venv-lock
	@echo "requirements.lock updated; review with git diff, then make install"

clean:
	-@test -x $(PY) && $(PY) -m zicht.devtools.pgcluster stop 2>/dev/null || true
	rm -rf var build dist .venv-lock src/*.egg-info .mypy_cache .ruff_cache .hypothesis .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
