"""GET /healthz tells the truth about the database, Redis and the workers: it names what is
down, and nothing else. It is public, so it never shows a host name (the workers') or an error
text (which carries addresses, user names, versions); those go to the server's log."""

import logging
import socket

import pytest
import redis

from conftest import celery_worker

# What a failing driver says: a host, an address, a user. None of it may reach the public.
DB_ERROR = (
    'connection to server at "db-primary.internal" (10.20.30.40), port 5432 failed: '
    'FATAL: password authentication failed for user "atalaya"'
)
REDIS_ERROR = "Error 111 connecting to broker-7.internal:6379. Connection refused."
WORKER = "celery@worker-host-7.internal"


def point_hub_at(settings, url: str) -> None:
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url


class _Redis:
    """A Redis that answers PING (or fails as told) and holds no heartbeat."""

    def __init__(self, error: Exception | None = None):
        self.error = error

    def ping(self):
        if self.error:
            raise self.error
        return True

    def get(self, key):
        if self.error:
            raise self.error
        return None


@pytest.fixture
def workers_answer(monkeypatch):
    """Redis answers and one worker, on a named host, answers the broadcast ping."""
    monkeypatch.setattr("hub.health.redis_client", lambda: _Redis())
    monkeypatch.setattr(
        "celery.app.control.Control.ping", lambda self, **kw: [{WORKER: {"ok": "pong"}}]
    )


@pytest.mark.e2e
@pytest.mark.django_db
def test_healthz_is_200_with_a_live_worker_and_503_while_redis_is_stopped(
    client, settings, redis_server
):
    point_hub_at(settings, redis_server.url)
    with celery_worker(broker_url=redis_server.url):
        up = client.get("/healthz")
        assert up.status_code == 200, up.json()
        body = up.json()
        assert body["status"] == "ok"
        assert body["database"]["ok"] and body["redis"]["ok"] and body["workers"]["ok"]
        # The worker answered, but its host is not for the public to read.
        assert socket.gethostname() not in up.content.decode()

        redis_server.stop()
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.json()["redis"] == {"ok": False}
        assert down.json()["status"] == "down"
        assert "127.0.0.1" not in down.content.decode()

        # Redis comes back on the same port: the worker reconnects and health recovers.
        redis_server.start()
        from conftest import wait_for

        assert wait_for(lambda: client.get("/healthz").status_code == 200, timeout=60)


@pytest.mark.django_db
def test_healthz_is_503_when_no_worker_answers(client, settings, redis_server):
    point_hub_at(settings, redis_server.url)
    settings.HEALTHZ_WORKER_TIMEOUT = 0.3
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["redis"] == {"ok": True}
    assert body["workers"] == {"ok": False}


@pytest.mark.django_db
def test_healthz_answers_without_naming_the_hosts_of_the_workers(client, workers_answer):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True},
        "redis": {"ok": True},
        "workers": {"ok": True},
    }
    assert "worker-host-7" not in response.content.decode()


def test_healthz_names_the_database_as_down_without_its_error_and_logs_the_error(
    client, workers_answer, monkeypatch, caplog
):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise RuntimeError(DB_ERROR)

    monkeypatch.setattr(connection, "cursor", refuse)
    with caplog.at_level(logging.ERROR, logger="hub.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {"ok": False}
    content = response.content.decode()
    for secret in ("db-primary.internal", "10.20.30.40", "password", "atalaya"):
        assert secret not in content
    assert "db-primary.internal" in caplog.text  # the operator still learns why


@pytest.mark.django_db
def test_healthz_names_redis_and_the_workers_as_down_without_the_brokers_address(
    client, monkeypatch, caplog
):
    monkeypatch.setattr(
        "hub.health.redis_client", lambda: _Redis(redis.ConnectionError(REDIS_ERROR))
    )
    with caplog.at_level(logging.ERROR, logger="hub.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "down",
        "database": {"ok": True},
        "redis": {"ok": False},
        "workers": {"ok": False},
    }
    assert "broker-7.internal" not in response.content.decode()
    assert "broker-7.internal" in caplog.text


@pytest.mark.django_db
def test_healthz_names_the_workers_as_down_without_the_error_of_the_ping(
    client, monkeypatch, caplog
):
    monkeypatch.setattr("hub.health.redis_client", lambda: _Redis())

    def fail(self, **kwargs):
        raise OSError("Error connecting to broker-7.internal:6379")

    monkeypatch.setattr("celery.app.control.Control.ping", fail)
    with caplog.at_level(logging.ERROR, logger="hub.health"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["workers"] == {"ok": False}
    assert "broker-7.internal" not in response.content.decode()
    assert "broker-7.internal" in caplog.text
