# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install lint test test-faults demo demo-reset bench browser-deps clean mutation

$(STAMP): pyproject.toml constraints.txt
	@echo "==> creating virtualenv in $(VENV) and installing (pinned by constraints.txt)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "==> installing Debian chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "WARNING: could not install chromium"; \
	  else echo "WARNING: chromium missing and not root: browser tests will fail"; fi; }

test: install lint browser-deps
	$(PY) scripts/run_tests.py -m "not slow_faults" $(PYTEST_ARGS)

# Fault-injection scenarios that take over two minutes each (docs/reliability.md); the shorter
# ones run in `make test`.
test-faults: install
	$(PY) scripts/run_tests.py -m slow_faults tests/faults $(PYTEST_ARGS)

demo: install
	$(PY) scripts/demo.py

# Start the demo over (stop `make demo` first): a fresh database and clock; the venv stays.
demo-reset: install
	DJANGO_SETTINGS_MODULE=config.settings.local DEMO_PASSWORD=$${DEMO_PASSWORD:-followup-demo} \
	  $(PY) manage.py demo_reset --patients $${DEMO_PATIENTS:-40}

# Benchmarks (issue 8; not part of `make test`): own PostgreSQL + Redis, ~20 min on 2 cores.
# Prints each figure beside its baseline and writes bench/results/latest.json.
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = "0" ] && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null); } \
	  || { echo "make bench needs wrk (apt-get install wrk)"; exit 1; }
	$(PY) bench/run.py $(BENCH_ARGS)

# Mutation testing of the pure safety modules (issue 21 item 8; not part of `make test`, ~15-30 min
# on 2 cores). Config in pyproject.toml [tool.mutmut]; results in docs/mutation.md. The selected
# tests touch no database, so a throwaway SQLite URL satisfies the settings.
mutation: install
	$(PY) -m pip install --quiet -c constraints.txt -e ".[mutation]"
	rm -rf mutants
	@# mutmut mutates functions only; the word tables are checked entry by entry by this script.
	DATABASE_URL=sqlite:///$(CURDIR)/var/mutation.sqlite3 $(PY) scripts/vocabulary_mutants.py
	DATABASE_URL=sqlite:///$(CURDIR)/var/mutation.sqlite3 $(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results

clean:
	rm -rf $(VENV) var
