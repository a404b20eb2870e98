# Worklog: two commands. `make run` sets everything up and serves the demo; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup test-setup translations db demo messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed again whenever the declared dependencies change.
$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,deploy]'
	@touch $@

setup: $(VENV)/.installed translations instance/config.py

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d worklog/translations -D messages >/dev/null

# A random secret key for this machine, written once; production sets SECRET_KEY instead.
instance/config.py:
	@mkdir -p instance
	@$(BIN)/python -c "import secrets; print('SECRET_KEY = ' + repr(secrets.token_hex(32)))" > $@
	@echo "Wrote $@ with a new secret key."

db: setup
	$(FLASK) db upgrade

demo: db
	$(FLASK) demo

run: demo
	$(FLASK) run --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Extract translatable text and merge it into the catalogs (for developers).
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ --no-location --sort-output -o worklog/translations/messages.pot .
	$(BIN)/pybabel update -i worklog/translations/messages.pot -d worklog/translations --no-fuzzy-matching --ignore-obsolete

# The product at the province's size, one line per figure beside its floor (`name product floor ratio unit`);
# BENCH_SCALE, BENCH_DATABASE_URL (PostgreSQL), BENCH_REUSE=1 and the rest: `python -m bench.run --help` and
# docs/PERFORMANCE.md. Not part of `make test`.
bench: setup
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
