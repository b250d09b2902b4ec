# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEV_STAMP := $(VENV)/.dev-installed
RUN_STAMP := $(VENV)/.run-installed

.PHONY: run test install install-dev lint migrate seed worker bench bench-scripts clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUN_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(RUN_STAMP)

install: $(RUN_STAMP)
install-dev: $(DEV_STAMP)

# Set up and serve the app with demo data on SQLite, with the task worker
# alongside, restarted if it ever exits (both stopped when the server stops).
run: export DJANGO_DEBUG ?= 1
run: $(RUN_STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py compilemessages --ignore=.venv -v0 || true
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (worker running alongside; Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	  while true; do $(PY) manage.py task_worker --queue-name '*' --no-reload; \
	    echo "task worker exited ($$?); restarting in 2 s"; sleep 2; done & \
	  $(PY) manage.py runserver 127.0.0.1:8000

# Set up and run the whole suite: migrations check, lint, the layering
# contracts (.importlinter), types of the engine, pytest.
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-not-for-production
test: export DJANGO_DEBUG ?= 0
# Test processes (pytest-xdist), each with its own database: many tests wait on
# the browser or a subprocess, so 4 fit on 2 cores. `make test TEST_WORKERS=0`
# runs in one process.
TEST_WORKERS ?= 4
test: $(DEV_STAMP)
	$(PY) manage.py makemigrations --check --dry-run --no-input -v1
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) -m mypy screening/engine
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal

# The task worker alone, under the same restart loop as `make run`.
worker: $(RUN_STAMP)
	while true; do $(PY) manage.py task_worker --queue-name '*'; \
	  echo "task worker exited ($$?); restarting in 2 s"; sleep 2; done

# Every page and job at 1,000 and 120,000 intakes (PostgreSQL; see bench/README.md).
bench: $(DEV_STAMP)
	$(PY) bench/run.py

# The earlier single-purpose scripts (engine, screening, review queue, re-screen).
bench-scripts: $(DEV_STAMP)
	for f in bench/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
