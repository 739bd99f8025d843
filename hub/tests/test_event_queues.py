"""Which Celery queue an event waits in: a live event jumps the line, a member's bulk batch
does not hold up another member's single report."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from members.tests.factories import OrganizationFactory, make_key
from reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, queue: sent.append(queue))
    return sent


@pytest.fixture
def league_key():
    return make_key(OrganizationFactory(slug="league", kind="rightsholder"))


def report(n: int, **extra) -> dict:
    return {
        "category": "live_sports",
        "title": f"restream {n}",
        "indicators": [{"kind": "domain", "value": f"restream-{n}.example"}],
        **extra,
    }


def post(client, key, path, body):
    return client.post(
        path, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )


def test_a_single_report_waits_in_the_default_queue(
    client, league_key, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert post(client, league_key, "/api/v1/reports/", report(1)).status_code == 201
    assert queued == ["default"]


def test_a_bulk_batch_waits_in_the_bulk_queue_apart_from_single_reports(
    client, league_key, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = {"reports": [report(n) for n in range(3)]}
        assert post(client, league_key, "/api/v1/reports/bulk/", body).json()["created"] == 3
    assert queued == ["bulk"]


def test_a_live_event_goes_to_the_urgent_queue_even_in_bulk(
    client, league_key, queued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    live = {"live_from": now.isoformat(), "live_until": (now + timedelta(hours=2)).isoformat()}
    with django_capture_on_commit_callbacks(execute=True):
        post(client, league_key, "/api/v1/reports/", report(1, **live))
        post(
            client, league_key, "/api/v1/reports/bulk/", {"reports": [report(2, **live), report(3)]}
        )
    assert queued == ["urgent", "urgent"]
    assert Report.objects.count() == 3


def test_the_sweep_re_sends_a_lost_bulk_event_to_the_bulk_queue(
    client, league_key, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks
    from notifications.models import Event

    monkeypatch.setattr(
        "notifications.outbox._enqueue", lambda event_id, queue: None
    )  # Redis lost it
    with django_capture_on_commit_callbacks(execute=True):
        post(client, league_key, "/api/v1/reports/bulk/", {"reports": [report(1), report(2)]})
        post(client, league_key, "/api/v1/reports/", report(3))
    Event.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    resent = []
    monkeypatch.setattr(
        tasks.process_event, "apply_async", lambda args, queue, retry: resent.append(queue)
    )
    tasks.sweep()
    assert sorted(resent) == ["bulk", "default"]
