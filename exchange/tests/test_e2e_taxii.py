"""End to end with real parts: a member's TAXII client posts a STIX indicator to an agreement's
collection, a real Celery worker imports it and deduplicates the report through real Redis,
the co-party's webhook receives `report.shared`, and the co-party's own TAXII client, syncing
with `added_after`, receives the report as STIX. The outsider hears and gets nothing."""

from __future__ import annotations

import json
import uuid

import pytest
import redis as redis_lib
from django.conf import settings
from django.db import connection
from taxii2client.v21 import ApiRoot, as_pages

from conftest import celery_worker, wait_for
from exchange.models import ImportJob
from members.tests.factories import make_key
from notifications import webhooks
from notifications.models import WebhookEndpoint
from reports.models import Report
from reports.tests.factories import agreement_between

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def client(live_server, key: str) -> ApiRoot:
    # HTTP Basic with the key as the password, as MISP and many SIEMs send it.
    return ApiRoot(f"{live_server.url}/taxii2/api/", user="soc", password=key)


def collections(root: ApiRoot) -> dict[str, object]:
    root.refresh_collections()
    return {getattr(c, "alias", None) or c.title: c for c in root.collections}


def visible_objects(root: ApiRoot, **filters) -> list[dict]:
    pages = as_pages(collections(root)["visible"].get_objects, per_request=50, **filters)
    return [obj for envelope in pages for obj in envelope.get("objects", [])]


def test_an_indicator_posted_over_taxii_reaches_the_coparty_by_webhook_and_by_taxii(
    live_server, owner, coparty, outsider, webhook_receiver
):
    agreement = agreement_between(owner, coparty, categories=["iptv"], jurisdictions=["PE"])
    endpoints = {
        org.slug: WebhookEndpoint.objects.create(
            organization=org,
            url=f"{webhook_receiver.url}/{org.slug}",
            secret=webhooks.generate_secret(),
        )
        for org in (coparty, outsider)
    }
    keys = {org.slug: make_key(org) for org in (owner, coparty, outsider)}
    league, isp, stranger = (client(live_server, keys[o.slug]) for o in (owner, coparty, outsider))
    # The co-party has synced once already (the common objects): it asks next for what was
    # added after the last date_added it saw.
    manifest = collections(isp)["visible"].get_manifest()["objects"]
    last_sync = max(entry["date_added"] for entry in manifest)
    assert not Report.objects.exists()
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid4()}",
        "created": "2026-12-01T20:00:00.000Z",
        "modified": "2026-12-01T20:00:00.000Z",
        "name": "Derby restream panel",
        "pattern": "[domain-name:value = 'derby-panel.example'] OR "
        "[url:value = 'https://derby-panel.example/live']",
        "pattern_type": "stix",
        "valid_from": "2026-12-01T20:00:00.000Z",
        "labels": ["iptv"],
        "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"],
    }
    envelope = {"objects": [indicator]}
    redis_lib.Redis.from_url(settings.REDIS_URL).flushdb()  # no stale messages from earlier runs
    with celery_worker(
        broker_url=settings.REDIS_URL, database_name=connection.settings_dict["NAME"]
    ):
        status = collections(league)[agreement.title].add_objects(
            envelope, wait_for_completion=True, poll_interval=0.2, timeout=30
        )
        assert (status.status, status.success_count, status.failure_count) == ("complete", 1, 0)
        assert wait_for(lambda: webhook_receiver.for_path("/coparty"), timeout=30)
        # Posting the same object again is a success that creates nothing.
        again = collections(league)[agreement.title].add_objects(
            envelope, wait_for_completion=True, poll_interval=0.2, timeout=30
        )
        assert (again.status, again.success_count) == ("complete", 1)

    report = Report.objects.get()
    assert report.owner == owner and report.linked_at is not None
    assert ImportJob.objects.filter(status=ImportJob.Status.PENDING).count() == 0
    ((_path, headers, body),) = webhook_receiver.for_path("/coparty")
    assert webhooks.verify(endpoints["coparty"].secret, headers, body)
    message = json.loads(body)
    assert (message["type"], message["data"]["id"]) == ("report.shared", report.pk)
    assert webhook_receiver.for_path("/outsider") == []

    stix_report = f"report--{report.stix_id}"
    # What came after the co-party's last sync: the new report, its indicators and observables,
    # and nothing it had already.
    added = visible_objects(isp, added_after=last_sync)
    assert stix_report in {o["id"] for o in added}
    assert not {o["id"] for o in added} & {entry["id"] for entry in manifest}
    assert {o["value"] for o in added if o["type"] in ("domain-name", "url")} == {
        "derby-panel.example",
        "https://derby-panel.example/live",
    }
    # The poster's own id is not re-exported: the hub's copy carries the hub's ids.
    assert indicator["id"] not in {o["id"] for o in added}
    assert stix_report not in {o["id"] for o in visible_objects(stranger)}
