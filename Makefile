# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON_VERSION ?= 3.12
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# `make test CLOCK="2027-03-13 23:40 America/Chicago"`: the suites run with the clock started
# at that moment (zone optional, UTC by default), for every process they start (bin/with-clock:
# time-machine in Python processes, libfaketime in Chromium).
CLOCK ?=
WITH_CLOCK := $(if $(strip $(CLOCK)),bin/with-clock "$(CLOCK)",)
WORKERS ?= 1

.PHONY: install demo serve worker test test-fast test-browser schemathesis lint messages clean

$(VENV)/.installed: pyproject.toml
	python$(PYTHON_VERSION) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(PY) manage.py seed_transport
	@mkdir -p staticfiles  # whitenoise serves from the app folders in development; it wants the folder
	@echo "Starting the task worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@trap 'kill 0' INT TERM EXIT; \
	  SITE_URL=http://$(HOST):$(PORT) $(PY) manage.py run_periodic & \
	  SITE_URL=http://$(HOST):$(PORT) $(PY) manage.py db_worker & \
	  $(VENV)/bin/daphne -b $(HOST) -p $(PORT) scheduler.asgi:application

# WORKERS=N: N daphne processes sharing one port (scheduler/serve.py); one per core.
serve: install
	@mkdir -p staticfiles
	$(PY) -m scheduler.serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

worker: install
	$(PY) manage.py db_worker

# The fast suite and the browser suite run apart: Playwright's event loop and the
# async tests clash in one pytest run.
test: install
	$(WITH_CLOCK) $(PY) -m pytest -m "not browser"
	$(WITH_CLOCK) $(PY) -m pytest -m browser

test-fast: install
	$(WITH_CLOCK) $(PY) -m pytest -m "not browser" -x

test-browser: install
	$(WITH_CLOCK) $(PY) -m pytest -m browser

# Schemathesis over the whole API, as every persona, against a live seeded server.
schemathesis: install
	$(PY) .ci/schemathesis.py

# ruff, and DESIGN.md's import directions (import-linter, contracts in pyproject.toml).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	@# Every Spanish plural has the catalogue's three forms, every %(name)s kept (msgfmt -c).
	@for po in $$(find . -path ./.venv -prune -o -name django.po -print); do \
	  msgfmt -c -o /dev/null $$po 2>&1 | grep -v "initial default value" >&2; \
	  msgfmt -c -o /dev/null $$po 2>/dev/null || exit 1; done

messages: install
	$(PY) manage.py makemessages -l es --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
