# Hotline: two commands.
#   make run   install, create the SQLite database (and, on the first run, demo data), serve http://127.0.0.1:8000
#   make test  install the test dependencies (Chromium, Khmer fonts) and run every test
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
PORT ?= 8000
APT_RUN := gettext tesseract-ocr tesseract-ocr-eng tesseract-ocr-khm
APT_TEST := gettext chromium fonts-khmeros fonts-noto-core tesseract-ocr tesseract-ocr-eng tesseract-ocr-khm

.PHONY: run test install install-test system-run system-test messages lint eval bench postgres-test

run: install
	hotline serve --port $(PORT) $$(test -e "$${HOTLINE_DATA_DIR:-var}/hotline.sqlite3" || echo --demo)

test: install-test
	$(PYTHON) -m pytest

install: system-run
	$(PIP) install -q -e '.[postgres]'
	$(MAKE) -s messages

install-test: system-test
	$(PIP) install -q -e '.[test,postgres]'
	$(MAKE) -s messages

# Debian packages, installed only when missing (apt-get needs root, as on the project's machines).
system-run:
	@missing=$$(for p in $(APT_RUN); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

system-test:
	@missing=$$(for p in $(APT_TEST); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

# Compile every app's Khmer translations (.po -> .mo); .mo files are build products, not committed.
messages:
	cd hotline/web && DJANGO_SETTINGS_MODULE=hotline.web.settings.test $(PYTHON) -m django compilemessages -v 0

lint:
	ruff check hotline tests bench
	mypy --strict hotline/detect

eval: install
	hotline eval

bench: install
	$(PIP) install -q -e '.[bench]'
	$(PYTHON) bench/bench_analyze.py
	$(PYTHON) bench/bench_personal_info.py
	$(PYTHON) bench/bench_media.py
	$(PYTHON) bench/bench_html_exports.py
	$(PYTHON) bench/bench_screenshots.py
