#!/usr/bin/env bash
# Makes a machine ready to run or test Atalaya: the virtualenv, PostgreSQL and Redis.
# Idempotent and quiet when everything is already there. Order of preference for each service:
# the URL given in the environment, a server already listening on the standard local port,
# else the OS package (installed with apt-get when missing) started here.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL_DEFAULT="postgres://atalaya:atalaya@127.0.0.1:5432/atalaya"
REDIS_URL_DEFAULT="redis://127.0.0.1:6379/0"
VENV=.venv

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"
  else sudo -u postgres "$@"; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* yourself, or set DATABASE_URL / REDIS_URL"
  if [ "$APT_UPDATED" = 0 ]; then
    say "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  die "nothing answers on $1:$2"
}

# --- Python virtualenv -------------------------------------------------------------------
ensure_venv() {
  local py=${PYTHON:-python3}
  command -v "$py" >/dev/null || apt_install python3 python3-venv
  "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$py is older than 3.11"
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    if ! "$py" -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      apt_install python3-venv
      "$py" -m venv "$VENV"
    fi
  fi
  # Reinstall only when a lock file changed since the last install. The locks (written by
  # `make lock` from requirements*.in) pin every package, transitive ones included, with its
  # hashes; requirements-dev.txt holds the runtime lock's versions plus the development tools.
  # --require-hashes: pip installs nothing that is not in the lock, byte for byte.
  local stamp="$VENV/.requirements.sha" want
  want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing Python packages"
    "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/pip" install -q --disable-pip-version-check --require-hashes -r requirements-dev.txt
    echo "$want" >"$stamp"
  fi
}

# --- PostgreSQL --------------------------------------------------------------------------
db_reachable() {
  "$VENV/bin/python" - "$1" <<'PY' 2>/dev/null
import sys, psycopg
psycopg.connect(sys.argv[1].replace("postgres://", "postgresql://", 1), connect_timeout=3).close()
PY
}

start_local_postgres() {
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
    apt_install postgresql
  fi
  local ver
  ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    say "creating PostgreSQL $ver cluster"
    as_root pg_createcluster "$ver" main >/dev/null
  fi
  say "starting PostgreSQL $ver"
  as_root pg_ctlcluster "$ver" main start || true
  wait_port 127.0.0.1 5432
}

ensure_postgres() {
  if [ -n "${DATABASE_URL:-}" ]; then
    db_reachable "$DATABASE_URL" || die "DATABASE_URL is set but the database does not answer"
    return
  fi
  port_open 127.0.0.1 5432 || start_local_postgres
  db_reachable "$PG_URL_DEFAULT" && return
  # A local server we can administer: create the role (CREATEDB, for the test database) and db.
  say "creating PostgreSQL role and database 'atalaya'"
  command -v psql >/dev/null || die "a server listens on :5432 but $PG_URL_DEFAULT does not work; set DATABASE_URL"
  as_postgres psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'atalaya') THEN
    CREATE ROLE atalaya LOGIN PASSWORD 'atalaya' CREATEDB;
  ELSE
    ALTER ROLE atalaya LOGIN PASSWORD 'atalaya' CREATEDB;
  END IF;
END $$;
SQL
  as_postgres psql -q -d postgres -tc "SELECT 1 FROM pg_database WHERE datname = 'atalaya'" | grep -q 1 ||
    as_postgres createdb -O atalaya atalaya
  db_reachable "$PG_URL_DEFAULT" || die "cannot connect to $PG_URL_DEFAULT"
}

# --- Redis -------------------------------------------------------------------------------
ensure_redis() {
  if [ -n "${REDIS_URL:-}" ]; then return; fi
  port_open 127.0.0.1 6379 && return
  command -v redis-server >/dev/null || apt_install redis-server
  say "starting Redis"
  if [ "$(id -u)" = 0 ] && [ -x /etc/init.d/redis-server ]; then
    /etc/init.d/redis-server start >/dev/null 2>&1 || true
  fi
  if ! port_open 127.0.0.1 6379; then
    # Outside the checkout: the server outlives it (a CI clone is deleted after its run).
    local dir="${XDG_STATE_HOME:-$HOME/.local/state}/atalaya/redis"
    mkdir -p "$dir"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$dir" \
      --appendonly yes --logfile "$dir/redis.log"
  fi
  wait_port 127.0.0.1 6379
}

# --- Unbound -----------------------------------------------------------------------------
# Only the binary is wanted: the enforcement tests start their own unbound on a free loopback
# port. The OS package would also start a system resolver on port 53 (and, where resolvconf is
# installed, point the machine's resolv.conf at it), so no service may start while it installs
# (a temporary policy-rc.d, honoured by invoke-rc.d and deb-systemd-invoke alike), and on a
# systemd machine the units it enabled are disabled again: the machine's DNS stays as it was.
ensure_unbound() {
  if command -v unbound >/dev/null || [ -x /usr/sbin/unbound ]; then return; fi
  local policy=/usr/sbin/policy-rc.d
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    trap 'as_root rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt_install unbound
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    as_root systemctl disable --now unbound.service unbound-resolvconf.service >/dev/null 2>&1 || true
  fi
  if trap -p EXIT | grep -q policy-rc.d; then
    as_root rm -f "$policy"
    trap - EXIT
  fi
}

# The portal's translations: catalogues (.po) are in the repository, compiled here (.mo).
ensure_translations() {
  command -v msgfmt >/dev/null || apt_install gettext
  if ls ./*/locale >/dev/null 2>&1; then
    .venv/bin/python manage.py compilemessages --ignore=.venv --verbosity 0
  fi
}

# --- Browser tests -----------------------------------------------------------------------
# hub/tests/browser drives the OS's Chromium through Playwright (never `playwright install`: the
# machines reach only package registries, and the Debian package gets the OS's security updates).
# The accessibility rules those tests run, axe-core, come pinned from the npm registry (`npm pack`
# checks the registry's integrity hash) into the virtualenv: 650 KB of minified JavaScript that
# the repository need not carry.
AXE_VERSION=4.14.1
ensure_chromium() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  local dir="$VENV/share/axe"
  [ -s "$dir/axe.min.js" ] && [ "$(cat "$dir/VERSION" 2>/dev/null)" = "$AXE_VERSION" ] && return
  command -v npm >/dev/null || apt_install npm
  say "fetching axe-core $AXE_VERSION"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
  tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp" package/axe.min.js
  mkdir -p "$dir"
  mv "$tmp/package/axe.min.js" "$dir/axe.min.js"
  echo "$AXE_VERSION" >"$dir/VERSION"
  rm -rf "$tmp"
}

ensure_venv
ensure_postgres
ensure_redis
ensure_unbound
ensure_translations
ensure_chromium
say "ready: database ${DATABASE_URL:-$PG_URL_DEFAULT}, redis ${REDIS_URL:-$REDIS_URL_DEFAULT}"
