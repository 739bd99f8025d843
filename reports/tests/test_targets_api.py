"""/api/v1/targets/: what a member learns about a target is computed through the policy."""

import pytest

from conftest import api_client_for
from reports import dedup
from reports.models import ClusterSuggestion, Target, TargetLink
from reports.models.core import target_uid
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db
URL = "/api/v1/targets/"


def linked(*reports):
    dedup.link_reports([r.pk for r in reports])
    return reports


@pytest.fixture
def coparty_api(coparty):
    return api_client_for(coparty)


def test_a_target_shows_only_the_reports_the_caller_may_see(
    owner, coparty, outsider, coparty_api, outsider_api
):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    (mine,) = linked(report_by(coparty, indicators=[("domain", "shared.example")]))
    (theirs,) = linked(report_by(owner, indicators=[("domain", "shared.example")]))
    (hidden,) = linked(report_by(outsider, indicators=[("domain", "shared.example")]))
    target = Target.objects.get()
    body = coparty_api.get(f"{URL}{target.uid}/").json()
    assert sorted(r["id"] for r in body["reports"]) == sorted([mine.pk, theirs.pk])
    assert body["report_count"] == 2 and body["corroborated"] is True
    # The outsider reported it too but sees only its own report: not corroborated for it.
    own = outsider_api.get(f"{URL}{target.uid}/").json()
    assert [r["id"] for r in own["reports"]] == [hidden.pk]
    assert own["report_count"] == 1 and own["corroborated"] is False


def test_a_target_of_reports_the_caller_cannot_see_answers_404(owner, outsider_api):
    linked(report_by(owner, indicators=[("domain", "secret.example")]))
    target = Target.objects.get()
    assert outsider_api.get(f"{URL}{target.uid}/").status_code == 404
    assert outsider_api.get(f"{URL}{target_uid('domain', 'never.example')}/").status_code == 404
    assert outsider_api.get(URL).json()["results"] == []
    assert outsider_api.get(URL, {"q": "secret"}).json()["results"] == []


def test_the_cluster_shows_only_targets_the_caller_may_see(owner, coparty, coparty_api):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    linked(report_by(coparty, indicators=[("domain", "www.mirrorbrand.example")]))
    linked(report_by(owner, indicators=[("domain", "mirrorbrand.example")]))
    linked(report_by(owner, tlp=3, indicators=[("domain", "cdn.mirrorbrand.example")]))
    www = Target.objects.get(value="www.mirrorbrand.example")
    assert Target.objects.filter(cluster_id=www.cluster_id).count() == 3
    cluster = coparty_api.get(f"{URL}{www.uid}/").json()["cluster"]
    assert {t["value"] for t in cluster["targets"]} == {
        "www.mirrorbrand.example",
        "mirrorbrand.example",
    }  # the amber+strict report's target stays out of sight
    assert all(link["reason"] == "same_registrable_domain" for link in cluster["links"])


def test_numbered_families_are_suggested_and_merge_only_when_confirmed(owner, owner_api):
    linked(report_by(owner, indicators=[("domain", "kinoflix1.example")]))
    linked(report_by(owner, indicators=[("domain", "kinoflix2.example")]))
    one = Target.objects.get(value="kinoflix1.example")
    two = Target.objects.get(value="kinoflix2.example")
    assert one.cluster_id is None and not TargetLink.objects.exists()
    (suggestion,) = owner_api.get(f"{URL}{one.uid}/").json()["suggestions"]
    assert suggestion["reason"] == "numbered_family"
    assert suggestion["other"]["value"] == "kinoflix2.example"

    body = owner_api.post(f"{URL}{one.uid}/suggestions/{suggestion['id']}/confirm/").json()
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.cluster_id is not None and one.cluster_id == two.cluster_id
    assert body["suggestions"] == []
    assert ClusterSuggestion.objects.get().decided_by == owner


def test_a_dismissed_suggestion_is_not_made_again(owner, owner_api):
    linked(report_by(owner, indicators=[("domain", "kinoflix1.example")]))
    linked(report_by(owner, indicators=[("domain", "kinoflix2.example")]))
    one = Target.objects.get(value="kinoflix1.example")
    sid = owner_api.get(f"{URL}{one.uid}/").json()["suggestions"][0]["id"]
    owner_api.post(f"{URL}{one.uid}/suggestions/{sid}/dismiss/")
    linked(report_by(owner, category="iptv", indicators=[("domain", "kinoflix1.example")]))
    assert owner_api.get(f"{URL}{one.uid}/").json()["suggestions"] == []
    assert ClusterSuggestion.objects.get().state == "dismissed"


def test_an_outsider_cannot_decide_a_suggestion_about_targets_it_cannot_see(
    owner, owner_api, outsider_api
):
    linked(report_by(owner, indicators=[("domain", "kinoflix1.example")]))
    linked(report_by(owner, indicators=[("domain", "kinoflix2.example")]))
    one = Target.objects.get(value="kinoflix1.example")
    sid = owner_api.get(f"{URL}{one.uid}/").json()["suggestions"][0]["id"]
    response = outsider_api.post(f"{URL}{one.uid}/suggestions/{sid}/confirm/")
    assert response.status_code == 404
    assert not ClusterSuggestion.objects.exists()  # nothing decided
