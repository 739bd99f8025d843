"""Fixtures shared by every app's tests: the standard actors and real background processes.

The standard actors are an owner (a rightsholder that reports), a co-party (an ISP that shares
with it under an agreement, once agreements exist) and an outsider (a member with no agreement).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from rest_framework.test import APIClient

from members.models import Organization
from members.tests.factories import OrganizationFactory, UserFactory, make_key

ROOT = Path(__file__).resolve().parent
TEST_REDIS_DB = os.environ.get("TEST_REDIS_DB", "15")


def pytest_configure(config) -> None:
    """Tests use a Redis database of their own (15 by default), so a running `make run`
    (database 0) neither consumes the tests' Celery messages nor loses its own to them."""
    from django.conf import settings

    from hub.celery import app

    parts = urlsplit(settings.REDIS_URL)
    settings.REDIS_URL = urlunsplit(parts._replace(path=f"/{TEST_REDIS_DB}"))
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    app.conf.broker_url = settings.REDIS_URL
    os.environ["REDIS_URL"] = settings.REDIS_URL


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
    *, broker_url: str, database_name: str | None = None, queues: str = "urgent,default,bulk"
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
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        from celery import Celery

        def answers() -> bool:
            app = Celery("probe", broker=broker_url, set_as_current=False)
            try:
                return bool(app.control.ping(timeout=0.5))
            finally:
                app.close()

        assert wait_for(answers, 60), "the Celery worker did not answer a ping"
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
