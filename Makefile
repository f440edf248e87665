# Wegwijs — `make help` lists every target.
SHELL := /bin/bash
export PYENV_VERSION ?= 3.10.13
PYTHON ?= python3.10
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MODEL := models/wegwijs.tar.gz
WEB := bot/web
VENDOR := $(WEB)/static/vendor
TRAINING := config.yml domain.yml $(shell find data nlu -name '*.yml' -o -name '*.py' | grep -v __pycache__)
PYBABEL := $(BIN)/pybabel
POT := locales/wegwijs.pot

.DEFAULT_GOAL := help
.PHONY: bench bench-smoke bench-soak content-status content-check help setup run test test-unit test-integration test-e2e test-stories validate eval train \
        i18n-extract i18n-update i18n-compile db web widget lint clean

help: ## list every target
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.10 not found: set PYTHON=/path/to/python3.10"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel "setuptools<81"
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

$(VENDOR)/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the web chat's browser files (apt-get install npm)"; exit 1; }
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/fonts
	cp $(WEB)/node_modules/socket.io-client/dist/socket.io.min.js $(VENDOR)/
	cp $(WEB)/node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/
	for f in noto-sans noto-sans-ethiopic noto-naskh-arabic; do \
	  mkdir -p $(VENDOR)/fonts/$$f/files && \
	  cp $(WEB)/node_modules/@fontsource/$$f/400.css $(VENDOR)/fonts/$$f/ && \
	  cp $(WEB)/node_modules/@fontsource/$$f/files/*-400-normal.woff* $(VENDOR)/fonts/$$f/files/; \
	done
	touch $@

web: $(VENDOR)/.installed ## browser files (socket.io client, htmx, Noto fonts) from npm

# The stock rasa-webchat widget (pinned in tests/e2e/widget/package-lock.json), for the
# browser test that embeds it on another site; node_modules is not in git.
WIDGET := tests/e2e/widget
$(WIDGET)/node_modules/.installed: $(WIDGET)/package.json $(WIDGET)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for the widget test (apt-get install npm)"; exit 1; }
	cd $(WIDGET) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

widget: $(WIDGET)/node_modules/.installed ## the stock rasa-webchat 1.0.1 widget from npm (browser test of another site)

setup: $(VENV)/.installed web i18n-compile db ## virtualenv, dependencies, browser files, catalogs, database (demo data in development)

db: $(VENV)/.installed ## migrate the database; in development load the demo data once (wegwijs seed --demo; never in production)
	$(BIN)/wegwijs db upgrade
	@if [ "$${WEGWIJS_ENV:-development}" = production ]; then echo "production: no demo data"; else $(BIN)/wegwijs seed --demo; fi

i18n-extract: $(VENV)/.installed ## content/responses.yml -> locales/wegwijs.pot
	$(PYBABEL) -q extract -F babel.cfg -o $(POT) --no-location --sort-by-file --no-wrap \
	  --project Wegwijs --copyright-holder "Gemeente Amsterdam" .

i18n-inbox: $(VENV)/.installed ## staff pages (inbox) and notifications -> locales/inbox.pot -> nl/en inbox.po
	$(PYBABEL) -q extract -F babel-inbox.cfg -k N_ -k gettext:2 -o locales/inbox.pot --no-location \
	  --no-wrap --project "Wegwijs inbox" --copyright-holder "Gemeente Amsterdam" .
	$(PYBABEL) update -D inbox -i locales/inbox.pot -d locales -l nl --no-wrap
	$(PYBABEL) update -D inbox -i locales/inbox.pot -d locales -l en --no-wrap

i18n-update: $(VENV)/.installed ## carry new and changed English texts into every catalog (changed = needs review)
	$(BIN)/wegwijs content update

content-status: $(VENV)/.installed ## per locale: translated, missing, needs review (oldest first)
	$(BIN)/wegwijs content status

content-check: $(VENV)/.installed ## every rule answers and catalogs must meet (make test runs it)
	$(BIN)/wegwijs content check

i18n-compile: $(VENV)/.installed ## compile the catalogs (fails on a broken catalog)
	$(PYBABEL) compile -D wegwijs -d locales --statistics
	$(PYBABEL) compile -D inbox -d locales --statistics

# `rasa train` would first validate the domain and data again (about a minute): `make validate`
# does that, and `make test` runs it before training, so the training itself skips it.
$(MODEL): $(VENV)/.installed $(TRAINING)
	$(BIN)/rasa train --skip-validation --fixed-model-name wegwijs --data data nlu --out models
	touch $@

train: $(MODEL) ## train the model when training data, domain or config changed

run: setup $(MODEL) ## set everything up and start Rasa, the action server and the app under supervisord (restarts a crashed one)
	@echo ""
	@echo "  Web chat:  http://$${WEGWIJS_APP_HOST:-127.0.0.1}:$${WEGWIJS_APP_PORT:-8000}/"
	@echo "  Health:    http://$${WEGWIJS_APP_HOST:-127.0.0.1}:$${WEGWIJS_APP_PORT:-8000}/healthz"
	@echo ""
	mkdir -p $${WEGWIJS_RUN_DIR:-var/run}
	WEGWIJS_RUN_DIR=$${WEGWIJS_RUN_DIR:-$(CURDIR)/var/run} exec $(BIN)/supervisord -n -c supervisord.conf

validate: $(VENV)/.installed ## rasa data validate
	$(BIN)/rasa data validate --data data nlu --domain domain.yml --config config.yml

test-unit: setup ## unit tests (no running processes)
	$(BIN)/pytest -q tests/unit

test-integration: setup $(MODEL) ## start the real processes and talk to them
	$(BIN)/pytest -q tests/integration

test-stories: setup $(MODEL) ## Rasa conversation tests (tests/test_stories_*.yml) in every locale
	$(PY) -m tests.run_stories

eval: setup $(MODEL) ## per-locale intent accuracy, macro-F1 and language ID on the held-out split
	$(PY) -m harness.evaluation

test-e2e: setup widget $(MODEL) ## browser tests in headless Chromium (Debian's chromium)
	$(BIN)/pytest -q tests/e2e

# The unit tests need no model: they run while it trains (one core each; on two cores both
# are done sooner than one after the other). The training's output is in results/train.log,
# its last lines and time are printed after the unit tests; coverage of both pytest runs is
# combined.
test: setup widget lint content-check validate ## set up and run every test; coverage per module
	@mkdir -p results && rm -f .coverage .coverage.*
	@echo "training (if the data changed) beside the unit tests: results/train.log"
	@( time $(MAKE) --no-print-directory $(MODEL) ) > results/train.log 2>&1 & training=$$!; \
	$(BIN)/pytest -q --cov --cov-report= tests/unit; unit=$$?; \
	wait $$training; trained=$$?; tail -n 8 results/train.log; \
	if [ $$trained != 0 ]; then echo "training failed: results/train.log"; fi; \
	[ $$unit = 0 ] && [ $$trained = 0 ]
	$(BIN)/pytest -q --cov --cov-append --cov-report=term tests/integration tests/e2e
	$(PY) -m harness.coverage_floor
	$(PY) -m tests.run_stories
	$(PY) -m harness.evaluation
	$(PY) -m bench --smoke

bench: setup $(MODEL) ## measure understanding per locale and serving speed; report in bench/results/
	$(PY) -m bench

bench-smoke: setup $(MODEL) ## the benchmark on a tiny load (make test runs it so it never rots)
	$(PY) -m bench --smoke

bench-soak: setup $(MODEL) ## steady load (SOAK_RATE=20 msg/s for SOAK_SECONDS=1800, web chat + Telegram): p95, errors, memory growth
	$(PY) -m bench.soak

lint: $(VENV)/.installed ## ruff
	$(BIN)/ruff check bot nlu actions tests bench harness

clean: ## remove built files (model, caches, vendor files, compiled catalogs)
	rm -rf models .rasa results $(VENDOR) $(WEB)/node_modules $(WIDGET)/node_modules
	find locales -name '*.mo' -delete
