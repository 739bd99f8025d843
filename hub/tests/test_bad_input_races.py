"""Races on unique constraints answer as the rule says, never 500: requests in real threads,
each with its own database connection, against the live database (transaction=True).

A barrier holds every request after its "already there?" check and before its insert, so all
of them pass the check and meet at the constraint: the race happens on every run, not by luck.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from enforcement import services as order_services
from enforcement.models import BlockingOrder
from members.tests.factories import make_key
from reports.models import Evidence
from reports.tests.factories import report_by

pytestmark = pytest.mark.django_db(transaction=True)
PARALLEL = 6


def in_parallel(request_once) -> list:
    """Runs `request_once()` in PARALLEL threads at once; each closes its own connection."""

    def run(_):
        try:
            return request_once()
        finally:
            connection.close()

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(run, range(PARALLEL)))


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def held_at(barrier: threading.Barrier, original):
    def wait_then(*args, **kwargs):
        barrier.wait()
        return original(*args, **kwargs)

    return wait_then


def test_identical_evidence_uploaded_in_parallel_is_stored_once_and_every_upload_gets_it(
    owner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    report = report_by(owner)
    key = make_key(owner)

    def upload():
        return client_with(key).post(
            f"/api/v1/reports/{report.pk}/evidence/",
            {"file": SimpleUploadedFile("capture.png", b"PNG...same", content_type="image/png")},
            format="multipart",
        )

    barrier = threading.Barrier(PARALLEL, timeout=20)
    # After the "same bytes already here?" check, before the row is inserted.
    with mock.patch.object(FileSystemStorage, "save", held_at(barrier, FileSystemStorage.save)):
        responses = in_parallel(upload)

    assert [r.status_code for r in responses] == [201] * PARALLEL, [
        (r.status_code, r.content[:300]) for r in responses
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Evidence.objects.count() == 1
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1, files  # the losers' copies are removed


def test_orders_with_one_reference_issued_in_parallel_give_one_order_and_409s(authority, coparty):
    key = make_key(authority)
    body = {
        "reference": "INDECOPI-2026-0099",
        "legal_basis": "Resolución 0099-2026/CDA-INDECOPI",
        "country": "PE",
        "targets": [{"kind": "domain", "value": "futbol-libre.example"}],
        "deadline": (timezone.now() + timedelta(minutes=30)).isoformat(),
    }

    def issue():
        return client_with(key).post("/api/v1/blocking-orders/", body, format="json")

    barrier = threading.Barrier(PARALLEL, timeout=20)
    # After the "reference already used?" check, before the insert.
    with mock.patch.object(
        order_services, "check_targets", held_at(barrier, order_services.check_targets)
    ):
        responses = in_parallel(issue)

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (PARALLEL - 1), [(r.status_code, r.content) for r in responses]
    for conflict in (r for r in responses if r.status_code == 409):
        assert conflict["Content-Type"].startswith("application/problem+json")
        assert conflict.json()["detail"] == "You already issued an order with this reference."
    assert BlockingOrder.objects.filter(reference="INDECOPI-2026-0099").count() == 1
