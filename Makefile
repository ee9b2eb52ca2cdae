# The two commands a newcomer needs: `make demo` and `make test`.
PYTHON_VERSION ?= 3.12
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

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
	  $(PY) manage.py run_periodic & \
	  $(PY) manage.py db_worker & \
	  $(VENV)/bin/daphne -b $(HOST) -p $(PORT) scheduler.asgi:application

serve: install
	@mkdir -p staticfiles
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) scheduler.asgi:application

worker: install
	$(PY) manage.py db_worker

# The fast suite and the browser suite run apart: Playwright's event loop and the
# async tests clash in one pytest run.
test: install
	$(PY) -m pytest -m "not browser"
	$(PY) -m pytest -m browser

test-fast: install
	$(PY) -m pytest -m "not browser" -x

test-browser: install
	$(PY) -m pytest -m browser

# Schemathesis over the whole API, as every persona, against a live seeded server.
schemathesis: install
	$(PY) .ci/schemathesis.py

lint: install
	$(VENV)/bin/ruff check .

messages: install
	$(PY) manage.py makemessages -l es --ignore '.venv/*' --ignore 'bench/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
