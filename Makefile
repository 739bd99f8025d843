# The two commands: `make run` and `make test`. Everything they need is set up by scripts/setup.sh.
PORT ?= 8000
PY := .venv/bin/python
export PORT

.PHONY: run test setup lint format migrate demo bench

setup:
	@bash scripts/setup.sh

migrate: setup
	@$(PY) manage.py migrate --noinput -v 0

demo: migrate
	@$(PY) manage.py load_demo

run: demo
	@$(PY) manage.py collectstatic --noinput -v 0
	@mkdir -p var
	@echo "==> Atalaya on http://localhost:$(PORT)/  (API docs: /api/docs/, health: /healthz). Ctrl-C stops all."
	@exec .venv/bin/honcho start -f Procfile -p $(PORT)

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

format: setup
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

# Not part of `make test`: measures on real parts and writes BENCHMARKS.md.
bench: setup
	@$(PY) bench/dedup_to_notify.py
	@$(PY) bench/feeds.py

test: setup lint
	@$(PY) manage.py check --fail-level WARNING
	@$(PY) manage.py makemigrations --check --dry-run
	@$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	@.venv/bin/pytest $(PYTEST_ARGS)
