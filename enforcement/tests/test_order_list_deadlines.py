"""Deadlines first (issue 14, item 5): the order list puts the orders that wait on the reader
first, the soonest deadline (the most overdue) at the top, overdue rows in red; the orders
settled or ended follow, the latest deadline first.

The actors: the authority issues orders to the co-party (an ISP) and to a rival ISP of the same
country; each ISP waits only on its own answers, the authority on any ISP's; the outsider (an
ISP abroad) is addressed by none."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.tests.factories import OrganizationFactory, UserFactory

from .. import services
from ..models import BlockingOrder
from .factories import as_actor, order_by

pytestmark = pytest.mark.django_db

LIST = reverse("enforcement:list")


def listed(client, org, **query) -> list[str]:
    """The list's page as `org` sees it."""
    client.force_login(UserFactory(organization=org))
    response = client.get(LIST, query)
    assert response.status_code == 200
    return response.content.decode()


def references(html: str) -> list[str]:
    body = html.split('<table class="orders">')[1].split("</table>")[0]
    return re.findall(r'<a href="/orders/\d+/">([^<]+)</a>', body)


def due_in(minutes: int):
    return timezone.now() + timedelta(minutes=minutes)


@pytest.fixture
def rival(db):
    return OrganizationFactory(slug="rival", kind="telco", country="PE")


@pytest.fixture
def orders(authority, coparty, rival):
    """Issued oldest first: a newest-first list would show them backwards."""
    made = {
        "later": order_by(authority, reference="LATER", deadline=due_in(180), isps=[coparty]),
        "soon": order_by(authority, reference="SOON", deadline=due_in(29), isps=[coparty]),
        "done": order_by(authority, reference="DONE", deadline=due_in(5), isps=[coparty]),
        "late": order_by(authority, reference="LATE", deadline=due_in(60), isps=[coparty]),
        "theirs": order_by(
            authority, reference="THEIRS", deadline=due_in(20), isps=[coparty, rival]
        ),
    }
    BlockingOrder.objects.filter(pk=made["late"].pk).update(deadline=due_in(-10))
    services.compliance_confirm(actor=as_actor(coparty), order=made["done"])
    services.compliance_confirm(actor=as_actor(coparty), order=made["theirs"])
    return made


def test_the_isp_sees_what_waits_on_it_first_the_most_overdue_at_the_top(client, orders, coparty):
    html = listed(client, coparty)

    # Waiting on the co-party: overdue, then 29 min, then 3 h; then what it answered, the
    # latest deadline first.
    assert references(html) == ["LATE", "SOON", "LATER", "THEIRS", "DONE"]


def test_an_overdue_row_is_red_with_its_countdown(client, orders, coparty):
    html = listed(client, coparty)

    late_row = re.search(r"<tr[^>]*>\s*<td[^>]*><a href=\"/orders/\d+/\">LATE</a>", html)
    assert late_row and late_row.group(0).startswith('<tr class="late">')
    assert re.search(r'<time class="countdown overdue"[^>]*>overdue by 10 min</time>', html)
    soon_row = re.search(r"<tr[^>]*>\s*<td[^>]*><a href=\"/orders/\d+/\">SOON</a>", html)
    assert soon_row and soon_row.group(0).startswith("<tr>")


def test_the_issuer_waits_on_any_isp_so_its_list_differs(client, orders, authority):
    # THEIRS still waits on the rival: it is open for the authority, the soonest after LATE.
    assert references(listed(client, authority)) == ["LATE", "THEIRS", "SOON", "LATER", "DONE"]


def test_the_other_isp_sees_only_its_own_order_and_the_outsider_none(
    client, orders, rival, outsider
):
    assert references(listed(client, rival)) == ["THEIRS"]
    assert references(listed(client, outsider)) == []


def test_filters_keep_the_deadline_order(client, orders, coparty):
    html = listed(client, coparty, role="addressed", status="in_force")
    assert references(html) == ["LATE", "SOON", "LATER", "THEIRS", "DONE"]
    assert "those waiting for an answer first, the soonest deadline first" in html
