# OwnPhotos: `make run PHOTOS=/some/folder` serves a library; `make test` runs the suite.
PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PHOTOS ?= $(CURDIR)/data/photos
export OWNPHOTOS_DATA ?= $(CURDIR)/data
APT_PACKAGES := libimage-exiftool-perl ffmpeg libvips42
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/ownphotos
REDIS_TEST_URL ?= redis://127.0.0.1:6379/14
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-packages run test test-sqlite test-postgres test-schema lint bench clean

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

install: $(VENV)/.installed

run: install
	mkdir -p "$(PHOTOS)"
	OWNPHOTOS_LIBRARY_ROOTS="$(abspath $(PHOTOS))" $(PY) manage.py migrate --no-input
	OWNPHOTOS_LIBRARY_ROOTS="$(abspath $(PHOTOS))" $(PY) manage.py bootstrap_admin --library "$(abspath $(PHOTOS))"
	OWNPHOTOS_LIBRARY_ROOTS="$(abspath $(PHOTOS))" $(PY) manage.py serve --scan

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install lint test-sqlite test-postgres test-schema

test-sqlite: install
	env -u DATABASE_URL CELERY_BROKER_URL=$(REDIS_TEST_URL) $(PY) -m pytest

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) CELERY_BROKER_URL=$(REDIS_TEST_URL) $(PY) -m pytest

# Schemathesis over the whole API against a live server, once (not per database): < 3 min.
test-schema: install
	env -u DATABASE_URL CELERY_BROKER_URL=$(REDIS_TEST_URL) $(PY) -m pytest -m schemathesis tests/test_schemathesis.py

bench: install
	$(PY) bench/ingest.py
	$(PY) bench/organise.py

clean:
	rm -rf $(VENV) .pytest_cache
