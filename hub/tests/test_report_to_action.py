"""The dashboard's time to action counts a report once an order used it: cited it, or blocked
one of its indicators (enforcement.report_orders.used_report), among orders the reader may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from enforcement.tests.factories import order_by
from hub.dashboard import dashboard_for
from members.tests.factories import UserFactory
from reports import dedup
from reports.models import Report
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(owner, coparty, authority):
    agreement_between(owner, coparty, authority, jurisdictions=["PE"])
    shared = report_by(owner, indicators=[("domain", "futbol-libre.example")])
    dedup.link_reports([shared.pk])
    Report.objects.filter(pk=shared.pk).update(created_at=timezone.now() - timedelta(hours=2))
    return shared


def acted_on(org) -> int:
    return sum(week.reports for week in dashboard_for(UserFactory(organization=org)).actions)


def test_an_order_blocking_an_indicator_counts_though_it_does_not_cite_the_report(
    report, authority, coparty, owner
):
    order_by(authority, reference="APIN-0046", targets=[("domain", "futbol-libre.example")])
    assert acted_on(coparty) == 1 and acted_on(authority) == 1
    # The reporter sees its report but not the order: not even in a median.
    assert acted_on(owner) == 0


def test_an_order_on_other_values_that_does_not_cite_it_does_not_count(report, authority, coparty):
    order_by(authority, reference="APIN-0048", targets=[("domain", "elsewhere.example")])
    assert acted_on(coparty) == 0
