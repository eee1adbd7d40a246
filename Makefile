# Panah: two commands. `make run` (demo server + worker) and `make test` (the whole suite).
# Works on a fresh Debian 12 with Python 3.11: installs what is missing, as root or by telling you how.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000

# Debian packages. To run: gettext (compilemessages), Pango/HarfBuzz (WeasyPrint PDFs).
# To test, also: chromium and fonts for the browser tests (Uyghur, Cyrillic and Chinese glyphs in
# screenshots), poppler-utils (PDF checks). venv support is added for Debian's own Python.
RUN_PACKAGES := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-core fonts-noto-cjk
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils
DEBIAN_PACKAGES ?= $(RUN_PACKAGES)

.PHONY: run test system-packages venv migrate messages demo code lint bench clean

system-packages:
	@missing=""; \
	for p in $(DEBIAN_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Missing Debian packages. Run:  sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 (Debian 12: apt-get install python3)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@rm -f $(VENV)/.installed-*; touch $@

venv: system-packages $(STAMP)

messages: venv
	@PANAH_ENV=demo $(PY) manage.py compilemessages --ignore '.venv' -v0

migrate: venv
	PANAH_ENV=demo $(PY) manage.py migrate --noinput -v0
	PANAH_ENV=demo $(PY) manage.py createcachetable

# The second-factor code of a demo account: make code WHO=caseworker (KEY=1 prints its key instead).
code: venv
	@PANAH_ENV=demo $(PY) manage.py demo_code $(WHO) $(if $(KEY),--key)

demo: migrate messages
	PANAH_ENV=demo $(PY) manage.py seed_demo
	PANAH_ENV=demo $(PY) manage.py seed_referrals_demo
	PANAH_ENV=demo $(PY) manage.py setup_schedules

run: demo
	@PANAH_ENV=demo $(PY) manage.py demo_logins
	@echo "Starting the django-q worker and the web server on http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	PANAH_ENV=demo $(PY) manage.py qcluster & \
	PANAH_ENV=demo $(PY) manage.py runserver --noreload --insecure $(HOST):$(PORT)

test: DEBIAN_PACKAGES = $(TEST_PACKAGES)
test: venv messages
	PANAH_ENV=test $(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .

bench: venv
	$(PY) bench/case_list.py $(BENCH_ARGS)

clean:
	rm -rf var test-artifacts
