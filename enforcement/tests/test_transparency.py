"""The public transparency pages: the register (and its CSV), "is my site blocked, and why?"
and the figures. Nobody signs in. The actors: an authority (a regulator in PE) that issues
orders, public and confidential, and the co-party (a PE telco) they address."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from enforcement import services, transparency
from enforcement.models import BlockingOrder, ComplianceStep, OrderTarget
from members.tests.factories import OrganizationFactory

from .factories import as_actor, order_by, without_csrf

pytestmark = pytest.mark.django_db

REGISTER = "/transparency/"
CSV = "/transparency/register.csv"
SEARCH = "/transparency/search/"
FIGURES = "/transparency/figures/"
AUTHORITY_NAME = "Comisión de Derecho de Autor"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    """Events are rows; nothing here needs them sent to a worker."""
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, urgent: None)


@pytest.fixture
def authority(authority):
    authority.name = AUTHORITY_NAME
    authority.save(update_fields=["name"])
    return authority


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def search(client, q: str) -> str:
    return page(client.get(SEARCH, {"q": q}))


def issued_a_week_ago(order: BlockingOrder) -> BlockingOrder:
    BlockingOrder.objects.filter(pk=order.pk).update(issued_at=timezone.now() - timedelta(days=7))
    order.refresh_from_db()
    return order


def confirm(order: BlockingOrder, isp, *, after: timedelta) -> None:
    """`isp` confirms implementing `order`, `after` its issue (which must be that far back)."""
    services.compliance_confirm(actor=as_actor(isp), order=order)
    ComplianceStep.objects.filter(
        compliance__order=order, compliance__isp=isp, state="implemented"
    ).update(at=order.issued_at + after)


# --- the register ----------------------------------------------------------------------------


def test_the_register_lists_a_public_orders_domain_with_its_authority_and_legal_basis(
    client, authority, coparty
):
    order_by(authority, targets=(("domain", "Futbol-Libre.example"),), reference="CDA-2026-7")

    body = page(client.get(REGISTER))

    assert "futbol-libre.example" in body
    assert AUTHORITY_NAME in body
    assert "CDA-2026-7" in body
    assert "Resolución 123-2026/CDA, art. 5" in body


def test_the_register_needs_no_sign_in_and_links_from_every_page(client, authority, coparty):
    response = client.get(REGISTER)

    assert response.status_code == 200
    assert f'href="{REGISTER}"' in page(client.get("/accounts/login/"))


def test_a_confidential_orders_entries_are_absent_from_register_csv_and_search_but_counted(
    client, authority, coparty
):
    order_by(authority, targets=(("domain", "public-pirate.example"),), reference="PUB-1")
    order_by(
        authority,
        targets=(("domain", "secret-pirate.example"), ("ipv4", "203.0.113.9")),
        reference="SECRET-1",
        confidential=True,
    )

    register = page(client.get(REGISTER, {"show": "all"}))
    assert "public-pirate.example" in register
    assert "secret-pirate.example" not in register
    assert "SECRET-1" not in register
    assert [r["value"] for r in csv_rows(client.get(CSV, {"show": "all"}))] == [
        "public-pirate.example"
    ]
    for asked in ("www.secret-pirate.example", "203.0.113.9"):
        found = search(client, asked)
        assert f"No entry of the public register blocks {asked} now" in found
        assert "SECRET-1" not in found

    figures = transparency.figures()
    assert figures.orders["total"] == 2
    assert figures.orders["in_force"] == 2
    assert figures.orders["confidential"] == 1
    assert figures.targets["total"] == 3
    shown = page(client.get(FIGURES))
    assert re.search(r"<dt>Issued</dt><dd>2</dd>", shown)
    assert "secret-pirate.example" not in shown


def test_lifted_entries_drop_from_the_default_view_and_stay_in_the_full_register(
    client, authority, coparty
):
    order = order_by(
        authority,
        targets=(("domain", "lifted-mirror.example"), ("domain", "still-blocked.example")),
    )
    services.order_lift(
        actor=as_actor(authority),
        order=order,
        targets=[services.TargetInput("domain", "lifted-mirror.example")],
    )

    now_view = page(client.get(REGISTER))
    assert "still-blocked.example" in now_view
    assert "lifted-mirror.example" not in now_view
    full = page(client.get(REGISTER, {"show": "all"}))
    assert "lifted-mirror.example" in full
    assert [(r["value"], r["state"]) for r in csv_rows(client.get(CSV, {"show": "all"}))] == [
        ("lifted-mirror.example", "lifted"),
        ("still-blocked.example", "in force"),
    ]


def test_an_expired_order_leaves_the_default_view(client, authority, coparty):
    order = order_by(authority, targets=(("domain", "old-season.example"),))
    BlockingOrder.objects.filter(pk=order.pk).update(ends_at=timezone.now() - timedelta(days=1))

    assert "old-season.example" not in page(client.get(REGISTER))
    assert [(r["value"], r["state"]) for r in csv_rows(client.get(CSV, {"show": "all"}))] == [
        ("old-season.example", "expired")
    ]


def test_the_register_pages_a_hundred_entries_at_a_time_in_two_queries(
    client, authority, coparty, django_assert_num_queries
):
    order_by(authority, targets=[("domain", f"mirror{i:03d}.example") for i in range(150)])
    order_by(authority, targets=(("ipv4", "198.51.100.7"),))

    with django_assert_num_queries(2):  # the count, and the page with its orders and issuers
        first = page(client.get(REGISTER))
    assert first.count("<tr>") - 1 == 100
    assert "Page 1 of 2" in first
    assert page(client.get(REGISTER, {"page": 2})).count("<tr>") - 1 == 51


def test_the_register_filters_by_kind(client, authority, coparty):
    order_by(authority, targets=(("domain", "only-a-name.example"), ("cidr", "192.0.2.0/24")))

    body = page(client.get(REGISTER, {"kind": "cidr"}))

    assert "192.0.2.0/24" in body
    assert "only-a-name.example" not in body


def test_the_csv_neutralises_a_legal_basis_that_would_run_as_a_formula(client, authority, coparty):
    order = order_by(authority, targets=(("domain", "formula.example"),))
    BlockingOrder.objects.filter(pk=order.pk).update(legal_basis='=HYPERLINK("http://x")')

    response = client.get(CSV)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    (row,) = csv_rows(response)
    assert row["legal_basis"] == '\'=HYPERLINK("http://x")'
    assert row["authority"] == AUTHORITY_NAME


# --- is my site blocked? ---------------------------------------------------------------------


def test_search_finds_a_subdomain_through_its_blocked_parent(client, authority, coparty):
    order_by(authority, targets=(("domain", "pirate-streams.example"),), reference="CDA-9")

    body = search(client, "Live.WWW.pirate-streams.example")

    assert "live.www.pirate-streams.example" in body
    assert "Its parent domain pirate-streams.example is blocked" in body
    assert "CDA-9" in body
    assert AUTHORITY_NAME in body
    assert "/transparency/unblock/?value=live.www.pirate-streams.example" in body


def test_search_finds_a_url_through_its_blocked_host(client, authority, coparty):
    order_by(authority, targets=(("domain", "restream.example"),), reference="CDA-10")

    body = search(client, "https://restream.example/live/final?utm_source=x")

    assert "CDA-10" in body
    assert "This domain is blocked" in body


def test_search_for_a_domain_shows_the_blocked_pages_of_that_site(client, authority, coparty):
    order_by(
        authority,
        targets=(
            ("url", "https://video-host.example/watch/final"),
            ("url", "http://video-host.example:8080/live"),
            ("url", "https://video-host.example.evil.example/x"),
        ),
        reference="CDA-11",
    )

    body = search(client, "video-host.example")

    assert "https://video-host.example/watch/final" in body
    assert "http://video-host.example:8080/live" in body
    assert "video-host.example.evil.example" not in body
    assert "A URL on this host is blocked" in body


@pytest.mark.parametrize(
    ("blocked", "asked"),
    [
        (("cidr", "198.51.100.0/24"), "198.51.100.77"),
        (("cidr", "2001:db8::/32"), "2001:DB8:0:0::1"),
        (("ipv4", "203.0.113.5"), "http://203.0.113.5/stream"),
    ],
)
def test_search_finds_an_address_inside_a_blocked_range_or_equal_to_a_blocked_one(
    client, authority, coparty, blocked, asked
):
    order_by(authority, targets=(blocked,), reference="CDA-IP")

    body = search(client, asked)

    assert "CDA-IP" in body
    assert blocked[1] in body


def test_search_does_not_find_a_sibling_or_a_parent_of_a_blocked_name(client, authority, coparty):
    order_by(authority, targets=(("domain", "cdn.pirate.example"),))

    assert "No entry of the public register blocks pirate.example now" in search(
        client, "pirate.example"
    )
    assert "No entry of the public register blocks" in search(client, "img.pirate.example")


def test_an_invalid_search_gets_a_form_error(client):
    body = search(client, "not a domain!")

    assert 'class="error" role="alert"' in body
    assert "Give a domain name, a URL or an IP address" in body
    assert "No entry of the public register" not in body


def test_nothing_found_reads_the_same_whether_or_not_a_confidential_order_covers_the_name(
    client, authority, coparty
):
    order_by(authority, targets=(("domain", "covered.example"),), confidential=True)

    covered = search(client, "covered.example")
    free = search(client, "uncovered.example")

    assert "No entry of the public register blocks covered.example now" in covered
    assert without_csrf(covered).replace("covered.example", "NAME") == without_csrf(free).replace(
        "uncovered.example", "NAME"
    )


@pytest.mark.parametrize(
    "asked",
    ["a.b.indexed.example", "https://indexed.example/x", "198.51.100.7", "2001:db8::1"],
)
def test_the_lookup_is_answered_from_the_value_index_without_a_scan(authority, coparty, asked):
    order_by(authority, targets=(("domain", "indexed.example"),))
    rows = OrderTarget.objects.filter(
        transparency.blocking_condition(transparency.parse_lookup(asked))
    )
    sql, params = rows.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # else a tiny table is simply read
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Seq Scan" not in plan, plan
    assert "order_target_value" in plan


# --- figures ---------------------------------------------------------------------------------


def test_the_median_time_to_implementation_is_per_isp_from_the_orders_issue(
    client, authority, coparty
):
    second = OrganizationFactory(slug="second-isp", name="Second ISP", kind="telco", country="PE")
    orders = [
        issued_a_week_ago(order_by(authority, targets=(("domain", f"m{i}.example"),)))
        for i in range(3)
    ]
    for order, minutes in zip(orders, (10, 30, 120), strict=True):
        confirm(order, coparty, after=timedelta(minutes=minutes))
    confirm(orders[0], second, after=timedelta(hours=5))
    # A later confirmation (after an amendment) does not change when it was first implemented.
    ComplianceStep.objects.create(
        compliance=orders[0].compliance.get(isp=coparty),
        state="implemented",
        at=orders[0].issued_at + timedelta(days=3),
    )

    isps = {f.name: f for f in transparency.figures().isps}

    assert isps[coparty.name].median == timedelta(minutes=30)
    assert isps[coparty.name].implemented == 3
    assert isps[coparty.name].addressed == 3
    assert isps["Second ISP"].median == timedelta(hours=5)
    assert isps["Second ISP"].implemented == 1
    assert isps["Second ISP"].addressed == 3
    body = page(client.get(FIGURES))
    assert "30 min" in body
    assert "5 h 00 min" in body


def test_the_figures_count_orders_by_status(client, authority, coparty):
    order_by(authority, targets=(("domain", "in-force.example"),))
    lifted = order_by(authority, targets=(("domain", "lifted.example"),))
    services.order_lift(actor=as_actor(authority), order=lifted)
    expired = order_by(authority, targets=(("domain", "expired.example"),), confidential=True)
    BlockingOrder.objects.filter(pk=expired.pk).update(ends_at=timezone.now())

    orders = transparency.figures().orders

    assert orders == {"total": 3, "in_force": 1, "lifted": 1, "expired": 1, "confidential": 1}


def test_the_figures_page_costs_the_same_few_queries_however_many_orders(
    client, authority, coparty, django_assert_num_queries
):
    for i in range(5):
        order = issued_a_week_ago(
            order_by(authority, targets=[("domain", f"o{i}-{j}.example") for j in range(5)])
        )
        confirm(order, coparty, after=timedelta(minutes=i + 1))

    with django_assert_num_queries(9):
        page(client.get(FIGURES))
