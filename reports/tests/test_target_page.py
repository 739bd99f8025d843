"""The portal's target page (/reports/targets/<uid>/): the target, its cluster, the reports and
the suggestions, all from the reports the reader may see; 404 for a target it has none of."""

from __future__ import annotations

import re

import pytest

from kernel.vocabulary import TLP
from members.tests.factories import UserFactory
from reports import dedup
from reports.models import ClusterSuggestion, Target
from reports.models.core import target_uid
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


def signed_in(client, org):
    client.force_login(UserFactory(organization=org, role="analyst"))
    return client


def linked(report):
    dedup.link_reports([report.pk])
    return report


def url(value: str, kind: str = "domain") -> str:
    return f"/reports/targets/{target_uid(kind, value)}/"


@pytest.fixture
def world(owner, coparty, outsider):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    shared = linked(
        report_by(owner, title="Owner's mirror", indicators=[("domain", "kinoflix.com")])
    )
    theirs = linked(
        report_by(coparty, title="Co-party's mirror", indicators=[("domain", "www.kinoflix.com")])
    )
    # The owner's AMBER+STRICT report names a third mirror: the co-party may not see it.
    strict = linked(
        report_by(
            owner,
            tlp=TLP.AMBER_STRICT,
            title="Owner's secret mirror",
            indicators=[("domain", "cdn.kinoflix.com"), ("ipv4", "203.0.113.7")],
        )
    )
    return {"shared": shared, "theirs": theirs, "strict": strict}


def test_the_owner_sees_the_target_its_reports_and_its_cluster(client, owner, world):
    html = signed_in(client, owner).get(url("kinoflix.com")).content.decode()
    assert (
        "Owner&#x27;s mirror" in html
        and "Co-party&#x27;s mirror"
        not in html.split('id="target-reports"')[1].split('id="target-cluster"')[0]
    )
    cluster = html.split('id="target-cluster"')[1]
    for value in ("www.kinoflix.com", "cdn.kinoflix.com"):
        assert f'href="{url(value)}"' in cluster


def test_the_co_party_sees_only_what_it_may(client, coparty, world):
    html = signed_in(client, coparty).get(url("www.kinoflix.com")).content.decode()
    assert "Co-party&#x27;s mirror" in html
    cluster = html.split('id="target-cluster"')[1]
    assert "kinoflix.com" in cluster and "cdn.kinoflix.com" not in cluster
    assert "203.0.113.7" not in html and "secret" not in html
    # A target known only from a report it may not see does not exist for it.
    assert client.get(url("cdn.kinoflix.com")).status_code == 404


def test_the_outsider_gets_404_for_a_target_it_has_no_report_of(client, outsider, world):
    signed_in(client, outsider)
    assert client.get(url("kinoflix.com")).status_code == 404
    assert client.get(url("never-reported.example")).status_code == 404


def test_first_and_last_seen_come_from_the_reports_the_reader_may_see(client, owner, coparty):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    first = linked(report_by(owner, tlp=TLP.AMBER_STRICT, indicators=[("domain", "x.example")]))
    seen = linked(report_by(owner, indicators=[("domain", "x.example")]))
    target = Target.objects.get(value="x.example")
    first.created_at = seen.created_at.replace(year=seen.created_at.year - 1)
    first.save(update_fields=["created_at"])
    html = signed_in(client, coparty).get(f"/reports/targets/{target.uid}/").content.decode()
    assert str(first.created_at.year) not in re.sub(r"\s+", " ", html).split("First seen")[1][:200]


def test_the_dashboard_links_a_corroborated_target_to_its_page(client, owner, coparty, world):
    linked(report_by(coparty, title="Again", indicators=[("domain", "kinoflix.com")]))
    html = signed_in(client, owner).get("/").content.decode()
    assert f'href="{url("kinoflix.com")}"' in html


def test_the_page_is_addressed_by_uid_never_by_the_internal_key(client, owner, world):
    target = Target.objects.get(value="kinoflix.com")
    signed_in(client, owner)
    assert client.get(f"/reports/targets/{target.pk}/").status_code == 404
    detail = client.get(f"/reports/{world['shared'].pk}/").content.decode()
    assert f'href="/reports/targets/{target.uid}/"' in detail


def test_a_suggestion_is_confirmed_from_the_page(client, owner):
    linked(report_by(owner, indicators=[("domain", "streamzone1.com")]))
    linked(report_by(owner, indicators=[("domain", "streamzone2.com")]))
    one, two = url("streamzone1.com"), target_uid("domain", "streamzone2.com")
    html = signed_in(client, owner).get(one).content.decode()
    assert f"{one}suggestions/{two}/confirm/" in html
    response = client.post(f"{one}suggestions/{two}/confirm/")
    assert response.status_code == 302
    assert ClusterSuggestion.objects.get().state == ClusterSuggestion.State.CONFIRMED
    after = client.get(one).content.decode()
    assert f'href="{url("streamzone2.com")}"' in after.split('id="target-cluster"')[1]


def test_a_suggestion_the_reader_is_not_offered_is_404(client, owner, outsider):
    linked(report_by(owner, indicators=[("domain", "streamzone1.com")]))
    linked(report_by(outsider, indicators=[("domain", "streamzone2.com")]))
    one, two = url("streamzone1.com"), target_uid("domain", "streamzone2.com")
    signed_in(client, owner)
    assert client.post(f"{one}suggestions/{two}/confirm/").status_code == 404
    assert not ClusterSuggestion.objects.exclude(state=ClusterSuggestion.State.OPEN).exists()


def test_a_viewer_sees_suggestions_but_cannot_decide(client, owner):
    linked(report_by(owner, indicators=[("domain", "streamzone1.com")]))
    linked(report_by(owner, indicators=[("domain", "streamzone2.com")]))
    client.force_login(UserFactory(organization=owner, role="viewer"))
    one, two = url("streamzone1.com"), target_uid("domain", "streamzone2.com")
    html = client.get(one).content.decode()
    assert "streamzone2.com" in html and "/confirm/" not in html
    assert client.post(f"{one}suggestions/{two}/confirm/").status_code == 403
