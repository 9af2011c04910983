# Two commands on a fresh machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install lint test test-faults demo bench browser-deps clean

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

# Debian's Chromium for the browser tests (Playwright cannot download its own here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "==> installing Debian chromium for the browser tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "WARNING: could not install chromium"; \
	  else echo "WARNING: chromium missing and not root: browser tests will fail"; fi; }

test: install lint browser-deps
	$(PY) scripts/run_tests.py $(PYTEST_ARGS)

demo: install
	$(PY) scripts/demo.py

clean:
	rm -rf $(VENV) var
