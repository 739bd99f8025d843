"""A report's page says which blocking orders used it ("used in order X (in force; 1 of 1 ISP
applied)"), to whoever may see both the report and the order; the reporter that may not see the
order reads what the public register says of its values, and nothing more."""

from __future__ import annotations

import re

import pytest

from enforcement import services
from enforcement.report_orders import orders_using_report
from enforcement.tests.factories import as_actor, order_by
from members.tests.factories import UserFactory
from reports import dedup
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


def panel(client, org, report) -> str:
    client.force_login(UserFactory(organization=org, role="analyst"))
    response = client.get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    found = re.search(
        r'<section aria-labelledby="orders-heading">(.*?)</section>',
        response.content.decode(),
        re.DOTALL,
    )
    return re.sub(r"\s+", " ", found.group(1)) if found else ""


@pytest.fixture
def report(owner, coparty, authority):
    """The owner's report, shared with the ISP (co-party) and the regulator."""
    agreement_between(owner, coparty, authority, jurisdictions=["PE"])
    shared = report_by(owner, indicators=[("domain", "futbol-libre.example")], title="Derby")
    dedup.link_reports([shared.pk])
    return shared


def test_the_issuer_sees_the_order_with_how_many_isps_applied_it(
    client, report, authority, coparty
):
    order = order_by(authority, reference="APIN-0042", reports=[report.pk])
    html = panel(client, authority, report)
    assert f'href="/orders/{order.pk}/"' in html and "APIN-0042" in html
    assert "(in force; 0 of 1 ISP applied)" in html
    assert "The order cites this report." in html

    services.compliance_confirm(actor=as_actor(coparty), order=order)
    assert "(in force; 1 of 1 ISP applied)" in panel(client, authority, report)


def test_the_addressed_isp_reads_its_own_answer_not_the_others(client, report, authority, coparty):
    order = order_by(authority, reference="APIN-0042", reports=[report.pk])
    assert "your answer: notified" in panel(client, coparty, report)
    services.compliance_confirm(actor=as_actor(coparty), order=order)
    html = panel(client, coparty, report)
    assert "your answer: implemented" in html and "ISP applied" not in html


def test_an_order_blocking_an_indicator_counts_though_it_does_not_cite_the_report(
    client, report, authority
):
    order_by(authority, reference="APIN-0043", targets=[("domain", "futbol-libre.example")])
    order_by(authority, reference="APIN-0044", targets=[("domain", "unrelated.example")])
    html = panel(client, authority, report)
    assert "APIN-0043" in html and "The order blocks one of this report's indicators." in html
    assert "APIN-0044" not in html


def test_the_reporter_reads_only_what_the_public_register_says(client, report, authority, owner):
    blocking = [("domain", "futbol-libre.example")]
    order_by(authority, reference="APIN-0042", reports=[report.pk], targets=blocking)
    # Cites the report but blocks something else: the register says nothing of the report.
    order_by(authority, reference="APIN-0047", reports=[report.pk])
    order_by(
        authority, reference="APIN-SECRET", reports=[report.pk], confidential=True, targets=blocking
    )
    assert orders_using_report(owner, report) == []
    html = panel(client, owner, report)
    assert "Blocked under order APIN-0042" in html and "in the public register" in html
    assert "/transparency/search/?q=futbol-libre.example" in html
    assert "/orders/" not in html and "ISP" not in html and "cites" not in html
    assert "APIN-0047" not in html
    # A confidential order never shows outside its issuer and its ISPs.
    assert "APIN-SECRET" not in html


def test_an_order_in_its_grace_window_is_the_issuers_alone(
    client, report, authority, coparty, owner, settings
):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 600
    order_by(authority, reference="APIN-0045", reports=[report.pk])
    assert "(in the grace window; 0 of 1 ISP applied)" in panel(client, authority, report)
    assert panel(client, coparty, report) == ""
    assert panel(client, owner, report) == ""


def test_no_order_no_panel(client, report, owner, coparty):
    assert panel(client, owner, report) == ""
    assert panel(client, coparty, report) == ""
