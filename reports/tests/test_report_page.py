"""A report's page says who may see it and why (its owner only), who else reported each
indicator (only what the reader may see), and warns where no agreement covers a choice."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kernel.vocabulary import TLP
from members.models import Agreement, Organization
from members.tests.factories import OrganizationFactory, UserFactory
from reports import dedup
from reports.audience import report_audience
from reports.models import Report
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


def client_for(client, org: Organization):
    user = org.users.filter(role="analyst").first() or UserFactory(organization=org, role="analyst")
    client.force_login(user)
    return client


def titled(agreement: Agreement, title: str) -> Agreement:
    Agreement.objects.filter(pk=agreement.pk).update(title=title)
    agreement.title = title
    return agreement


def linked(report: Report) -> Report:
    dedup.link_reports([report.pk])
    return report


def page(client, org: Organization, report: Report) -> str:
    response = client_for(client, org).get(f"/reports/{report.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    """The <section> whose heading has id `heading_id`."""
    found = re.search(
        rf'<section aria-labelledby="{heading_id}"[^>]*>(.*?)</section>', html, re.DOTALL
    )
    return found.group(1) if found else ""


@pytest.fixture
def member(db) -> Organization:
    """A rightsholder that shares with the owner (identity withheld), not with the co-party."""
    return OrganizationFactory(
        slug="member", name="Member Films", kind="rightsholder", country="PE"
    )


@pytest.fixture
def world(owner, coparty, outsider, member):
    """The owner shares AMBER with the co-party (identity disclosed) and GREEN with the member
    (identity withheld). The owner's GREEN report names pirate.example; the co-party reported it
    too (AMBER: the member cannot see that one), and so did the member."""
    with_coparty = titled(
        agreement_between(
            owner, coparty, categories=["live_sports"], jurisdictions=["PE"], max_tlp=TLP.AMBER
        ),
        "Owner and co-party",
    )
    with_member = titled(
        agreement_between(
            owner, member, jurisdictions=["PE"], max_tlp=TLP.GREEN, share_reporter_identity=False
        ),
        "Owner and member",
    )
    mine = linked(report_by(owner, tlp=TLP.GREEN, title="Owner's restream"))
    theirs = linked(report_by(coparty, tlp=TLP.AMBER, title="Co-party's restream"))
    members = linked(report_by(member, tlp=TLP.GREEN, title="Member's restream"))
    return {
        "with_coparty": with_coparty,
        "with_member": with_member,
        "mine": mine,
        "theirs": theirs,
        "members": members,
    }


# ------------------------------------------------------------------------- visible to


def test_the_owner_sees_each_reader_its_agreement_and_whether_it_is_named(
    client, owner, coparty, member, outsider, world
):
    html = page(client, owner, world["mine"])
    panel = section(html, "visible-heading")
    rows = re.findall(r"<tr>(.*?)</tr>", panel.split("<tbody>")[1], re.DOTALL)
    assert len(rows) == 2
    coparty_row, member_row = sorted(rows, key=lambda r: "Member" in r)
    assert coparty.name in coparty_row and world["with_coparty"].title in coparty_row
    assert "disclosed" in coparty_row
    assert "Member Films" in member_row and "Owner and member" in member_row
    assert "withheld" in member_row
    assert outsider.name not in panel


def test_the_panel_is_exactly_what_the_policy_answers_for_every_organisation(
    owner, coparty, member, outsider, world
):
    """Asked of every member, not only the candidates: the panel misses no reader."""
    for report in Report.objects.filter(owner=owner):
        shown = {r.organization.pk for r in report_audience(report).readers}
        for org in Organization.objects.exclude(pk=owner.pk):
            sees = Report.objects.visible_to(org).filter(pk=report.pk).exists()
            assert (org.pk in shown) == sees, (org.slug, report.title)


def test_a_report_restricted_to_one_agreement_names_only_that_one(owner, coparty):
    titled(agreement_between(owner, coparty, jurisdictions=["PE"]), "Broad")
    narrow = titled(agreement_between(owner, coparty, categories=["live_sports"]), "Narrow")
    report = report_by(owner, restricted_to=[narrow])
    (reader,) = report_audience(report).readers
    assert reader.organization == coparty and reader.agreements == [narrow]


def test_red_names_the_recipient_list_and_who_it_does_not_reach(client, owner, coparty, outsider):
    agreement_between(owner, coparty, jurisdictions=["PE"])
    report = report_by(owner, tlp=TLP.RED, recipients=[coparty, outsider])
    audience = report_audience(report)
    (reader,) = audience.readers
    assert reader.organization == coparty and reader.recipient
    assert audience.unreached_recipients == [outsider.name]
    html = page(client, owner, report)
    assert "the recipient list" in section(html, "visible-heading")


def test_clear_is_every_member_and_private_is_no_one(client, owner, coparty):
    agreement_between(owner, coparty, jurisdictions=["PE"])
    clear = report_by(owner, tlp=TLP.CLEAR)
    assert "Every active member" in page(client, owner, clear)
    private = report_by(owner, sharing=Report.Sharing.PRIVATE)
    assert "its sharing is private" in page(client, owner, private)


def test_only_the_owner_gets_the_panel(client, coparty, member, world):
    for reader in (coparty, member):
        html = page(client, reader, world["mine"])
        assert 'id="visible-heading"' not in html
        assert "Owner and member" not in html


# ------------------------------------------------------------------------- coverage warnings


def test_a_jurisdiction_no_agreement_covers_is_warned_of_after_submit(client, owner, coparty):
    agreement_between(owner, coparty, jurisdictions=["PE"])
    report = report_by(owner, jurisdictions=["BR"])
    html = page(client, owner, report)
    assert "No agreement covers BR: no member will see this report but you." in html
    assert "No member but you can see this report now." in html
    # The warning is the policy's answer too: nobody but the owner sees it.
    assert not Report.objects.visible_to(coparty).filter(pk=report.pk).exists()
    both = report_by(owner, jurisdictions=["PE", "BR"])
    assert (
        "No agreement covers BR: the report reaches only the parties of agreements covering PE."
        in (page(client, owner, both))
    )


def test_the_form_warns_of_br_before_the_report_is_stored(client, owner, coparty):
    agreement_between(owner, coparty, categories=["iptv"], jurisdictions=["PE"])
    client_for(client, owner)
    blank = client.get("/reports/new/").content.decode()
    # The map and the messages site.js needs to warn as the person types.
    assert 'id="coverage-map"' in blank and "data-msg-none=" in blank
    assert '"jurisdictions": ["PE"]' in blank
    # Sent back with an error (no indicator): the chosen BR and live sports are warned of.
    data = {
        "category": "live_sports",
        "title": "Derby",
        "tlp": str(TLP.AMBER.value),
        "jurisdictions": "BR",
        "sharing": "agreements",
        "ind-TOTAL_FORMS": "1",
        "ind-INITIAL_FORMS": "0",
        "ind-0-kind": "domain",
        "ind-0-value": "",
    }
    sent = client.post("/reports/new/", data).content.decode()
    assert not Report.objects.exists()
    assert "No agreement covers BR: no member will see this report but you." in sent
    assert "covers the category Live sports restream" in sent
    clear = client.post("/reports/new/", dict(data, tlp=str(TLP.CLEAR.value))).content.decode()
    assert "No agreement covers BR" not in clear.split('id="coverage-warnings"')[1]


# ------------------------------------------------------------------------- also reported by


def _also(html: str) -> str:
    return " ".join(re.findall(r'<ul class="also-reported">(.*?)</ul>', html, re.DOTALL))


def test_the_owner_sees_who_else_reported_it_named_only_where_an_agreement_names_them(
    client, owner, coparty, member, world
):
    also = _also(page(client, owner, world["mine"]))
    assert "Co-party&#x27;s restream" in also and f"by {coparty.name}" in also
    assert "Member&#x27;s restream" in also and "by a coalition member" in also
    assert "Member Films" not in also


def test_a_member_never_learns_of_a_co_report_it_may_not_see(client, coparty, member, world):
    html = page(client, member, world["mine"])
    assert "Co-party&#x27;s restream" not in html and coparty.name not in html
    assert f"/reports/{world['theirs'].pk}/" not in html
    # Its own report on the same target is there, as its own.
    assert "Member&#x27;s restream" in _also(html) and "by you" in _also(html)


def test_the_co_party_sees_its_own_report_as_its_own(client, coparty, world):
    also = _also(page(client, coparty, world["mine"]))
    assert "Co-party&#x27;s restream" in also and "by you" in also
    assert "Member&#x27;s restream" not in also  # not shared with the co-party


def test_the_outsider_gets_404_for_the_page(client, outsider, world):
    response = client_for(client, outsider).get(f"/reports/{world['mine'].pk}/")
    assert response.status_code == 404


def test_the_page_costs_the_same_queries_with_more_readers_and_co_reports(client, owner, world):
    client_for(client, owner)
    url = f"/reports/{world['mine'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(3):
        other = OrganizationFactory(slug=f"isp{n}", kind="telco", country="PE")
        agreement_between(owner, other, jurisdictions=["PE"])
        linked(report_by(other, title=f"Report {n}"))
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)
