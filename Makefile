# make run  — serve the demo at http://127.0.0.1:5000 (creates .venv, installs, loads demo data)
# make test — install everything and run the whole suite (browser tests included)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test test-fast lint bench bench-http install translations browser-deps extract-messages update-messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

# One catalog per language, portal/translations/<lang>/LC_MESSAGES/messages.po (Flask-Babel's
# layout). New strings: make update-messages, translate the empty msgstr, make translations.
translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d portal/translations

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || echo "WARNING: could not install chromium; browser tests will be skipped"; }
	@# Signed PDFs: WeasyPrint lays out with pango and the Noto CJK fonts (docs/signing.md).
	@{ ldconfig -p | grep -q libpangoft2-1.0 && fc-list | grep -q "Noto Sans CJK"; } || { \
	  echo "installing Debian's pango and CJK fonts for PDF documents"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fontconfig fonts-noto-cjk >/dev/null) \
	  || echo "WARNING: could not install pango/fonts-noto-cjk; PDF documents will fail"; }

run: install
	mkdir -p instance
	$(BIN)/portal init-db
	$(BIN)/portal demo-data --if-empty
	$(BIN)/portal run --host $(HOST) --port $(PORT)

test: install browser-deps
	$(BIN)/pytest $(PYTEST_ARGS)

# ruff over the whole tree; mypy --strict where the rules live (docs/architecture.md)
STRICT_TYPED := $(wildcard portal/domain portal/register search_index)
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy $(STRICT_TYPED)

test-fast: install
	$(BIN)/pytest -m "not browser and not slow" $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m benchmarks

# the HTTP table (wrk, 100,000 certificates on PostgreSQL, beside a hello app) into docs/performance.md
bench-http: install
	@command -v wrk >/dev/null 2>&1 || { echo "installing Debian's wrk"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || echo "WARNING: could not install wrk; the HTTP benchmark will be skipped"; }
	$(BIN)/python -m benchmarks.bench_wrk --write

# The -k keywords are also portal/i18n_check.py's EXTRA_KEYWORDS (a test checks they agree).
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 --project=portal -o portal/translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --previous --ignore-pot-creation-date

clean:
	rm -rf $(VENV) instance test-artifacts
