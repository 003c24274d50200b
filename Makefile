# Hotline: two commands.
#   make run   install, create the SQLite database (and, on the first run, demo data), serve http://127.0.0.1:8000
#   make test  install the test dependencies (Chromium, Khmer fonts) and run every test
# Everything installs into a virtual environment ($(VENV)), made from any Python >= 3.11 ($(PYTHON));
# Debian's own python3 refuses `pip install` outside one (PEP 668). Versions come from requirements.lock
# (`make lock` regenerates it after a dependency is added to pyproject.toml).
PYTHON ?= python3
VENV ?= .venv
VPY := $(VENV)/bin/python
PIP := $(VPY) -m pip
LOCK := requirements.lock
PORT ?= 8000
# What compiles the engine's hot modules at install (setup.py, mypyc): a C compiler and Python's headers.
# Without them, or with HOTLINE_PURE_PYTHON=1, the engine installs as plain Python (slower, same results).
APT_BUILD = $(if $(filter 1,$(HOTLINE_PURE_PYTHON)),,gcc $(shell $(PYTHON) -c 'import os, sys, sysconfig; \
  os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")) or print(f"python{sys.version_info[0]}.{sys.version_info[1]}-dev")' 2>/dev/null))
APT_RUN := gettext tesseract-ocr tesseract-ocr-eng tesseract-ocr-khm $(APT_BUILD)
APT_TEST := gettext chromium fonts-khmeros fonts-noto-core tesseract-ocr tesseract-ocr-eng tesseract-ocr-khm $(APT_BUILD)
ENGINE_STATUS := $(VPY) -c 'from hotline.detect.compilation import status; print("hotline:", status())'

.PHONY: run test install install-test system-run system-test venv lock messages lint eval bench postgres-test

run: install
	$(VENV)/bin/hotline serve --port $(PORT) $$(test -e "$${HOTLINE_DATA_DIR:-var}/hotline.sqlite3" || echo --demo)

test: install-test
	$(VPY) -m pytest

install: system-run venv
	$(PIP) install -q -c $(LOCK) -e '.[postgres]'
	@$(ENGINE_STATUS)
	@$(VPY) .ci/check_lock.py --warn
	$(MAKE) -s messages

install-test: system-test venv
	$(PIP) install -q -c $(LOCK) -e '.[test,postgres]'
	@$(ENGINE_STATUS)
	@$(VPY) .ci/check_lock.py --warn
	$(MAKE) -s messages

# The virtual environment; python3-venv (Debian's ensurepip) is installed with apt when missing.
venv:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Hotline needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1). Try: make $(MAKECMDGOALS) PYTHON=python3.11" >&2; exit 1; }
	@if [ ! -x $(VENV)/bin/pip ]; then \
	  rm -rf $(VENV); \
	  if ! $(PYTHON) -m venv $(VENV) >/dev/null 2>&1; then \
	    rm -rf $(VENV); v=$$($(PYTHON) -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")'); \
	    apt-get update -qq && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python$$v-venv || \
	                            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; }; \
	    $(PYTHON) -m venv $(VENV); \
	  fi; \
	  $(PIP) install -q --upgrade pip; \
	fi

# Pin every dependency (all extras but nudity) for Python 3.11 and newer, keeping current pins where they fit.
lock: venv
	$(PIP) install -q uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra postgres --extra bench --universal \
	  --python-version 3.11 -q -o $(LOCK)

# Debian packages, installed only when missing (apt-get needs root, as on the project's machines).
system-run:
	@missing=$$(for p in $(APT_RUN); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

system-test:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# Compile every app's Khmer translations (.po -> .mo); .mo files are build products, not committed.
messages:
	cd hotline/web && DJANGO_SETTINGS_MODULE=hotline.web.settings.test $(abspath $(VPY)) -m django compilemessages -v 0

lint:
	$(VENV)/bin/ruff check hotline tests bench
	$(VENV)/bin/mypy --strict hotline/detect

eval: install
	$(VENV)/bin/hotline eval

bench: install
	$(PIP) install -q -c $(LOCK) -e '.[bench]'
	$(VPY) bench/bench_analyze.py
	$(VPY) bench/bench_personal_info.py
	$(VPY) bench/bench_media.py
	$(VPY) bench/bench_html_exports.py
	$(VPY) bench/bench_screenshots.py
