"""The reports pages of the portal: list, detail, submit, status, and what we share with whom.

Every page reads through `visible_reports(org)`, so each test has an owner (who reports), a
co-party (who shares with it under an agreement) and an outsider (who shares nothing).
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kernel.vocabulary import TLP, Category
from members import services as members_services
from members.models import Agreement, Organization, User
from members.services import Actor
from members.tests.factories import OrganizationFactory, UserFactory
from reports import services
from reports.indicators import normalise
from reports.models import Report
from reports.services import IndicatorInput, ReportInput

pytestmark = pytest.mark.django_db
REPORT_LINK = re.compile(r'href="/reports/\d+/">([^<]+)</a>')


# --- helpers ---------------------------------------------------------------------------------


def member(org: Organization, role: str = "analyst") -> User:
    return UserFactory(organization=org, role=role)


def signed_in(client, org: Organization, role: str = "analyst"):
    client.force_login(member(org, role))
    return client


def agreement_between(*orgs: Organization, **terms) -> Agreement:
    """An agreement proposed by the first party's admin and signed by every other's: active."""
    proposer, *others = orgs
    agreement = members_services.agreement_propose(
        actor=Actor(user=member(proposer, "admin")),
        title=terms.pop("title", "Coalition MOU"),
        parties=list(others),
        categories=terms.pop("categories", []),
        jurisdictions=terms.pop("jurisdictions", []),
        max_tlp=terms.pop("max_tlp", TLP.AMBER),
        **terms,
    )
    for org in others:
        agreement = members_services.agreement_sign(
            actor=Actor(user=member(org, "admin")), agreement=agreement
        )
    assert agreement.status == Agreement.Status.ACTIVE
    return agreement


def indicator(kind: str, value: str) -> IndicatorInput:
    return IndicatorInput(kind=kind, raw_value=value, value=normalise(kind, value))


def report_data(title: str = "Pirate IPTV panel", **fields) -> ReportInput:
    fields.setdefault("category", Category.IPTV)
    fields.setdefault("tlp", TLP.AMBER)
    fields.setdefault("jurisdictions", ["PE"])
    fields.setdefault("indicators", [indicator("domain", "pirate-tv.example")])
    return ReportInput(title=title, **fields)


def report_by(org: Organization, title: str = "Pirate IPTV panel", **fields) -> Report:
    return services.report_submit(actor=Actor(user=member(org)), data=report_data(title, **fields))


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", response.content.decode())


def submission(**overrides) -> dict:
    """A POST of the submit form: three indicator rows, as the page first shows them."""
    data = {
        "category": "live_sports",
        "title": "Restream of the final",
        "description": "Three mirrors of the same restream.",
        "tlp": str(TLP.AMBER.value),
        "jurisdictions": "pe, co",
        "sharing": "agreements",
        "recipients": "",
        "live_from": "",
        "live_until": "",
        "indicators-TOTAL_FORMS": "3",
        "indicators-INITIAL_FORMS": "0",
        "indicators-MIN_NUM_FORMS": "0",
        "indicators-MAX_NUM_FORMS": "1000",
        "indicators-0-kind": "domain",
        "indicators-0-value": "Restream-Final.EXAMPLE",
        "indicators-1-kind": "ipv4",
        "indicators-1-value": "203.0.113.300",
        "indicators-2-kind": "url",
        "indicators-2-value": "https://mirror.example/live?utm_source=x",
    }
    data.update(overrides)
    return data


# --- list ------------------------------------------------------------------------------------


def test_the_list_shows_a_shared_amber_report_to_the_coparty_and_hides_it_from_the_outsider(
    client, owner, coparty, outsider
):
    agreement_between(owner, coparty, share_reporter_identity=True)
    report_by(owner, "Amber panel shared with the co-party")

    assert "Amber panel shared with the co-party" in page(
        signed_in(client, coparty).get(reverse("reports:list"))
    )
    assert "Amber panel shared with the co-party" not in page(
        signed_in(client, outsider).get(reverse("reports:list"))
    )


def test_the_owner_sees_its_private_report_and_nobody_else_does(client, owner, coparty, outsider):
    agreement_between(owner, coparty)
    report_by(owner, "Private lead", sharing=Report.Sharing.PRIVATE)

    assert "Private lead" in page(signed_in(client, owner).get(reverse("reports:list")))
    for other in (coparty, outsider):
        assert "Private lead" not in page(signed_in(client, other).get(reverse("reports:list")))


def test_a_withheld_identity_shows_a_coalition_member_on_the_list_and_the_detail(
    client, owner, coparty, outsider
):
    agreement_between(owner, coparty, share_reporter_identity=False)
    report = report_by(owner, "Anonymous tip")
    signed_in(client, coparty)

    listing = page(client.get(reverse("reports:list")))
    detail = page(client.get(reverse("reports:detail", args=[report.pk])))
    for html in (listing, detail):
        assert "a coalition member" in html
        assert owner.name not in html.split("<main ")[1]


def test_a_shared_identity_names_the_reporting_organisation(client, owner, coparty):
    agreement_between(owner, coparty, share_reporter_identity=True)
    report = report_by(owner, "Named tip")
    detail = page(signed_in(client, coparty).get(reverse("reports:detail", args=[report.pk])))
    assert owner.name in detail and "a coalition member" not in detail


def test_filters_and_search_narrow_the_list_on_top_of_the_policy(client, owner, coparty, outsider):
    agreement_between(owner, coparty)
    report_by(owner, "Peru IPTV", jurisdictions=["PE"])
    report_by(
        owner,
        "Torrent tracker",
        category=Category.TORRENT,
        tlp=TLP.GREEN,
        jurisdictions=[],
        indicators=[indicator("domain", "tracker.example")],
    )
    report_by(coparty, "Our own restream", category=Category.LIVE_SPORTS)
    report_by(outsider, "Outsider torrent", category=Category.TORRENT, tlp=TLP.GREEN)
    signed_in(client, coparty)

    def titles(**params) -> set[str]:
        html = page(client.get(reverse("reports:list"), params))
        return set(REPORT_LINK.findall(html))

    assert titles() == {"Peru IPTV", "Torrent tracker", "Our own restream"}
    assert titles(category="torrent") == {"Torrent tracker"}
    assert titles(tlp="green") == {"Torrent tracker"}
    assert titles(jurisdiction="pe") == {"Peru IPTV", "Our own restream"}
    assert titles(status="open", mine="on") == {"Our own restream"}
    assert titles(q="TRACKER.example") == {"Torrent tracker"}  # an indicator value
    assert titles(q="restream") == {"Our own restream"}  # a title
    assert titles(q="outsider") == set()  # the search never reaches past the policy
    assert titles(tlp="purple") == titles()  # an invalid filter is shown, not applied


def test_the_list_shows_global_and_the_urgent_badge_of_a_live_event(client, owner):
    now = timezone.now()
    report_by(
        owner,
        "Final tonight",
        jurisdictions=[],
        live_from=now,
        live_until=now + datetime.timedelta(hours=2),
    )
    html = page(signed_in(client, owner).get(reverse("reports:list")))
    assert "global" in html and 'class="tag urgent"' in html


def test_the_list_needs_as_many_queries_for_25_reports_as_for_5(client, owner, coparty, outsider):
    agreement_between(owner, coparty)
    signed_in(client, coparty)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(client.get(reverse("reports:list")))
        return len(ctx.captured_queries)

    def add_reports(n: int) -> None:
        items = [
            report_data(
                f"Report {i}",
                indicators=[
                    indicator("domain", f"site{i}.example"),
                    indicator("ipv4", "192.0.2.1"),
                ],
                recipients=[coparty] if i % 3 == 0 else [],
                tlp=TLP.RED if i % 3 == 0 else TLP.AMBER,
            )
            for i in range(n)
        ]
        services.reports_submit(actor=Actor(user=member(owner)), items=items)
        report_by(outsider, "Not for the co-party")

    add_reports(5)
    with_5 = queries_for_list()
    # Session, user, organisation; the count and the page; indicators, recipients, agreements,
    # evidence; the inbox's unread count in the navigation.
    assert with_5 <= 10
    add_reports(20)
    assert queries_for_list() == with_5


def test_the_list_is_paginated_by_50_and_keeps_the_filters(client, owner):
    services.reports_submit(
        actor=Actor(user=member(owner)),
        items=[report_data(f"Report {i}") for i in range(51)]
        + [report_data("Torrent", category=Category.TORRENT)],
    )
    signed_in(client, owner)
    first = page(client.get(reverse("reports:list"), {"category": "iptv"}))
    assert len(REPORT_LINK.findall(first)) == 50 and "Page 1 of 2" in first
    assert "category=iptv&amp;page=2" in first
    second = page(client.get(reverse("reports:list"), {"category": "iptv", "page": 2}))
    assert REPORT_LINK.findall(second) == ["Report 0"]


# --- detail ----------------------------------------------------------------------------------


def test_an_invisible_report_is_404_for_the_outsider_as_is_a_missing_one(
    client, owner, coparty, outsider
):
    agreement_between(owner, coparty)
    report = report_by(owner)
    assert (
        signed_in(client, coparty).get(reverse("reports:detail", args=[report.pk])).status_code
        == 200
    )

    signed_in(client, outsider)
    hidden = client.get(reverse("reports:detail", args=[report.pk]))
    missing = client.get(reverse("reports:detail", args=[report.pk + 1000]))
    assert hidden.status_code == missing.status_code == 404
    # The same page, byte for byte but the per-response CSRF mask.
    assert without_csrf(hidden) == without_csrf(missing)
    assert report.title.encode() not in hidden.content


def test_the_detail_shows_indicators_normalised_and_as_reported(client, owner):
    report = report_by(
        owner, indicators=[indicator("url", "HTTP://Pirate.EXAMPLE:80/live?utm_source=x")]
    )
    html = page(signed_in(client, owner).get(reverse("reports:detail", args=[report.pk])))
    assert "http://pirate.example/live" in html
    assert "HTTP://Pirate.EXAMPLE:80/live?utm_source=x" in html


def test_only_the_owner_sees_the_distribution_of_a_report(client, owner, coparty):
    agreement = agreement_between(owner, coparty, share_reporter_identity=True)
    report = report_by(owner, restricted_to=[agreement])

    owner_view = page(signed_in(client, owner).get(reverse("reports:detail", args=[report.pk])))
    assert "Distribution" in owner_view and agreement.title in owner_view
    coparty_view = page(signed_in(client, coparty).get(reverse("reports:detail", args=[report.pk])))
    assert "Distribution" not in coparty_view and "Shared only under" not in coparty_view
    assert "update_status" not in coparty_view and "/status/" not in coparty_view


def test_the_owner_changes_the_status_and_a_coparty_or_a_viewer_cannot(client, owner, coparty):
    agreement_between(owner, coparty)
    report = report_by(owner)
    url = reverse("reports:update_status", args=[report.pk])

    assert signed_in(client, coparty).post(url, {"status": "resolved"}).status_code == 404
    assert signed_in(client, owner, "viewer").post(url, {"status": "resolved"}).status_code == 403
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN

    response = signed_in(client, owner).post(url, {"status": "actioned"}, follow=True)
    assert "Status changed to actioned" in page(response)
    report.refresh_from_db()
    assert report.status == Report.Status.ACTIONED


# --- submit ----------------------------------------------------------------------------------


def test_a_bad_indicator_shows_its_own_error_keeps_every_value_and_a_fixed_post_creates_the_report(
    client, owner, coparty
):
    agreement = agreement_between(owner, coparty)
    signed_in(client, owner)

    data = submission(agreements=[str(agreement.pk)])
    response = client.post(reverse("reports:submit"), data)
    html = page(response)
    assert not Report.objects.exists()
    row_errors = response.context["formset"].errors
    assert row_errors[0] == {} and row_errors[2] == {}
    assert "not a valid IPv4 address" in row_errors[1]["value"][0]
    # The error sits with its row: after the bad value's input, before the next row's.
    bad_row = html.split('id="id_indicators-1-value"')[1].split('id="id_indicators-2-kind"')[0]
    assert "not a valid IPv4 address" in bad_row
    for typed in (
        "Restream of the final",
        "Three mirrors of the same restream.",
        "pe, co",
        "Restream-Final.EXAMPLE",
        "203.0.113.300",
        "https://mirror.example/live?utm_source=x",
    ):
        assert typed in html
    assert re.search(rf'value="{agreement.pk}"[^>]*checked', html)

    data["indicators-1-value"] = "203.0.113.30"
    response = client.post(reverse("reports:submit"), data)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert (report.owner, report.category, report.tlp) == (owner, "live_sports", TLP.AMBER)
    assert report.jurisdictions == ["CO", "PE"]
    assert list(report.restricted_to.all()) == [agreement]
    assert [(i.kind, i.value, i.raw_value) for i in report.indicators.all()] == [
        ("domain", "restream-final.example", "Restream-Final.EXAMPLE"),
        ("ipv4", "203.0.113.30", "203.0.113.30"),
        ("url", "https://mirror.example/live", "https://mirror.example/live?utm_source=x"),
    ]
    assert "Report #" in page(client.get(response["Location"]))


def test_rule_errors_of_the_service_land_on_their_fields(client, owner, coparty, outsider):
    signed_in(client, owner)
    red_without_recipients = client.post(
        reverse("reports:submit"), submission(tlp=str(TLP.RED.value), **{"indicators-1-value": ""})
    )
    assert (
        "must name its recipients" in red_without_recipients.context["form"].errors["recipients"][0]
    )

    clear_but_private = client.post(
        reverse("reports:submit"),
        submission(tlp=str(TLP.CLEAR.value), sharing="private", **{"indicators-1-value": ""}),
    )
    assert "cannot be private" in clear_but_private.context["form"].errors["sharing"][0]

    backwards = client.post(
        reverse("reports:submit"),
        submission(
            live_from="2025-06-15T22:00",
            live_until="2025-06-15T20:00",
            **{"indicators-1-value": ""},
        ),
    )
    assert "ends before it starts" in backwards.context["form"].errors["live_until"][0]
    assert not Report.objects.exists()


def test_the_submit_form_checks_jurisdictions_recipients_and_offers_only_our_agreements(
    client, owner, coparty, outsider
):
    theirs = agreement_between(coparty, outsider, title="Not ours")
    signed_in(client, owner)
    assert "Not ours" not in page(client.get(reverse("reports:submit")))

    response = client.post(
        reverse("reports:submit"),
        submission(
            jurisdictions="PE XX",
            recipients="coparty nobody",
            agreements=[str(theirs.pk)],
            **{"indicators-1-value": ""},
        ),
    )
    errors = response.context["form"].errors
    assert "XX" in errors["jurisdictions"][0]
    assert "nobody" in errors["recipients"][0]
    assert "agreements" in errors
    assert not Report.objects.exists()


def test_a_form_with_no_indicator_asks_for_one(client, owner):
    signed_in(client, owner)
    empty_rows = {f"indicators-{i}-value": "" for i in range(3)}
    html = page(client.post(reverse("reports:submit"), submission(**empty_rows)))
    assert "Give at least one indicator." in html
    assert not Report.objects.exists()


def test_a_value_without_a_kind_is_an_error_on_its_row(client, owner):
    signed_in(client, owner)
    response = client.post(reverse("reports:submit"), submission(**{"indicators-0-kind": ""}))
    assert response.context["formset"].errors[0] == {"kind": ["Choose the kind of this indicator."]}


def test_more_indicator_rows_keep_what_was_typed_and_show_no_errors(client, owner):
    signed_in(client, owner)
    data = submission(title="", add_rows="1")
    html = page(client.post(reverse("reports:submit"), data))
    assert 'name="indicators-5-value"' in html
    assert "203.0.113.300" in html and "Restream-Final.EXAMPLE" in html
    assert 'role="alert"' not in html

    data = submission(**{"indicators-TOTAL_FORMS": "6", "indicators-INITIAL_FORMS": "3"})
    data.update({"indicators-1-value": "203.0.113.30", "indicators-5-kind": "app_id"})
    data["indicators-5-value"] = "com.pirate.tv"
    assert client.post(reverse("reports:submit"), data).status_code == 302
    assert Report.objects.get().indicators.count() == 4


def test_viewers_cannot_submit(client, owner):
    signed_in(client, owner, "viewer")
    form = client.get(reverse("reports:submit"))
    assert form.status_code == 403 and "Read-only" in form.content.decode()
    assert client.post(reverse("reports:submit"), submission()).status_code == 403
    assert not Report.objects.exists()
    assert reverse("reports:submit") not in page(client.get(reverse("reports:list")))


def test_analysts_and_admins_see_the_submit_link(client, owner):
    for role in ("analyst", "admin"):
        html = page(signed_in(client, owner, role).get(reverse("reports:list")))
        assert f'href="{reverse("reports:submit")}"' in html


def test_report_pages_need_a_sign_in_and_are_not_for_hub_staff(client, owner):
    report = report_by(owner)
    urls = [
        reverse("reports:list"),
        reverse("reports:submit"),
        reverse("reports:sharing"),
        reverse("reports:detail", args=[report.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    staff = User.objects.create_user("staff@hub.example", "pw", is_staff=True)
    client.force_login(staff)
    for url in urls:
        assert client.get(url).status_code == 404


# --- agreements change what the list shows ---------------------------------------------------


def test_suspending_the_agreement_in_the_portal_hides_the_shared_report_from_the_coparty_at_once(
    client, owner, coparty, owner_admin
):
    agreement = agreement_between(owner, coparty)
    report_by(owner, "Shared until suspended")
    coparty_client = signed_in(Client(), coparty)
    assert "Shared until suspended" in page(coparty_client.get(reverse("reports:list")))

    client.force_login(owner_admin)
    client.post(reverse("members:agreement_suspend", args=[agreement.pk]), {"confirm": "yes"})
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SUSPENDED
    assert "Shared until suspended" not in page(coparty_client.get(reverse("reports:list")))


# --- sharing ---------------------------------------------------------------------------------


def test_the_sharing_page_counts_only_what_the_policy_lets_each_party_see(
    client, owner, coparty, outsider
):
    third = OrganizationFactory(slug="third", kind="regulator", country="PE")
    agreement_between(owner, coparty, third, categories=[Category.IPTV], max_tlp=TLP.AMBER)
    suspended = agreement_between(owner, outsider, title="Suspended MOU")
    members_services.agreement_suspend(actor=Actor.system(), agreement=suspended)

    report_by(owner, "Amber IPTV")  # coparty and third
    report_by(owner, "Clear one", tlp=TLP.CLEAR)  # every member
    report_by(owner, "Red for coparty", tlp=TLP.RED, recipients=[coparty])  # coparty only
    report_by(owner, "Private", sharing=Report.Sharing.PRIVATE)  # nobody
    report_by(owner, "Torrent", category=Category.TORRENT)  # not covered
    report_by(owner, "Too sensitive", tlp=TLP.AMBER_STRICT)  # above max_tlp
    report_by(coparty, "The co-party's own")  # not ours

    html = page(signed_in(client, owner).get(reverse("reports:sharing")))
    counts = dict(re.findall(r'data-party="([\w-]+)">(\d+)<', html))
    assert counts == {"coparty": "3", "third": "2"}
    for org in (coparty, third):
        assert int(counts[org.slug]) == Report.objects.visible_to(org).filter(owner=owner).count()
    assert "Suspended MOU" not in html and outsider.name not in html


def test_the_sharing_page_of_an_organisation_without_agreements_says_so(client, outsider):
    html = page(signed_in(client, outsider).get(reverse("reports:sharing")))
    assert "nothing is shared beyond TLP:CLEAR" in html
