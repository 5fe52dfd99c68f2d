# The obvious verbs. `make check` is what CI runs (through the README's test command).
PYTHON ?= python

.PHONY: dev lint test check bench docs messages serve demo

dev:  ## install trucewatch with its development tools, editable
	$(PYTHON) -m pip install -e '.[dev]'

lint:  ## ruff, formatting, mypy strict, the import-linter contracts, generated docs up to date
	ruff check src tests benchmarks scripts
	ruff format --check src tests benchmarks scripts
	mypy
	lint-imports
	$(PYTHON) -m trucewatch.docgen --check

test: node_modules/axe-core/axe.min.js  ## the whole suite, on SQLite and PostgreSQL, with the coverage gate
	$(PYTHON) -m pytest --cov --cov-report=term

node_modules/axe-core/axe.min.js: package-lock.json  ## axe-core from the npm registry, for the browser tests' accessibility checks
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --ignore-scripts; \
	else echo "npm is missing: the accessibility checks cannot run (they fail in CI, skip elsewhere)"; fi

check: lint test

bench:  ## the benchmarks, each printing one JSON object
	$(PYTHON) benchmarks/bulk_import.py

docs:  ## regenerate docs/data-model.md from the code's own tables
	$(PYTHON) -m trucewatch.docgen

messages:  ## extract the web UI's strings and update every catalog (then translate the new ones)
	pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o src/trucewatch/web/locales/messages.pot .
	pybabel update -i src/trucewatch/web/locales/messages.pot -d src/trucewatch/web/locales --no-wrap --no-fuzzy-matching --ignore-pot-creation-date

serve:  ## serve ./trucewatch.db
	trucewatch serve

demo:  ## build the demo into ./demo.db and serve it
	trucewatch demo --db demo.db
