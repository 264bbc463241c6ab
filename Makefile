# Kaigong: `make demo` serves the demo city on http://127.0.0.1:8000; `make test` runs every test, lint and check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
PYTEST_ARGS ?= -n 2

.PHONY: install demo serve test lint bench bench-load messages clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# Install, migrate, load the demo city (idempotent), then serve with gunicorn + whitenoise, DEBUG off,
# with the background-task worker (large ledger imports) beside it; KAIGONG_DEMO=1 lets the demo users keep the published
# demo password (elsewhere a login with it must change it first).
demo: install
	$(BIN)/kaigong migrate --noinput
	$(BIN)/kaigong collectstatic --noinput -v0
	$(BIN)/kaigong load-demo --host '$(HOST)' --port '$(PORT)'
	KAIGONG_DEMO=1 $(MAKE) --no-print-directory serve

# gunicorn in front; beside it the task worker (uploads a dead worker left behind are failed first, so they can be
# retried) and a daily refresh of the approval clocks, lights and plan forecasts, and of the monthly cycle (reminders
# before the close, the last closed month's lights, this month's lights).
serve:
	@$(BIN)/kaigong ledger-imports recover --assume-dead >/dev/null; \
	$(BIN)/kaigong db_worker --queue-name '*' & worker=$$!; \
	( while true; do $(BIN)/kaigong approvals refresh >/dev/null; $(BIN)/kaigong approvals forecast >/dev/null; \
		$(BIN)/kaigong progress remind >/dev/null; $(BIN)/kaigong progress close >/dev/null; \
		$(BIN)/kaigong progress refresh >/dev/null; sleep 86400; done ) & daily=$$!; \
	trap 'kill $$worker $$daily 2>/dev/null' EXIT INT TERM; \
	echo "Kaigong 开工: http://$(HOST):$(PORT)/  (Ctrl-C stops)"; \
	DEBUG=0 $(BIN)/gunicorn kaigong.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--access-logfile - --timeout 120

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# pytest runs every test, Schemathesis over the API included (kaigong/core/tests/test_schemathesis.py: every operation
# as the administrator and as an enterprise user, about a minute of CPU; KAIGONG_SCHEMATHESIS_EXAMPLES=N for more).
test: install lint
	$(BIN)/lint-imports --no-cache
	$(BIN)/kaigong check
	$(BIN)/kaigong makemigrations --check --dry-run
	@set +e; $(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest: no tests were collected for this selection"; exit 0; fi; exit $$rc

# Issue 2 (list page, API, export, import) on both databases, then issue 3 (checklists at 100k projects / 2.4M
# items on both databases, and one plan's critical path). Long: about an hour on a 2-core machine.
bench: install
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.approvals --db postgres
	$(BIN)/python -m bench.approvals --db sqlite
	$(BIN)/python -m bench.plan

# Issue 10 §15: 50 users for two minutes against gunicorn and a worker on the demo city at 100k projects, one ledger
# import running; DB=sqlite or DB=postgres. Results appended to bench/RESULTS.md with --record.
DB ?= sqlite
bench-load: install
	$(BIN)/python -m bench.load --db $(DB)

messages: install
	cd kaigong && ../$(BIN)/kaigong makemessages -l en --ignore='static/*' && ../$(BIN)/kaigong compilemessages

clean:
	rm -rf $(VENV) var build *.egg-info
