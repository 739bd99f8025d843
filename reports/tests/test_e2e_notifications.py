"""End to end, with real parts: a report submitted over HTTP, deduplicated by a real Celery
worker through real Redis, and the webhook received by a local HTTP server."""

from __future__ import annotations

import json
import os
import signal

import pytest
import redis as redis_lib
import urllib3
from django.conf import settings
from django.db import connection

from conftest import app_broker, celery_worker, wait_for
from members.tests.factories import make_key
from notifications import webhooks
from notifications.models import WebhookDelivery, WebhookEndpoint
from reports.models import Report, Target
from reports.tests.factories import agreement_between

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
HTTP = urllib3.PoolManager()


def api(live_server, key: str, method: str, path: str, body=None):
    response = HTTP.request(
        method,
        f"{live_server.url}{path}",
        body=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return response.status, json.loads(response.data or b"null")


def report_body(n: int = 0) -> dict:
    return {
        "category": "live_sports",
        "title": f"Derby restream {n}",
        "tlp": "amber",
        "jurisdictions": ["PE"],
        "indicators": [{"kind": "domain", "value": f"derby-{n}.example"}],
    }


@pytest.fixture
def coalition(owner, coparty, outsider, webhook_receiver):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    endpoints = {
        org.slug: WebhookEndpoint.objects.create(
            organization=org,
            url=f"{webhook_receiver.url}/{org.slug}",
            secret=webhooks.generate_secret(),
        )
        for org in (coparty, outsider)
    }
    keys = {org.slug: make_key(org) for org in (owner, coparty, outsider)}
    return keys, endpoints


def test_a_report_submitted_over_http_reaches_the_coparty_webhook_signed_and_nobody_else(
    live_server, coalition, webhook_receiver
):
    keys, endpoints = coalition
    broker = settings.REDIS_URL
    redis_lib.Redis.from_url(broker).flushdb()  # no stale messages from earlier runs
    with celery_worker(broker_url=broker, database_name=connection.settings_dict["NAME"]):
        status, report = api(live_server, keys["owner"], "POST", "/api/v1/reports/", report_body())
        assert status == 201, report
        assert wait_for(lambda: webhook_receiver.for_path("/coparty"), timeout=30)
        ((_path, headers, body),) = webhook_receiver.for_path("/coparty")
        assert webhooks.verify(endpoints["coparty"].secret, headers, body)
        message = json.loads(body)
        assert message["type"] == "report.shared"
        assert message["data"]["id"] == report["id"]
        assert message["data"]["indicators"][0]["target"] is not None  # linked before telling

        status, seen = api(live_server, keys["coparty"], "GET", "/api/v1/targets/")
        assert [t["value"] for t in seen["results"]] == ["derby-0.example"]
        status, inbox = api(live_server, keys["coparty"], "GET", "/api/v1/notifications/")
        assert [n["report"]["id"] for n in inbox["results"]] == [report["id"]]

    assert webhook_receiver.for_path("/outsider") == []
    assert api(live_server, keys["outsider"], "GET", "/api/v1/targets/")[1]["results"] == []
    assert api(live_server, keys["outsider"], "GET", "/api/v1/notifications/")[1]["results"] == []
    assert Report.objects.get().linked_at is not None
    assert Target.objects.count() == 1


def test_every_notification_arrives_once_through_a_killed_worker_and_a_redis_restart(
    live_server, coalition, webhook_receiver, redis_server, tmp_path
):
    keys, _ = coalition
    db_name = connection.settings_dict["NAME"]
    expected: set[int] = set()
    with app_broker(redis_server.url):
        with celery_worker(
            broker_url=redis_server.url, database_name=db_name, beat_dir=tmp_path
        ) as worker:
            for n in range(5):
                expected.add(
                    api(live_server, keys["owner"], "POST", "/api/v1/reports/", report_body(n))[1][
                        "id"
                    ]
                )
            # Mid-run, the whole worker (pool children too) dies: messages taken, not finished.
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(10)

        redis_server.stop()
        # The hub keeps accepting reports while Redis is down: the rows wait in the outbox.
        for n in range(5, 8):
            status, body = api(
                live_server, keys["owner"], "POST", "/api/v1/reports/", report_body(n)
            )
            assert status == 201, body
            expected.add(body["id"])
        redis_server.start()

        with celery_worker(broker_url=redis_server.url, database_name=db_name, beat_dir=tmp_path):

            def all_arrived() -> bool:
                got = {
                    json.loads(b)["data"]["id"] for _, _, b in webhook_receiver.for_path("/coparty")
                }
                return got >= expected

            assert wait_for(all_arrived, timeout=90), _state()

    ids_by_msg = shared_report_ids(webhook_receiver)
    assert sorted(ids_by_msg.values()) == sorted(expected)  # one message id per report
    assert (
        WebhookDelivery.objects.filter(
            endpoint__organization__slug="coparty", event_type="report.shared"
        ).count()
        == 8
    )
    assert webhook_receiver.for_path("/outsider") == []
    assert Report.objects.filter(linked_at__isnull=True).count() == 0


def test_many_workers_linking_overlapping_indicators_create_no_twin_targets(live_server, owner):
    key = make_key(owner)
    broker = settings.REDIS_URL
    redis_lib.Redis.from_url(broker).flushdb()
    shared = [{"kind": "domain", "value": f"mirror-{i}.example"} for i in range(20)]
    with (
        celery_worker(broker_url=broker, database_name=connection.settings_dict["NAME"]),
        celery_worker(broker_url=broker, database_name=connection.settings_dict["NAME"]),
    ):
        for n in range(30):
            body = report_body(n) | {"indicators": shared[n % 7 : n % 7 + 10]}
            assert api(live_server, key, "POST", "/api/v1/reports/", body)[0] == 201
        assert wait_for(
            lambda: not Report.objects.filter(linked_at__isnull=True).exists(), timeout=60
        )
    assert Target.objects.count() == len({s["value"] for s in shared[:16]})


def shared_report_ids(receiver) -> dict[str, int]:
    """webhook-id -> report id of every report.shared message the co-party received; a message
    delivered twice (a retry after a lost answer) counts once, as receivers dedupe by id."""
    out: dict[str, int] = {}
    for _, headers, body in receiver.for_path("/coparty"):
        message = json.loads(body)
        if message["type"] == "report.shared":
            out.setdefault(headers["webhook-id"], message["data"]["id"])
    return out


def _state() -> str:
    from notifications.models import Event

    events = list(Event.objects.values_list("type", "subject_ids", "processed_at"))
    deliveries = list(
        WebhookDelivery.objects.values_list("msg_id", "state", "attempts", "last_error")
    )
    return f"not every report reached the co-party; events: {events}; deliveries: {deliveries}"
