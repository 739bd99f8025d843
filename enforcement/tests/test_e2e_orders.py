"""End to end, with real parts: an order issued over HTTP with a grace window, announced by a
real Celery worker when the window ends, received as a signed webhook by the ISP's local
HTTP server, answered over HTTP, and visible in the ISP's blocklist."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import redis as redis_lib
from django.db import connection
from django.utils import timezone

from conftest import celery_worker, wait_for
from members.tests.factories import make_key
from notifications import webhooks
from notifications.models import WebhookEndpoint
from reports.tests.test_e2e_notifications import HTTP, api

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_order_reaches_the_isp_webhook_after_the_grace_window_and_nobody_else(
    live_server, authority, coparty, outsider, webhook_receiver, settings
):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 2
    endpoints = {
        org.slug: WebhookEndpoint.objects.create(
            organization=org,
            url=f"{webhook_receiver.url}/{org.slug}",
            secret=webhooks.generate_secret(),
        )
        for org in (coparty, outsider, authority)
    }
    keys = {org.slug: make_key(org) for org in (authority, coparty, outsider)}
    broker = settings.REDIS_URL
    redis_lib.Redis.from_url(broker).flushdb()
    with celery_worker(broker_url=broker, database_name=connection.settings_dict["NAME"]):
        status, order = api(
            live_server,
            keys["authority"],
            "POST",
            "/api/v1/blocking-orders/",
            {
                "reference": "APIN-E2E-1",
                "legal_basis": "Resolución 1-2026",
                "country": "PE",
                "targets": [{"kind": "domain", "value": "live-derby.example"}],
                "deadline": (timezone.now() + timedelta(minutes=30)).isoformat(),
            },
        )
        assert status == 201, order
        assert order["status"] == "pending"
        # Within the grace window the ISP has not been told.
        status, _ = api(
            live_server, keys["coparty"], "GET", f"/api/v1/blocking-orders/{order['id']}/"
        )
        assert status == 404

        assert wait_for(lambda: webhook_receiver.for_path("/coparty"), timeout=30)
        ((_path, headers, body),) = webhook_receiver.for_path("/coparty")
        assert webhooks.verify(endpoints["coparty"].secret, headers, body)
        message = json.loads(body)
        assert message["type"] == "blocking_order.issued"
        assert message["data"]["reference"] == "APIN-E2E-1"
        assert message["data"]["targets"][0]["value"] == "live-derby.example"

        status, answer = api(
            live_server, keys["coparty"], "POST", f"/api/v1/blocking-orders/{order['id']}/confirm/"
        )
        assert status == 200 and answer["state"] == "implemented"
        response = HTTP.request(
            "GET",
            f"{live_server.url}/api/v1/blocklist.txt",
            headers={"Authorization": f"Bearer {keys['coparty']}"},
        )
        assert "live-derby.example" in response.data.decode()
    assert webhook_receiver.for_path("/outsider") == []
    assert webhook_receiver.for_path("/authority") == []
