"""Pieces of pages that htmx refreshes in place."""

from __future__ import annotations

import pytest

from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_unread_badge_is_a_fragment_that_htmx_refreshes(client, owner, coparty):
    from enforcement.tests.factories import order_by
    from members.tests.factories import OrganizationFactory
    from notifications import fanout
    from notifications.models import Event

    authority = OrganizationFactory(slug="authority", kind="regulator", country="PE")
    order = order_by(authority)
    client.force_login(UserFactory(organization=coparty))
    before = client.get("/fragments/unread/").content.decode()
    fanout.fan_out(Event.objects.get(type="blocking_order.issued", subject_ids=[order.pk]))

    after = client.get("/fragments/unread/", HTTP_HX_REQUEST="true").content.decode()
    page = client.get("/reports/inbox/").content.decode()

    assert 'hx-trigger="every 30s, unread-changed from:body"' in before
    assert ">1</span>" not in before
    assert ">1</span>" in after
    assert "htmx-2.0.11.min.js" in page


def test_the_report_filters_swap_only_the_results_when_htmx_asks(client, owner):
    from reports.tests.factories import report_by

    report_by(owner, title="Live restream", category="live_sports")
    report_by(owner, title="Ripper site", category="stream_ripping")
    client.force_login(UserFactory(organization=owner))

    page = client.get("/reports/").content.decode()
    swapped = client.get(
        "/reports/", {"category": "stream_ripping"}, HTTP_HX_REQUEST="true"
    ).content.decode()

    assert 'hx-target="#report-results"' in page and 'id="report-results"' in page
    assert "Ripper site" in swapped and "Live restream" not in swapped
