"""Idempotency-Key records are kept for their replay window (24 h) and then purged by beat,
so the table holds a day of keys, not every key ever sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from hub.tasks import purge_idempotency_records
from kernel.api import idempotency
from kernel.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def record(org, key: str, age: timedelta) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(
        organization=org,
        key=key,
        fingerprint="f" * 64,
        status_code=201,
        body={"id": 1},
        created_at=timezone.now() - age,
    )


def test_expired_records_are_purged_and_live_ones_kept(owner, outsider):
    fresh = record(owner, "fresh", timedelta(hours=1))
    almost = record(outsider, "almost", idempotency.RETENTION - timedelta(minutes=1))
    record(owner, "old", idempotency.RETENTION + timedelta(minutes=1))
    record(outsider, "ancient", timedelta(days=90))

    assert idempotency.purge_expired() == 2
    assert set(IdempotencyRecord.objects.values_list("pk", flat=True)) == {fresh.pk, almost.pk}
    # Idempotent: a second run (or two overlapping ones) finds nothing more.
    assert idempotency.purge_expired() == 0
    assert IdempotencyRecord.objects.count() == 2


def test_a_large_backlog_goes_in_batches(owner, monkeypatch):
    monkeypatch.setattr(idempotency, "PURGE_BATCH", 2)
    for n in range(5):
        record(owner, f"old-{n}", timedelta(days=2))
    keep = record(owner, "fresh", timedelta(minutes=5))
    assert idempotency.purge_expired() == 5
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [keep.pk]


def test_beat_runs_the_purge_hourly(owner):
    from hub.celery import app

    (entry,) = (
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "hub.tasks.purge_idempotency_records"
    )
    assert entry["schedule"] <= 3600
    assert entry["task"] in app.tasks  # a typo in the name would be dropped silently by beat
    record(owner, "old", timedelta(days=2))
    assert purge_idempotency_records() == 1


def test_a_retry_within_the_window_still_replays_after_a_purge(owner_api):
    body = {
        "category": "live_sports",
        "title": "Derby restream",
        "tlp": "amber",
        "jurisdictions": ["PE"],
        "indicators": [{"kind": "domain", "value": "derby.example"}],
    }
    first = owner_api.post("/api/v1/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201, first.content
    idempotency.purge_expired()
    again = owner_api.post("/api/v1/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
