"""/api/v1/reports/: members see exactly what their agreements entitle them to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import api_client_for
from kernel.vocabulary import TLP
from members import services as member_services
from members.services import Actor
from reports.models import Indicator, Report, Target
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


def payload(**overrides) -> dict:
    body = {
        "category": "live_sports",
        "title": "Derby restream on a mirror",
        "tlp": "amber",
        "jurisdictions": ["PE"],
        "indicators": [{"kind": "domain", "value": "Pirate-Derby.example."}],
    }
    body.update(overrides)
    return body


@pytest.fixture
def coparty_api(coparty):
    return api_client_for(coparty)


@pytest.fixture
def shared(owner, coparty):
    """An amber agreement between the owner and the co-party, covering live sports in Peru."""
    return agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {r["id"] for r in response.json()["results"]}


# --- submission ---------------------------------------------------------------------------


def test_owner_submits_a_report_and_gets_it_back_normalised(owner_api, owner):
    response = owner_api.post(URL, payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"] == "owner"
    assert body["indicators"] == [
        {"kind": "domain", "value": "pirate-derby.example", "note": "", "target": None}
    ]
    assert body["status"] == "open" and body["tlp"] == "amber" and body["sharing"] == "agreements"
    assert Indicator.objects.get().raw_value == "Pirate-Derby.example."


@pytest.mark.parametrize(
    ("kind", "raw", "canonical"),
    [
        (
            "url",
            "HTTP://User:pw@Example.COM:80/a/./b/../c?utm_source=x&id=3#frag",
            "http://example.com/a/c?id=3",
        ),
        ("url", "https://Bücher.example/Live", "https://xn--bcher-kva.example/Live"),
        ("url", "http://2130706433/stream.m3u8", "http://127.0.0.1/stream.m3u8"),
        ("domain", "WWW.ThePirateBay.org.", "www.thepiratebay.org"),
        ("domain", "例え.jp", "xn--r8jz45g.jp"),
        ("ipv6", "[2001:DB8::1]", "2001:db8::1"),
        ("cidr", "10.1.2.3/8", "10.0.0.0/8"),
        ("iptv_panel", "http://Panel.Example.com:8080", "panel.example.com:8080"),
        ("app_id", "com.Pirate.TV", "com.Pirate.TV"),
        ("ad_account", "ca-pub-1234567890123456", "pub-1234567890123456"),
    ],
)
def test_indicators_are_stored_in_canonical_form(owner_api, kind, raw, canonical):
    response = owner_api.post(
        URL, payload(indicators=[{"kind": kind, "value": raw}]), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["indicators"][0]["value"] == canonical


def test_invalid_input_gets_a_problem_naming_each_bad_field_and_stores_nothing(owner_api):
    response = owner_api.post(
        URL,
        payload(
            tlp="purple",
            jurisdictions=["PE", "XX"],
            indicators=[
                {"kind": "domain", "value": "ok.example"},
                {"kind": "ipv4", "value": "300.1.1.1"},
            ],
        ),
        format="json",
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    pointers = {e["pointer"]: e["code"] for e in response.json()["errors"]}
    assert pointers == {
        "/tlp": "invalid_choice",
        "/jurisdictions/1": "invalid_country",
        "/indicators/1/value": "invalid_ipv4",
    }
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"tlp": "red"}, "/recipients"),
        ({"tlp": "amber", "recipients": ["coparty"]}, "/recipients"),
        ({"tlp": "clear", "sharing": "private"}, "/sharing"),
        ({"indicators": []}, "/indicators"),
        ({"recipients": ["nobody"], "tlp": "red"}, "/recipients"),
        ({"agreements": [999999]}, "/agreements"),
        (
            {"live_from": "2026-11-23T20:00:00Z", "live_until": "2026-11-23T18:00:00Z"},
            "/live_until",
        ),
    ],
)
def test_report_rules_are_checked_field_by_field(owner_api, coparty, overrides, pointer):
    response = owner_api.post(URL, payload(**overrides), format="json")
    assert response.status_code == 400, response.content
    assert pointer in {e["pointer"] for e in response.json()["errors"]}


def test_a_report_cannot_be_restricted_to_an_agreement_of_others(owner_api, coparty, outsider):
    theirs = agreement_between(coparty, outsider)
    response = owner_api.post(URL, payload(agreements=[theirs.pk]), format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == f"Unknown agreements: {theirs.pk}."


# --- the policy through the API -------------------------------------------------------------


def test_coparty_sees_an_amber_report_shared_under_an_agreement_and_outsider_does_not(
    owner, coparty_api, outsider_api, shared
):
    report = report_by(owner)
    assert ids(coparty_api.get(URL)) == {report.pk}
    assert coparty_api.get(f"{URL}{report.pk}/").json()["owner"] == "owner"
    assert ids(outsider_api.get(URL)) == set()


def test_outsider_gets_the_same_404_for_an_amber_report_as_for_a_missing_one(
    owner, outsider_api, shared
):
    report = report_by(owner)
    hidden = outsider_api.get(f"{URL}{report.pk}/")
    missing = outsider_api.get(f"{URL}{report.pk + 1000}/")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["detail"] == missing.json()["detail"]


def test_outsider_gets_404_when_patching_a_report_it_cannot_see(owner, outsider_api, shared):
    report = report_by(owner)
    response = outsider_api.patch(f"{URL}{report.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == "open"


def test_coparty_may_read_but_not_change_a_shared_report(owner, coparty_api, shared):
    report = report_by(owner)
    response = coparty_api.patch(f"{URL}{report.pk}/", {"status": "resolved"}, format="json")
    assert response.status_code == 403
    assert "Only the reporting organisation" in response.json()["detail"]


def test_owner_updates_status_and_title_and_cannot_change_indicators(owner, owner_api):
    report = report_by(owner)
    response = owner_api.patch(
        f"{URL}{report.pk}/", {"status": "actioned", "title": "Blocked"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["title"]) == ("actioned", "Blocked")
    refused = owner_api.patch(
        f"{URL}{report.pk}/",
        {"indicators": [{"kind": "domain", "value": "x.example"}]},
        format="json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["pointer"] == "/indicators"


def test_owner_cannot_patch_a_report_into_breaking_its_rules(owner, owner_api):
    report = report_by(owner)
    response = owner_api.patch(f"{URL}{report.pk}/", {"tlp": "red"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/recipients"


def test_identity_is_withheld_when_no_agreement_shares_it(owner, coparty, coparty_api):
    agreement_between(owner, coparty, share_reporter_identity=False)
    report = report_by(owner)
    body = coparty_api.get(f"{URL}{report.pk}/").json()
    assert body["owner"] is None
    assert body["sharing"] is None and body["recipients"] is None and body["agreements"] is None


def test_a_clear_report_shows_its_owner_to_every_member(owner, outsider_api):
    report = report_by(owner, tlp=TLP.CLEAR)
    assert outsider_api.get(f"{URL}{report.pk}/").json()["owner"] == "owner"


def test_an_amber_strict_report_stays_out_of_an_amber_agreement(owner, coparty_api, shared):
    report_by(owner, tlp=TLP.AMBER_STRICT)
    assert ids(coparty_api.get(URL)) == set()


def test_a_red_report_reaches_only_named_recipients_under_an_agreement(
    owner, coparty, outsider, coparty_api, outsider_api, shared
):
    agreement_between(owner, outsider, categories=["live_sports"])
    red = report_by(owner, tlp=TLP.RED, recipients=[coparty])
    assert ids(coparty_api.get(URL)) == {red.pk}
    assert ids(outsider_api.get(URL)) == set()  # a party of an agreement, but not named


def test_a_private_report_stays_with_its_owner(owner, owner_api, coparty_api, shared):
    private = report_by(owner, sharing=Report.Sharing.PRIVATE)
    assert ids(owner_api.get(URL)) == {private.pk}
    assert ids(coparty_api.get(URL)) == set()


def test_suspending_or_terminating_the_agreement_hides_the_report_at_once(
    owner, coparty_api, shared
):
    report = report_by(owner)
    assert ids(coparty_api.get(URL)) == {report.pk}
    member_services.agreement_suspend(actor=Actor.system(), agreement=shared)
    assert ids(coparty_api.get(URL)) == set()
    assert coparty_api.get(f"{URL}{report.pk}/").status_code == 404
    member_services.agreement_terminate(actor=Actor.system(), agreement=shared)
    assert ids(coparty_api.get(URL)) == set()


def test_an_agreement_past_its_last_day_shares_nothing_even_before_the_expiry_task(
    owner, coparty, coparty_api
):
    today = timezone.localdate()
    agreement = agreement_between(owner, coparty, effective_from=today - timedelta(days=10))
    report = report_by(owner)
    assert ids(coparty_api.get(URL)) == {report.pk}
    agreement.expires_on = today - timedelta(days=1)
    agreement.save()
    assert ids(coparty_api.get(URL)) == set()
    assert member_services.agreements_expire_due() == 1
    agreement.refresh_from_db()
    assert agreement.status == "expired"


# --- filters, search, pagination, queries ---------------------------------------------------


def test_list_filters_by_every_field_of_the_spec(owner, owner_api):
    a = report_by(
        owner, category="iptv", jurisdictions=["BR"], indicators=[("domain", "a.example")]
    )
    b = report_by(owner, tlp=TLP.GREEN, jurisdictions=[], indicators=[("domain", "b.example")])
    owner_api.patch(f"{URL}{b.pk}/", {"status": "resolved"}, format="json")
    target = Target.objects.create(kind="domain", value="a.example")
    Indicator.objects.filter(report=a).update(target=target)
    assert ids(owner_api.get(URL, {"category": "iptv"})) == {a.pk}
    assert ids(owner_api.get(URL, {"tlp": "green"})) == {b.pk}
    assert ids(owner_api.get(URL, {"jurisdiction": "br"})) == {a.pk}
    assert ids(owner_api.get(URL, {"status": "resolved"})) == {b.pk}
    assert ids(owner_api.get(URL, {"target": str(target.uid)})) == {a.pk}
    a.refresh_from_db()  # b was updated (resolved) after a was last touched
    assert ids(owner_api.get(URL, {"updated_after": a.updated_at.isoformat()})) == {b.pk}
    assert ids(owner_api.get(URL, {"q": "B.EXAMPLE"})) == {b.pk}
    bad = owner_api.get(URL, {"tlp": "purple"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "/tlp"


def test_search_never_reaches_reports_the_caller_cannot_see(owner, outsider_api, shared):
    report_by(owner, title="Secret derby mirror")
    assert ids(outsider_api.get(URL, {"q": "derby"})) == set()


def test_cursor_pagination_walks_every_visible_report_once(owner, owner_api):
    made = {report_by(owner, indicators=[("domain", f"m{i}.example")]).pk for i in range(7)}
    seen, url = [], f"{URL}?page_size=3"
    while url:
        body = owner_api.get(url).json()
        seen += [r["id"] for r in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_listing_visible_reports_costs_a_constant_number_of_queries(
    owner, coparty, coparty_api, shared
):
    def count_for_list() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert coparty_api.get(URL, {"page_size": 500}).status_code == 200
        return len(ctx.captured_queries)

    report_by(owner, indicators=[("domain", "first.example")])
    count_for_list()  # the key's first use also records last_used_at; count from the second
    few = count_for_list()
    for i in range(100):
        report_by(owner, indicators=[("domain", f"r{i}.example"), ("ipv4", f"192.0.2.{i}")])
    assert len(coparty_api.get(URL, {"page_size": 500}).json()["results"]) == 101
    assert count_for_list() == few


# --- bulk -----------------------------------------------------------------------------------


def test_bulk_stores_the_valid_reports_and_reports_each_invalid_one(owner_api):
    response = owner_api.post(
        f"{URL}bulk/",
        {
            "reports": [
                payload(title="one"),
                payload(indicators=[{"kind": "domain", "value": "not a domain"}]),
                "not an object",
                payload(title="two", indicators=[{"kind": "url", "value": "https://two.example/"}]),
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["invalid"]) == (2, 2)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["created", "invalid", "invalid", "created"]
    assert body["results"][1]["errors"][0]["pointer"] == "/reports/1/indicators/0/value"
    assert body["results"][2]["errors"][0]["pointer"] == "/reports/2"
    assert set(Report.objects.values_list("title", flat=True)) == {"one", "two"}


def test_bulk_refuses_more_than_1000_reports_with_a_problem(owner_api):
    response = owner_api.post(f"{URL}bulk/", {"reports": [payload()] * 1001}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/reports"
    assert not Report.objects.exists()


def test_bulk_needs_the_write_scope(owner):
    reader = api_client_for(owner, scopes=["read"])
    assert reader.post(f"{URL}bulk/", {"reports": [payload()]}, format="json").status_code == 403


# --- idempotency ----------------------------------------------------------------------------


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_answer(owner_api):
    first = owner_api.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = owner_api.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(owner_api):
    owner_api.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = owner_api.post(URL, payload(title="other"), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 422
    assert Report.objects.count() == 1


def test_idempotency_keys_belong_to_one_organisation(owner_api, coparty_api):
    owner_api.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    theirs = coparty_api.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert theirs.status_code == 201 and theirs.json()["owner"] == "coparty"
    assert Report.objects.count() == 2


def test_a_retried_bulk_request_creates_nothing_new(owner_api):
    body = {"reports": [payload(title="one"), payload(title="two")]}
    first = owner_api.post(f"{URL}bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    again = owner_api.post(f"{URL}bulk/", body, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert first.json() == again.json()
    assert Report.objects.count() == 2


def test_a_failed_request_is_not_remembered_so_a_corrected_retry_goes_through(owner_api):
    bad = owner_api.post(URL, payload(tlp="purple"), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert bad.status_code == 400
    good = owner_api.post(URL, payload(), format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert good.status_code == 201


def test_an_indicator_s_note_is_stored_and_read_back_alone_or_in_bulk(owner_api):
    noted = [{"kind": "url", "value": "https://m.example/hd", "note": "HD backup"}]
    one = owner_api.post(URL, payload(indicators=noted), format="json")
    assert one.status_code == 201, one.content
    assert one.json()["indicators"][0]["note"] == "HD backup"
    bulk = owner_api.post(f"{URL}bulk/", {"reports": [payload(indicators=noted)]}, format="json")
    (result,) = bulk.json()["results"]
    assert Indicator.objects.get(report_id=result["id"]).note == "HD backup"
    too_long = [{"kind": "domain", "value": "a.example", "note": "n" * 501}]
    assert owner_api.post(URL, payload(indicators=too_long), format="json").status_code == 400
