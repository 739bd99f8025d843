"""The orders list as CSV: a download holds exactly the rows of the reader's filtered list
(every page, the same order), and of each order no more than the list shows that reader.

The actors: an authority (a regulator in PE) that issues, the co-party (a PE telco, addressed
by default), a second PE telco, and an outsider (a BR telco, which sees nothing of a PE
order)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Organization
from members.tests.factories import OrganizationFactory, UserFactory

from .. import views
from ..views.exports import ORDER_COLUMNS
from .factories import order_by

pytestmark = pytest.mark.django_db

LIST = reverse("enforcement:list")
EXPORT = reverse("enforcement:export")
ORDER_LINK = re.compile(r'href="/orders/(\d+)/"')


def signed_in(client, org: Organization):
    client.force_login(UserFactory(organization=org, role="viewer"))
    return client


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Disposition"].startswith('attachment; filename="atalaya-orders-')
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def pk_of(row: dict[str, str]) -> str:
    return row["link"].rstrip("/").rsplit("/", 1)[1]


def listed(client, query: str) -> list[str]:
    found, number = [], 1
    while True:
        content = client.get(f"{LIST}?{query}&page={number}").content.decode()
        found += ORDER_LINK.findall(content)
        if 'rel="next"' not in content:
            return found
        number += 1


@pytest.fixture
def second_isp(db) -> Organization:
    return OrganizationFactory(slug="second-isp", kind="telco", country="PE")


@pytest.fixture
def orders(authority, coparty, second_isp):
    made = [
        order_by(
            authority,
            reference=f"CDA-{n}",
            targets=[("domain", f"mirror-{n}.example"), ("ipv4", f"198.51.100.{n + 1}")],
        )
        for n in range(5)
    ]
    made.append(order_by(authority, reference="ONLY-SECOND", isps=[second_isp]))
    return made


@pytest.mark.parametrize("reader", ["authority", "coparty", "second_isp"])
@pytest.mark.parametrize("query", ["", "role=addressed", "reference=CDA", "status=in_force"])
def test_the_download_holds_exactly_the_filtered_list_on_every_page(
    client, request, monkeypatch, orders, reader, query
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    signed_in(client, request.getfixturevalue(reader))

    exported = [pk_of(row) for row in rows(client.get(f"{EXPORT}?{query}"))]

    assert exported == listed(client, query)
    # Each case lists something, but the issuer's own orders are not addressed to it.
    assert bool(exported) != (reader == "authority" and query == "role=addressed")


def test_the_list_links_to_the_download_of_what_it_shows(client, authority, orders):
    signed_in(client, authority)

    content = client.get(f"{LIST}?reference=CDA&page=2").content.decode()

    assert f'href="{EXPORT}?reference=CDA" download' in content


def test_an_order_is_one_line_with_its_targets_in_force_as_columns(client, authority, coparty):
    order = order_by(
        authority,
        reference="CDA-7",
        targets=[
            ("domain", "futbol-libre.example"),
            ("domain", "futbol-libre2.example"),
            ("url", "https://restream.example/live"),
        ],
    )
    signed_in(client, authority)

    (row,) = rows(client.get(EXPORT))

    assert list(row) == ORDER_COLUMNS
    assert row["reference"] == "CDA-7"
    assert row["role"] == "issued"
    assert row["status"] == "in_force"
    assert row["domain"] == "futbol-libre.example\nfutbol-libre2.example"
    assert row["url"] == "https://restream.example/live"
    assert row["ipv4"] == row["cidr"] == ""
    assert row["targets_in_force"] == "3"
    assert row["answers"] == "coparty:notified"
    assert row["link"] == f"http://testserver/orders/{order.pk}/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["deadline"])


def test_an_isp_reads_only_its_own_answer_as_on_the_list(client, authority, coparty, second_isp):
    order_by(authority, reference="BOTH", isps=[coparty, second_isp])

    (issuer_row,) = rows(signed_in(client, authority).get(EXPORT))
    (isp_row,) = rows(signed_in(client, coparty).get(EXPORT))

    assert issuer_row["answers"] == "coparty:notified second-isp:notified"
    assert issuer_row["your_answer"] == ""
    assert isp_row["answers"] == "coparty:notified"  # never its competitor's
    assert isp_row["your_answer"] == "notified"
    assert isp_row["role"] == "addressed"
    assert "second-isp" not in str(isp_row)


def test_an_outsiders_download_holds_no_order_of_another_country(client, outsider, orders):
    signed_in(client, outsider)

    assert rows(client.get(EXPORT)) == []
    assert rows(client.get(f"{EXPORT}?reference=CDA")) == []


def test_a_legal_basis_a_spreadsheet_would_run_is_quoted(client, authority, coparty):
    order = order_by(authority, reference="CDA-9")
    order.legal_basis = '=HYPERLINK("http://evil.example","Resolución")'
    order.save(update_fields=["legal_basis"])
    signed_in(client, authority)

    (row,) = rows(client.get(EXPORT))

    assert row["legal_basis"] == "'" + order.legal_basis


def test_the_download_costs_the_same_queries_for_2_or_8_orders(client, authority, coparty):
    signed_in(client, authority)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows(client.get(EXPORT))
        return len(captured)

    for n in range(2):
        order_by(authority, targets=[("domain", f"a{n}.example")])
    few = queries()
    for n in range(2, 8):
        order_by(authority, targets=[("domain", f"a{n}.example"), ("ipv4", "198.51.100.9")])
    assert queries() == few


def test_the_download_needs_a_sign_in(client):
    response = client.get(EXPORT)
    assert response.status_code == 302 and reverse("login") in response["Location"]
