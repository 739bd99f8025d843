"""Fixtures shared by every app's tests: the standard actors and real background processes.

The standard actors are an owner (a rightsholder that reports), a co-party (an ISP that shares
with it under an agreement, once agreements exist) and an outsider (a member with no agreement).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from rest_framework.test import APIClient

from members.models import Organization
from members.tests.factories import OrganizationFactory, UserFactory, make_key

ROOT = Path(__file__).resolve().parent
# With pytest-xdist each worker takes the next database down (gw0: 15, gw1: 14, ...), so one
# worker's Celery processes never consume another's messages.
TEST_REDIS_DB = str(
    int(os.environ.get("TEST_REDIS_DB", "15"))
    - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
)


def pytest_configure(config) -> None:
    """Tests use a Redis database of their own (15 by default), so a running `make run`
    (database 0) neither consumes the tests' Celery messages nor loses its own to them."""
    from django.conf import settings

    from hub.celery import app

    # People are made by the hundred in tests: a fast password hasher, here and in every process
    # the tests start (hub/settings.py reads FAST_PASSWORD_HASHING).
    os.environ["FAST_PASSWORD_HASHING"] = "true"  # noqa: S105 - a switch, not a password
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    parts = urlsplit(settings.REDIS_URL)
    settings.REDIS_URL = urlunsplit(parts._replace(path=f"/{TEST_REDIS_DB}"))
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    app.conf.broker_url = settings.REDIS_URL
    os.environ["REDIS_URL"] = settings.REDIS_URL


# Content-Security-Policy figures of the browser tests (hub/tests/browser/conftest.py), summed
# over the processes that ran them and printed at the end of the run.
CSP_COUNTS = {"pages": 0, "events": 0, "console": 0}


def add_csp_counts(counts: dict) -> None:
    for name, value in counts.items():
        CSP_COUNTS[name] += value


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """pytest-xdist: a worker finished; add its browser tests' CSP counts."""
    add_csp_counts(getattr(node, "workeroutput", {}).get("csp", {}))


def pytest_terminal_summary(terminalreporter) -> None:
    if CSP_COUNTS["pages"]:
        terminalreporter.write_line(
            f"Content-Security-Policy in the browser tests: {CSP_COUNTS['pages']} page "
            f"load(s), {CSP_COUNTS['events']} violation event(s), "
            f"{CSP_COUNTS['console']} violation message(s) in the console"
        )


@pytest.fixture(autouse=True)
def _two_factor_only_where_tested(request, settings) -> None:
    """The 2FA requirement for org admins and staff (members/otp_middleware.py) is switched off
    except in tests marked `two_factor`: `client.force_login` opens a session that never passed
    a second factor, and the portal's tests are about other promises."""
    if request.node.get_closest_marker("two_factor") is None:
        settings.OTP_REQUIRED_FOR_ADMINS = False


@pytest.fixture(autouse=True)
def _each_test_starts_in_the_default_language():
    """The language a request activated stays active in the thread after the test client
    returns (members.middleware activates a person's language for the request and leaves it,
    as Django's own LocaleMiddleware does): without this, a test asserting English messages
    read Portuguese whenever a Portuguese person's request ran before it in the same process,
    which depends on how xdist deals the tests out."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _api_rate_limits_off(settings) -> None:
    """The API's rate limits (kernel/api/throttling.py) are off in tests: a test that counts a
    view's queries counts the view's, not the throttles'. hub/tests/test_ratelimit.py turns
    them on where it tests them."""
    settings.API_RATE_LIMIT_PER_KEY = "off"
    settings.API_RATE_LIMIT_PER_ADDRESS = "off"


@pytest.fixture
def owner(db) -> Organization:
    return OrganizationFactory(slug="owner", kind="rightsholder", country="PE")


@pytest.fixture
def coparty(db) -> Organization:
    return OrganizationFactory(slug="coparty", kind="telco", country="PE")


@pytest.fixture
def outsider(db) -> Organization:
    return OrganizationFactory(slug="outsider", kind="telco", country="BR")


@pytest.fixture
def authority(db) -> Organization:
    """A regulator with authority in the co-party's country: it issues blocking orders."""
    return OrganizationFactory(slug="authority", kind="regulator", country="PE")


@pytest.fixture
def owner_admin(owner):
    return UserFactory(organization=owner, role="admin", email="admin@owner.example")


def api_client_for(org: Organization, scopes=("read", "write", "admin")) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_key(org, scopes=scopes)}")
    return client


@pytest.fixture
def owner_api(owner) -> APIClient:
    return api_client_for(owner)


@pytest.fixture
def outsider_api(outsider) -> APIClient:
    return api_client_for(outsider)


# --- real processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


class RedisServer:
    """A throwaway redis-server on a free loopback port, for tests that stop and start Redis."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.dir = tmp
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            pytest.fail("redis-server is not installed; `make test` installs it (scripts/setup.sh)")
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self._answers, 10), "redis-server did not start"

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(10)
            self.proc = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@contextmanager
def celery_worker(
    *,
    broker_url: str,
    database_name: str | None = None,
    queues: str = "urgent,default,bulk",
    beat_dir: Path | None = None,
):
    """A real `celery worker` process on `broker_url`, stopped (warm shutdown) on exit."""
    env = dict(os.environ, REDIS_URL=broker_url, CELERY_BROKER_URL=broker_url)
    if database_name is not None:
        from django.conf import settings

        db = settings.DATABASES["default"]
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{database_name}"
        )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hub",
            "worker",
            "--loglevel",
            "WARNING",
            "--queues",
            queues,
            "--concurrency",
            "2",
            "--hostname",
            f"test-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            *(["--beat", "--schedule", str(beat_dir / "beat-schedule")] if beat_dir else []),
        ],
        cwd=ROOT,
        env=env,
        # Its own process group, so the pool's children can be stopped (or killed) with it.
        start_new_session=True,
    )
    try:
        from celery import Celery

        def answers() -> bool:
            app = Celery("probe", broker=broker_url, set_as_current=False)
            try:
                return bool(app.control.ping(timeout=0.5))
            except Exception:  # the broker may still be coming up
                return False
            finally:
                app.close()

        assert wait_for(answers, 60), "the Celery worker did not answer a ping"
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        # Children of a worker killed with SIGKILL outlive it; nothing may survive the test.
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


@contextmanager
def app_broker(url: str):
    """Points this process's Celery app (what the hub publishes with) at another broker, e.g. a
    throwaway redis-server a test stops and starts. The producer pool is made once per broker
    URL, so it is dropped on the way in and out."""
    from django.conf import settings

    from hub.celery import app

    def reset() -> None:
        # Drop references only: kombu keeps pools in a global registry keyed by connection,
        # and closing them would leave a closed pool there for the next user of that URL.
        app._pool = None
        app.amqp._producer_pool = None

    saved = (app.conf.broker_url, settings.CELERY_BROKER_URL, settings.REDIS_URL)
    reset()
    app.conf.broker_url = settings.CELERY_BROKER_URL = settings.REDIS_URL = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url, settings.CELERY_BROKER_URL, settings.REDIS_URL = saved


class WebhookReceiver:
    """A local HTTP server that records every webhook it receives (the members' side)."""

    def __init__(self):
        import http.server
        import threading

        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append((self.path, dict(self.headers.items()), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def for_path(self, path: str) -> list[tuple[str, dict, bytes]]:
        return [r for r in self.received if r[0] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
