# Rete - two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Migrations and maintenance commands connect as the schema owner; the web app never does.
export FLASK_APP := portal:create_owner_app

.PHONY: run test test-sqlite test-postgresql test-browser bench bench-load install install-test assets i18n lint audit clean

run: install assets i18n
	$(BIN)/flask db upgrade heads
	$(BIN)/flask rete seed-demo
	@$(BIN)/python -m portal.seed.logins $(HOST):$(PORT)
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) wsgi:app

# Installs Debian's Chromium first when it can (root with apt-get); whatever is still missing is a skip,
# named with its install command in the last line.
test: install-test assets i18n
	@bash scripts/test_prereqs.sh install
	@status=0; BIN=$(BIN) bash scripts/run_suites.sh || status=1; \
	bash scripts/test_prereqs.sh report; \
	exit $$status

test-sqlite: install-test assets i18n
	RETE_TEST_DB=sqlite $(BIN)/pytest $(ARGS)

test-postgresql: install-test assets i18n
	RETE_TEST_DB=postgresql $(BIN)/pytest $(ARGS)

# Benchmarks (not part of `make test`): both databases, realistic and large scale. Data sets are kept in
# instance/bench-*.sqlite and rete_bench_* databases for re-runs; add ARGS=--fresh to rebuild them.
bench: install-test assets i18n
	@for db in sqlite postgresql; do for scale in realistic large; do \
	  $(BIN)/python -m tests.bench --db $$db --scale $$scale $(ARGS) || exit 1; \
	  $(BIN)/python -m tests.bench.monitoring --db $$db --scale $$scale || exit 1; \
	  $(BIN)/python -m tests.bench.alerts --db $$db --scale $$scale $(ARGS) || exit 1; done; \
	  for scale in small large; do $(BIN)/python -m tests.bench.budget --db $$db --scale $$scale $(ARGS) || exit 1; done; done
	$(BIN)/python -m tests.bench.forum $(ARGS)  # PostgreSQL only (tsvector search)
	$(BIN)/python -m tests.bench.compare $(ARGS)  # against a bare page, with wrk (PostgreSQL only)

# Load scenario (locust, not part of `make test`): mixed demo roles and a cross-tenant checker against gunicorn
# (2 workers) on PostgreSQL as the app role. LOAD_USERS, LOAD_DURATION (seconds) to change the defaults.
LOAD_USERS ?= 50
LOAD_DURATION ?= 600
bench-load: install-test assets i18n
	@$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python -m tests.bench.load --users $(LOAD_USERS) --duration $(LOAD_DURATION) $(ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip setuptools wheel

$(VENV)/.installed: $(BIN)/python setup.cfg
	$(BIN)/pip install -q -e .
	@touch $@

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/vendor/.stamp: node_modules/.package-lock.json scripts/vendor.sh
	bash scripts/vendor.sh
	@touch $@

# Content-hashed, precompressed copies (gzip, brotli) of everything under static/, served by WhiteNoise.
STATIC_SOURCES := $(shell find static -path static/dist -prune -o -path static/vendor -prune -o -type f -print)
static/dist/manifest.json: static/vendor/.stamp scripts/build_assets.py $(STATIC_SOURCES) $(VENV)/.installed
	$(BIN)/python scripts/build_assets.py

assets: static/dist/manifest.json

i18n: $(BIN)/python
	@$(BIN)/pybabel compile -d portal/translations > /dev/null  # fails on a broken catalogue

lint: install-test audit
	$(BIN)/ruff check portal tests scripts
	$(BIN)/python -m tests.publiccode_check  # publiccode.yml against tests/publiccode_schema.json

# Known vulnerabilities in the Python packages (pip-audit, PyPI's data) and the vendored npm packages
# (npm audit). Fails on a finding; packages it could not check are named (a failure with AUDIT_STRICT=1).
audit: install-test
	$(BIN)/python scripts/audit_deps.py

clean:
	rm -rf $(VENV) node_modules static/vendor static/dist instance/*.sqlite
