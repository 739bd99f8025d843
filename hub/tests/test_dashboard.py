"""The dashboard tells each organisation what is new for it, what is live, where its reports
stand, what others corroborate, which agreements end soon and which orders wait — and its
charts count only what the organisation may see. The actors: an owner that reports, a co-party
(an ISP) that shares with it, an outsider with no agreement, an authority that issues orders."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from enforcement import services as order_services
from enforcement.tests.factories import as_actor, order_by
from hub import charts
from hub.dashboard import dashboard_for, duration_text, record_visit
from hub.models import Visit
from members.tests.factories import OrganizationFactory, UserFactory
from reports import dedup
from reports.models import Report
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------- helpers


class _Tables(HTMLParser):
    """The visually hidden data tables of the page, by id: lists of rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "vh" in (attrs.get("class") or "").split():
            self._table = attrs["id"]
            self.tables[self._table] = []
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif self._table and tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def hidden_tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def numbers(table: list[list[str]]) -> list[int]:
    """Every count in a table's body (its header row and row headers left out)."""
    return [int(cell) for row in table[1:] for cell in row[1:] if cell.isdigit()]


def page(client, org, **user):
    person = user.get("person") or UserFactory(organization=org)
    client.force_login(person)
    response = client.get("/dashboard-under-test/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture(autouse=True)
def dashboard_url(settings):
    """The lead points `/` at the dashboard; until then the tests reach it at a path of
    their own (the project's URLs are not this change's to edit)."""
    from django.urls import clear_url_caches, include, path

    import hub.urls
    from hub.dashboard_views import dashboard

    class URLs:
        urlpatterns = [
            path("dashboard-under-test/", dashboard, name="dashboard-under-test"),
            path("", include(hub.urls.urlpatterns)),
        ]

    settings.ROOT_URLCONF = URLs
    clear_url_caches()
    yield
    clear_url_caches()


@pytest.fixture
def world(owner, coparty, authority):
    """The owner shares with the co-party and the authority; it reported a restream, a live
    match (ends in 34 minutes) and a domain the co-party reported too."""
    now = timezone.now()
    agreement_between(owner, coparty)
    agreement_between(owner, authority)
    shared = report_by(
        owner,
        title="Derby restreamed on a mirror network",
        indicators=[("domain", "mirror.pirate.example"), ("domain", "pirate.example")],
    )
    live = report_by(
        owner,
        title="Clásico live on a pirate panel",
        indicators=[("domain", "clasico-live.example")],
        live_from=now - timedelta(minutes=20),
        live_until=now + timedelta(minutes=34, seconds=30),
    )
    theirs = report_by(
        coparty, title="Our customers watch this", indicators=[("domain", "pirate.example")]
    )
    dedup.link_reports([shared.pk, live.pk, theirs.pk])
    return {"shared": shared, "live": live, "theirs": theirs}


# ---------------------------------------------------------------------------- what is new


def test_the_copartys_dashboard_shows_the_owners_shared_report_as_new(client, world, coparty):
    html = page(client, coparty)

    assert "New in the last 7 days" in html
    assert f'href="/reports/{world["shared"].pk}/"' in html
    assert re.search(r"<strong>2</strong> reports shared with you since", html)
    # Its own report is not news to it.
    new_section = html.split('id="dash-new"')[1].split("</section>")[0]
    assert "Our customers watch this" not in new_section


def test_new_since_the_last_visit_resets_after_a_visit(client, world, owner, coparty):
    person = UserFactory(organization=coparty)
    page(client, coparty, person=person)
    assert Visit.objects.get(user=person).dashboard_seen_at is not None

    again = page(client, coparty, person=person)
    assert "New since your last visit" in again
    assert re.search(r"<strong>No</strong> report shared with you since", again)

    report_by(owner, title="A newer restream", indicators=[("domain", "newer.example")])
    later = page(client, coparty, person=person)
    assert re.search(r"<strong>1</strong> report shared with you since", later)
    assert "A newer restream" in later


def test_a_visit_is_per_person_so_a_colleagues_visit_hides_nothing(world, coparty):
    first, colleague = UserFactory(organization=coparty), UserFactory(organization=coparty)
    dashboard = dashboard_for(first)

    record_visit(first, dashboard.now)

    assert dashboard_for(first).new_count == 0
    assert dashboard_for(colleague).new_count == 2


def test_the_unread_inbox_count_is_shown(client, world, coparty):
    html = page(client, coparty)
    assert re.search(r'id="dash-unread">(\d+ unread items?|No unread item) in your inbox', html)


# ---------------------------------------------------------------------------- live, mine, targets


def test_a_live_report_is_shown_with_its_countdown(client, world, coparty):
    html = page(client, coparty)

    live = html.split('id="dash-live"')[1].split("</section>")[0]
    assert "Clásico live on a pirate panel" in live
    assert f'href="/reports/{world["live"].pk}/"' in live
    assert re.search(r'<time class="countdown" datetime="[^"]+">ends in 3[34] min</time>', live)


def test_a_live_report_that_has_ended_or_is_resolved_is_not_urgent(world, owner, coparty):
    Report.objects.filter(pk=world["live"].pk).update(
        live_until=timezone.now() - timedelta(minutes=1)
    )
    assert dashboard_for(UserFactory(organization=coparty)).live == []


def test_my_reports_are_listed_with_their_status(client, world, owner):
    Report.objects.filter(pk=world["shared"].pk).update(status=Report.Status.ACTIONED)

    html = page(client, owner)

    mine = html.split('id="dash-mine"')[1].split("</section>")[0]
    assert "Derby restreamed on a mirror network" in mine
    assert '<span class="tag">Actioned</span> 1' in mine
    assert '<span class="tag">Open</span> 1' in mine
    assert "Our customers watch this" not in mine


def test_a_target_corroborated_by_two_members_is_shown(client, world, coparty):
    html = page(client, coparty)

    corroborated = html.split('id="dash-corroborated"')[1].split("</section>")[0]
    assert '<code class="value">pirate.example</code>' in corroborated
    assert "2 members (including you)" in corroborated
    assert "mirror.pirate.example" not in corroborated


# ---------------------------------------------------------------------------- the outsider


@pytest.fixture
def outsiders_own(outsider):
    """The outsider reported the owner's domain too, with one of its own: the two meet on a
    target and its own domain joins the owner's cluster, which it must still not learn of."""
    report = report_by(
        outsider,
        category="iptv",
        jurisdictions=("BR",),
        title="Panel seen in Brazil",
        indicators=[("domain", "pirate.example"), ("domain", "aa-outsider.example")],
    )
    dedup.link_reports([report.pk])
    return report


def test_the_outsiders_dashboard_shows_none_of_it(client, world, outsider, outsiders_own):
    from reports.models import Target

    # The premise: the outsider's target sits in the owner's cluster, beside a target it
    # cannot see.
    cluster = {t.value: t.cluster_id for t in Target.objects.all()}
    assert cluster["aa-outsider.example"] == cluster["mirror.pirate.example"]

    html = page(client, outsider)

    for secret in ("Derby restreamed", "Clásico live", "Our customers watch", "mirror.pirate"):
        assert secret not in html
    assert re.search(r"<strong>No</strong> report shared with you since", html)
    assert "No live-event report you can see" in html
    assert "No target you can see has been reported by more than one member" in html


def test_the_outsiders_chart_tables_count_only_its_own_report(
    client, world, outsider, outsiders_own
):
    tables = hidden_tables(page(client, outsider))

    weekly = tables["chart-weekly-data"]
    assert weekly[0] == ["Week of", "Pirate IPTV", "Total"]
    assert sum(int(row[-1]) for row in weekly[1:]) == 1
    assert max(numbers(weekly)) == 1
    # Two targets it may see, named by its own most-reported one: pirate.example has three
    # reports in all, but only one the outsider may see.
    assert tables["chart-clusters-data"][1:] == [["aa-outsider.example", "2"]]
    assert "chart-action-data" not in tables


def test_the_copartys_chart_tables_count_what_it_may_see(client, world, coparty, outsiders_own):
    tables = hidden_tables(page(client, coparty))

    weekly = tables["chart-weekly-data"]
    assert weekly[0] == ["Week of", "Live sports restream", "Total"]
    assert sum(int(row[-1]) for row in weekly[1:]) == 3  # not the outsider's
    # mirror.pirate.example and pirate.example; not the outsider's aa-outsider.example.
    assert tables["chart-clusters-data"][1:] == [["pirate.example", "2"]]


# ---------------------------------------------------------------------------- orders


@pytest.fixture
def order(world, authority):
    Report.objects.filter(pk=world["shared"].pk).update(
        created_at=timezone.now() - timedelta(hours=3)
    )
    return order_by(
        authority,
        reference="APIN-BLQ-0042",
        reports=[world["shared"].pk],
        deadline=timezone.now() + timedelta(minutes=30),
    )


def test_an_isp_sees_the_order_waiting_for_its_answer(client, order, coparty):
    html = page(client, coparty)

    orders = html.split('id="dash-orders"')[1].split("</section>")[0]
    assert f'href="/orders/{order.pk}/"' in orders
    assert "APIN-BLQ-0042" in orders
    assert re.search(r"due in (29|30) min", orders)
    assert "your answer: Notified" in orders


def test_an_answered_order_no_longer_waits_for_the_isp(client, order, coparty):
    order_services.compliance_confirm(actor=as_actor(coparty), order=order)

    html = page(client, coparty)

    assert "APIN-BLQ-0042" not in html.split('id="dash-orders"')[1].split("</section>")[0]


def test_the_regulator_sees_its_orders_with_open_answers(client, order, authority, coparty):
    html = page(client, authority)
    orders = html.split('id="dash-orders"')[1].split("</section>")[0]
    assert "APIN-BLQ-0042" in orders
    assert "1 of 1 ISPs still to answer" in orders

    order_services.compliance_confirm(actor=as_actor(coparty), order=order)
    assert dashboard_for(UserFactory(organization=authority)).orders == []


def test_a_rightsholder_has_no_orders_section(client, order, owner):
    assert 'id="dash-orders"' not in page(client, owner)


def test_time_to_action_counts_orders_the_organisation_may_see(client, order, coparty, owner):
    action = hidden_tables(page(client, coparty))["chart-action-data"]

    assert sum(int(row[1]) for row in action[1:]) == 1
    assert [row[2] for row in action[1:] if row[2] != "—"] == ["3 h"]
    # The owner sees its report but not the order: an order's existence is its issuer's and
    # its addressees' alone, even inside a median.
    assert "chart-action-data" not in hidden_tables(page(client, owner))


def test_the_outsider_learns_nothing_of_an_order(client, order, outsider):
    html = page(client, outsider)
    assert "APIN-BLQ-0042" not in html
    assert "chart-action-data" not in hidden_tables(html)


# ---------------------------------------------------------------------------- agreements


def test_agreements_expiring_within_30_days_appear(client, owner, coparty, outsider):
    today = timezone.localdate()
    soon = agreement_between(owner, coparty, expires_on=today + timedelta(days=12))
    later = agreement_between(owner, coparty, expires_on=today + timedelta(days=60))
    proposed = agreement_between(owner, coparty, expires_on=today + timedelta(days=5), active=False)

    html = page(client, coparty)

    expiring = html.split('id="dash-expiring"')[1].split("</section>")[0]
    assert f'href="/members/agreements/{soon.pk}/"' in expiring
    assert "in 12 days" in expiring
    assert "with Owner" in expiring
    assert f"/members/agreements/{later.pk}/" not in expiring
    assert f"/members/agreements/{proposed.pk}/" not in expiring
    assert f"/members/agreements/{soon.pk}/" not in page(client, outsider)


# ---------------------------------------------------------------------------- the charts


def test_each_chart_is_an_image_with_a_title_a_description_and_a_hidden_table(
    client, world, order, coparty
):
    html = page(client, coparty)

    for chart_id in ("chart-weekly", "chart-action", "chart-clusters"):
        svg = re.search(rf'<svg class="chart"[^>]*aria-labelledby="{chart_id}-title[^>]*>', html)
        assert svg and 'role="img"' in svg.group(0)
        assert f'<title id="{chart_id}-title">' in html
        assert f'<desc id="{chart_id}-desc">' in html
        assert f'<table class="vh" id="{chart_id}-data">' in html
    # Data only (the live clocks' words, through json_script), never code.
    main = re.split(r"<main[ >]", html)[1]
    assert not re.search(r'<script(?! id="[\w-]+" type="application/json">)', main)
    assert "http" not in "".join(re.findall(r"<svg class=\"chart\".*?</svg>", html)).replace(
        "http://www.w3.org/2000/svg", ""
    )


def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_every_chart_colour_stands_out_from_the_page():
    from kernel.vocabulary import Category

    assert set(charts.CATEGORY_COLOURS) == set(Category.values)
    for colour in [*charts.CATEGORY_COLOURS.values(), charts.BAR_COLOUR, charts.MUTED]:
        assert _contrast(colour, "#ffffff") >= 3, colour  # WCAG 1.4.11, graphical objects
    assert _contrast(charts.TEXT, "#ffffff") >= 4.5  # labels are text


def test_chart_labels_are_escaped():
    from hub.dashboard import ClusterBar

    chart = charts.clusters_chart([ClusterBar(1, '<script>alert("x")</script>.example', 3)])

    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg


def test_an_axis_ends_on_a_round_number():
    assert [charts.nice_ceiling(v) for v in (0, 1, 3, 7, 12, 180, 2600)] == [
        1,
        1,
        5,
        10,
        20,
        200,
        5000,
    ]


def test_durations_read_like_a_countdown():
    assert duration_text(20) == "under a minute"
    assert duration_text(34 * 60 + 30) == "34 min"
    assert duration_text(2 * 3600 + 5 * 60) == "2 h 5 min"
    assert duration_text(3 * 3600) == "3 h"
    assert duration_text(5 * 86400) == "5 days"


def test_hub_staff_have_no_dashboard_of_their_own(rf):
    from hub.dashboard_views import dashboard

    request = rf.get("/")
    request.user = UserFactory(organization=None, is_staff=True)

    response = dashboard(request)

    assert response.status_code == 200
    assert b"Staff hold no reading privilege over reports" in response.content
    assert not Visit.objects.exists()


# ---------------------------------------------------------------------------- cost


def _grow(owner, coparty, authority, n: int) -> None:
    """More of everything the page reads: members, agreements (expiring ones too), reports
    (live ones too) over many weeks and categories, targets in clusters, orders citing them."""
    today = timezone.localdate()
    now = timezone.now()
    others = [OrganizationFactory(kind="rightsholder") for _ in range(3)]
    for other in others:
        agreement_between(other, coparty, expires_on=today + timedelta(days=20))
        agreement_between(other, authority)
    ids = []
    categories = ["iptv", "live_sports", "torrent", "cyberlocker", "app"]
    for i in range(n):
        by = others[i % len(others)] if i % 4 else owner
        live = {"live_from": now, "live_until": now + timedelta(hours=1)} if i % 5 == 0 else {}
        report = report_by(
            by,
            category=categories[i % len(categories)],
            title=f"Report {i}",
            indicators=[
                ("domain", f"site{i % 7}.pirate{i % 3}.example"),
                ("ipv4", f"203.0.113.{i}"),
            ],
            **live,
        )
        ids.append(report.pk)
        Report.objects.filter(pk=report.pk).update(created_at=now - timedelta(days=i * 3))
    dedup.link_reports(ids)
    for j in range(4):
        order_by(
            authority,
            reference=f"BIG-{j}",
            reports=ids[j::4],
            targets=[("domain", f"o{j}.example")],
        )


# The request's own (session, person), the inbox badge of the menu, then the page: the last
# visit, new reports and their count, live reports, my reports and their count by status, the
# waiting orders (with their answers and cited reports), the unread count, corroborated
# targets, expiring agreements (with their parties), the agreements awaiting a signature, the
# three charts' figures (one each, the clusters' in one query), and recording the visit. An
# issuer's unblock queue takes one more and saves the menu's count of it; an ISP's due-soon
# banner is read from its waiting orders.
QUERIES = 22


@pytest.fixture
def everything(world, order, owner, coparty):
    """A small world where every section has something to show (a list that is empty skips
    its prefetch, and this is about the cost of a full page)."""
    agreement_between(owner, coparty, expires_on=timezone.localdate() + timedelta(days=9))


@pytest.mark.parametrize("size", [0, 30])
def test_the_dashboard_costs_a_constant_number_of_queries(
    client, everything, owner, coparty, authority, size, django_assert_max_num_queries
):
    if size:
        _grow(owner, coparty, authority, size)
    for org in (coparty, authority, owner):
        client.force_login(UserFactory(organization=org))
        with django_assert_max_num_queries(QUERIES):
            assert client.get("/dashboard-under-test/").status_code == 200


def test_the_dashboard_costs_the_same_whatever_the_data(
    client, everything, owner, coparty, authority
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(UserFactory(organization=coparty))
    with CaptureQueriesContext(connection) as small:
        client.get("/dashboard-under-test/")
    _grow(owner, coparty, authority, 30)
    with CaptureQueriesContext(connection) as large:
        html = client.get("/dashboard-under-test/").content.decode()

    assert "Report 1" in html  # the larger world is on the page
    assert len(small) == len(large) == QUERIES
