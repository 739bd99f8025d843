# The two commands: `make run` and `make test`. Everything they need is set up by scripts/setup.sh.
PORT ?= 8000
# pytest-xdist workers for `make test`; 0 runs in one process. Measured on the 2-core machine
# (2,626 tests, 2026-12-08): 15 min 35 s in one process, 9 min 48 s on two workers. (At 6 min,
# before the STIX/TAXII work, one process was as fast: the suite then waited on real processes
# more than it computed.) Each worker has its own databases and Redis database (conftest.py).
TEST_WORKERS ?= 2
PY := .venv/bin/python
export PORT

.PHONY: run test setup lint format migrate demo bench

setup:
	@bash scripts/setup.sh

migrate: setup
	@$(PY) manage.py migrate --noinput -v 0

demo: migrate
	@$(PY) manage.py load_demo

# `make run` is the product as it runs in production: DEBUG off (the site's own error pages,
# static files from collectstatic through whitenoise, a secret key generated once in var/).
# It serves plain http on localhost, so its cookies cannot be Secure (SECURE_COOKIES=false);
# an HTTPS deployment leaves that unset. `DEBUG=true make run` is for development; any of these
# given in the environment wins.
run: export DEBUG ?= false
run: export SECURE_COOKIES ?= false
run: demo
	@$(PY) manage.py collectstatic --noinput -v 0
	@mkdir -p var
	@echo "==> Atalaya on http://localhost:$(PORT)/  (DEBUG=$(DEBUG); API docs: /api/docs/, health: /healthz). Ctrl-C stops all."
	@exec .venv/bin/honcho start -f Procfile -p $(PORT)

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

format: setup
	@.venv/bin/ruff format .
	@.venv/bin/ruff check --fix .

# Not part of `make test`: measures on real parts and writes BENCHMARKS.md (docs/benchmarks.md
# says what each one does). The 1,000,000-report seed is made once and reused.
bench: setup .venv-bench/.installed
	@$(PY) bench/seed.py
	@$(PY) bench/ingest.py
	@$(PY) bench/visibility.py
	@$(PY) bench/dedup_to_notify.py
	@$(PY) bench/feeds.py
	@$(PY) bench/load.py
	@$(PY) bench/taxii_sync.py

# locust, the load generator, lives apart from the hub: it patches the standard library.
.venv-bench/.installed: requirements-bench.txt
	@test -x .venv-bench/bin/pip || $(PY) -m venv .venv-bench
	@.venv-bench/bin/pip install -q --require-hashes -r requirements-bench.txt
	@touch $@

test: setup lint
	@$(PY) manage.py check --fail-level WARNING
	@$(PY) manage.py makemigrations --check --dry-run
	@$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	@.venv/bin/lint-imports --no-cache
	@.venv/bin/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The locks: requirements*.txt pin every package, transitive ones included, with its hashes
# (setup.sh and the bench venv install them with --require-hashes), regenerated here from the
# hand-edited requirements*.in by pip-tools in a throwaway virtualenv, for Python 3.11 (Debian
# 12's). The dev lock is compiled against the runtime lock (-c requirements.txt), so the two agree.
# A version already locked stays while its .in file allows it; `make lock LOCK_ARGS=--upgrade`
# (or `LOCK_ARGS="--upgrade-package NAME"`) moves to the newest allowed.
LOCK_TOOLS := pip==26.3 pip-tools==7.7.0
LOCK_PYTHON ?= python3
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: lock
lock:
	@$(LOCK_PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || \
	  { echo "error: the locks are for Python 3.11; set LOCK_PYTHON to one" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  $(LOCK_PYTHON) -m venv "$$tmp/venv"; \
	  "$$tmp/venv/bin/pip" install -q --disable-pip-version-check $(LOCK_TOOLS); \
	  export CUSTOM_COMPILE_COMMAND="make lock"; \
	  for name in requirements requirements-dev requirements-bench; do \
	    echo "==> $$name.txt"; \
	    "$$tmp/venv/bin/pip-compile" $(LOCK_FLAGS) $(LOCK_ARGS) -o $$name.txt $$name.in; \
	  done
