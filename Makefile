# DX Portal — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEMO_PASSWORD ?= dxportal-demo
PYTEST_ARGS ?=

.PHONY: run test install translations messages migrate migrations lint check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Compile the gettext catalogs with Babel (pure Python: no system gettext needed).
translations: install
	$(BIN)/pybabel compile --use-fuzzy -d locale -D django
	$(BIN)/pybabel compile --use-fuzzy -d locale_thirdparty -D django

# Re-extract the portal's strings after changing them (needs GNU gettext, like Django's makemessages).
messages: install
	$(BIN)/python manage.py makemessages -l en --ignore=.venv --ignore=tests --ignore=bench

# New migrations, formatted so that `make lint` (ruff over every file, migrations included) passes.
migrations: install
	$(BIN)/python manage.py makemigrations
	$(BIN)/ruff format $$(ls -d */migrations)
	$(BIN)/ruff check --fix --select I $$(ls -d */migrations)

migrate: install
	$(BIN)/python manage.py migrate --no-input

run: translations migrate
	$(BIN)/python manage.py seed_demo --password "$(DEMO_PASSWORD)"
	@echo ""
	@echo "  DX Portal:      http://127.0.0.1:$(PORT)/admin/"
	@echo "  API docs:       http://127.0.0.1:$(PORT)/api/docs/"
	@echo "  Health:         http://127.0.0.1:$(PORT)/healthz"
	@echo "  Demo logins:    demo-admin, demo-reviewer, demo-staff-a, demo-staff-b / $(DEMO_PASSWORD)"
	@echo "  Demo API key:   var/demo-api-key (Authorization: Api-Key <key>)"
	@echo "  Ctrl-C stops the web server, the Celery worker and beat together."
	@echo ""
	DX_PORT=$(PORT) exec $(BIN)/honcho --no-prefix start --procfile Procfile.dev

test: translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

check-deploy: install
	DJANGO_ENV=production SECRET_KEY=$${SECRET_KEY:-$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-dx.example.gov.vn} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
