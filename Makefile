# Homeward: the everyday commands. `make run` is all a new developer needs.
VENV := .venv
PYTHON := $(VENV)/bin/python
UV_VERSION := 0.13.8

.PHONY: venv venv-903 run test lint typecheck check lock vendor

# Reinstalled whenever requirements/lock.txt changes (the stamp is older than the lock).
venv: $(VENV)/.installed

$(VENV)/.installed: requirements/lock.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	test -x $(VENV)/bin/uv && $(VENV)/bin/uv --version | grep -q "uv $(UV_VERSION)" \
		|| $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip install --python $(PYTHON) -r requirements/lock.txt
	touch $@

# DfE's SSDA903 validator (csc-validator-be-903) in its own Python 3.11 environment: it
# pins pandas < 2 and numpy < 1.25. scripts/validate_903.py runs it; the tests need it.
VENV_903 := .venv-903
PYTHON_311 ?= $(shell command -v python3.11 || command -v python3)
venv-903: $(VENV_903)/.installed

$(VENV_903)/.installed: requirements/validator-903.txt
	test -x $(VENV_903)/bin/python || $(PYTHON_311) -m venv $(VENV_903)
	$(VENV_903)/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 11), "the SSDA903 validator needs Python 3.11"'
	$(VENV_903)/bin/pip install --quiet -r requirements/validator-903.txt
	touch $@

run: venv
	$(PYTHON) scripts/run.py

# pytest exits 5 when it collected no tests; that is a failure too, and says so.
# PYTEST_STATUS_FILE, if set, receives pytest's exit code (make itself reports only 2).
test: venv venv-903
	@$(VENV)/bin/pytest -q; status=$$?; \
	if [ -n "$$PYTEST_STATUS_FILE" ]; then echo $$status > "$$PYTEST_STATUS_FILE"; fi; \
	if [ $$status -eq 5 ]; then \
		echo "make test: pytest collected no tests (exit code 5): a suite that runs nothing proves nothing" >&2; \
	fi; \
	exit $$status

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy .

check: venv
	$(PYTHON) manage.py makemigrations --check --dry-run
	$(PYTHON) manage.py check

lock: venv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements/lock.txt --python-version 3.11

# Re-vendor GOV.UK Frontend and htmx after changing package.json (needs Node and npm).
vendor:
	scripts/vendor_frontend.sh

# Screenshots of the main pages for the README, in docs/screenshots/: a fresh demo database
# (homeward_screenshots, filled by seed_demo), runserver, and Debian's Chromium signing in
# as the demo personas. See scripts/screenshots.py.
.PHONY: screenshots
screenshots: venv
	$(PYTHON) scripts/screenshots.py
