"""Times in the API are UTC (RFC 3339, "Z"), whatever zone Django defaults to or a signed-in
person chose for the portal: integrations compare them with each other and with their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from members.tests.factories import UserFactory
from reports.models import Report
from reports.tests.factories import report_by

pytestmark = pytest.mark.django_db
RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_the_default_time_zone_is_utc():
    # Unset, Django's default is America/Chicago.
    assert settings.TIME_ZONE == "UTC"


def test_a_reports_times_come_out_in_utc_over_the_api(owner, owner_api):
    report = report_by(owner)
    # A date old enough that a named zone would give it local mean time (-05:50:36 in Chicago),
    # which is not RFC 3339.
    Report.objects.filter(pk=report.pk).update(created_at=datetime(1890, 6, 1, 12, tzinfo=UTC))
    body = owner_api.get(f"/api/v1/reports/{report.pk}/").json()
    assert body["created_at"] == "1890-06-01T12:00:00Z"
    assert RFC3339_UTC.match(body["updated_at"]), body["updated_at"]


def test_a_person_with_their_own_zone_still_reads_utc_in_the_api(client, owner):
    person = UserFactory(organization=owner, role="analyst", time_zone="America/Lima")
    report = report_by(owner)
    Report.objects.filter(pk=report.pk).update(created_at=datetime(2026, 3, 1, 3, 30, tzinfo=UTC))
    client.force_login(person)
    response = client.get(f"/api/v1/reports/{report.pk}/")
    assert response.status_code == 200, response.content
    # In Lima this is the evening before (22:30 -05:00); the API says it in UTC.
    assert response.json()["created_at"] == "2026-03-01T03:30:00Z"


def test_report_times_are_utc_even_where_a_zone_is_active(owner, owner_api):
    """The report shape is also the webhook body, built outside any request: it never
    depends on which zone happens to be active."""
    report = report_by(owner)
    Report.objects.filter(pk=report.pk).update(created_at=datetime(2026, 3, 1, 3, 30, tzinfo=UTC))
    with timezone.override(ZoneInfo("Asia/Kolkata")):
        body = owner_api.get(f"/api/v1/reports/{report.pk}/").json()
    assert body["created_at"] == "2026-03-01T03:30:00Z"


def test_every_api_time_is_utc_not_only_the_reports(owner, client):
    """Plain DRF fields follow the zone in force: the default (TIME_ZONE), since the API never
    activates a person's own."""
    from members.models import Organization

    Organization.objects.filter(pk=owner.pk).update(created_at=datetime(1890, 6, 1, 12, tzinfo=UTC))
    client.force_login(UserFactory(organization=owner, role="analyst", time_zone="Asia/Tokyo"))
    body = client.get(f"/api/v1/organizations/{owner.slug}/").json()
    assert body["created_at"] == "1890-06-01T12:00:00Z"
