"""GET /healthz tells the truth about the database, Redis and the workers."""

import pytest

from conftest import celery_worker


def point_hub_at(settings, url: str) -> None:
    settings.REDIS_URL = url
    settings.CELERY_BROKER_URL = url


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
        assert body["workers"]["workers"], "the answering worker is named"

        redis_server.stop()
        down = client.get("/healthz")
        assert down.status_code == 503
        assert down.json()["redis"]["ok"] is False
        assert down.json()["status"] == "down"

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
    assert body["redis"]["ok"] is True
    assert body["workers"] == {"ok": False, "workers": [], "error": "no worker answered"}


def test_healthz_is_503_when_the_database_is_unreachable(client, settings, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise RuntimeError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "connection refused"}
