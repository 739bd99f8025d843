"""The inbox names what each item is about as people name it, not by the hub's internal numbers
(issue 14, item 10): an order by its reference and title, an agreement and a report by their
titles, an unblock request by its name, opening the request itself. Each is read through the
access policy, one query per kind of subject for the page.

The actors: the owner reports and shares with the co-party (an ISP), the authority issues
orders to the co-party, the outsider is party to nothing."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enforcement import unblock
from enforcement.events import OrderEvent
from enforcement.models import UnblockReview
from enforcement.tests.factories import order_by
from members.tests.factories import UserFactory
from notifications import fanout
from notifications.models import Event, Notification
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db

INBOX = reverse("reports:inbox")


def deliver() -> None:
    """What the worker does with every event not yet processed: the inbox items."""
    for event in Event.objects.filter(processed_at__isnull=True).order_by("pk"):
        fanout.process(event)
        Event.objects.filter(pk=event.pk).update(processed_at=event.created_at)


def inbox(client, org) -> str:
    client.force_login(UserFactory(organization=org))
    response = client.get(INBOX)
    assert response.status_code == 200
    return response.content.decode()


def about_cells(html: str) -> list[str]:
    """The text of each row's "About" cell, tags stripped, spaces folded."""
    cells = re.findall(r'<td id="notification-\d+-about"[^>]*>(.*?)</td>', html, re.S)
    return [" ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", c)).split()) for c in cells]


@pytest.fixture
def order(authority, coparty):
    return order_by(authority, reference="APIN-BLQ-0042", isps=[coparty])


def test_the_isps_inbox_names_the_order_by_its_reference_and_title(client, order, coparty):
    deliver()

    html = inbox(client, coparty)

    assert "APIN-BLQ-0042 · Resolución 123-2026/CDA, art. 5" in about_cells(html)
    assert f'href="/orders/{order.pk}/"' in html
    assert "blocking order #" not in html


def test_an_agreement_and_a_report_are_named_by_their_titles(client, owner, coparty):
    agreement = agreement_between(owner, coparty, active=False)
    agreement_between(owner, coparty)
    report = report_by(owner, title="Derby restreamed on a mirror network")
    deliver()

    html = inbox(client, coparty)

    cells = about_cells(html)
    assert "owner & coparty" in cells
    assert "Derby restreamed on a mirror network" in cells
    assert f'href="/members/agreements/{agreement.pk}/"' in html
    assert f'href="/reports/{report.pk}/"' in html
    assert "agreement #" not in html


def test_the_outsider_never_sees_the_title_of_an_order_it_may_not_see(
    client, order, authority, outsider
):
    """An item about an order outside the policy (however it came to be) names nothing of it."""
    deliver()
    event = Event.objects.get(type=OrderEvent.ISSUED, subject_ids=[order.pk])
    Notification.objects.create(organization=outsider, event=event)

    html = inbox(client, outsider)

    assert "APIN-BLQ-0042" not in html and "Resolución" not in html
    assert f"/orders/{order.pk}/" not in html
    assert about_cells(html) == ["not visible to your organisation"]


def test_the_unblock_request_item_opens_the_request_not_the_order(
    client, order, authority, coparty
):
    unblock.request_submit(
        data=unblock.UnblockInput(
            name="Ana Site-Owner",
            email="ana@site.example",
            value="pirate-streams.example",
            message="This is my cooking blog; it has nothing to do with football.",
        )
    )
    review = UnblockReview.objects.get(order=order)
    deliver()

    html = inbox(client, authority)

    row = html.split("Unblock request received")[1].split("</tr>")[0]
    assert f'href="/orders/unblock-requests/{review.pk}/"' in row
    assert f'href="/orders/{order.pk}/"' not in row
    assert "APIN-BLQ-0042 · unblock request about pirate-streams.example" in about_cells(row)
    # The ISP is not told of the request at all.
    assert "Unblock request received" not in inbox(client, coparty)


def _page_queries(client, org) -> int:
    client.force_login(UserFactory(organization=org))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INBOX).status_code == 200
    return len(queries)


def test_the_titles_cost_one_query_per_kind_of_subject_whatever_the_page_holds(
    client, owner, coparty, authority
):
    agreement_between(owner, coparty)
    report_by(owner, title="One report")
    order_by(authority, reference="ONE", isps=[coparty])
    deliver()
    few = _page_queries(client, coparty)

    for i in range(5):
        report_by(owner, title=f"Report {i}", indicators=[("domain", f"r{i}.example")])
        order_by(authority, reference=f"MORE-{i}", isps=[coparty])
        agreement_between(owner, coparty, active=False)
    deliver()
    many = _page_queries(client, coparty)

    assert Notification.objects.filter(organization=coparty).count() > 15
    assert many == few
