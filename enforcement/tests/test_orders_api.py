"""Blocking orders over the API: who may issue, who sees an order, the ISP's answers and the
issuer's amendments, lifts and renewals. The actors: an authority (a regulator in PE), the
co-party (a PE telco, addressed by default), a second PE telco, the owner (a rightsholder with
reports) and an outsider (a BR telco)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for
from members.models import AuditEvent
from members.tests.factories import OrganizationFactory
from notifications import registry
from notifications.models import Event
from reports.tests.factories import agreement_between, report_by

from ..models import BlockingOrder, Compliance, ComplianceStep, OrderTarget
from .factories import order_by

URL = "/api/v1/blocking-orders/"


def _soon(minutes=30) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def _order(**overrides) -> dict:
    return {
        "reference": "INDECOPI-2026-0042",
        "legal_basis": "Resolución 0042-2026/CDA-INDECOPI",
        "country": "PE",
        "targets": [
            {"kind": "domain", "value": "Futbol-Libre.example"},
            {"kind": "url", "value": "https://restream.example/live/match?utm_source=x"},
            {"kind": "ipv4", "value": "198.51.100.7"},
        ],
        "deadline": _soon(),
        **overrides,
    }


@pytest.fixture
def second_isp(db):
    return OrganizationFactory(slug="second-isp", kind="telco", country="PE")


@pytest.fixture
def authority_api(authority):
    return api_client_for(authority)


@pytest.fixture
def isp_api(coparty):
    return api_client_for(coparty)


def test_a_regulator_issues_an_order_that_addresses_every_telco_of_its_country(
    authority_api, coparty, second_isp, outsider
):
    response = authority_api.post(URL, _order(), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["issuer"] == "authority"
    assert body["status"] == "in_force"
    assert body["isps"] == ["coparty", "second-isp"]
    assert [c["state"] for c in body["compliance"]] == ["notified", "notified"]
    assert sorted((t["kind"], t["value"]) for t in body["targets"]) == [
        ("domain", "futbol-libre.example"),
        ("ipv4", "198.51.100.7"),
        ("url", "https://restream.example/live/match"),
    ]
    assert Event.objects.filter(type="blocking_order.issued", subject_ids=[body["id"]]).count() == 1
    assert AuditEvent.objects.filter(action="blocking_order.issued").count() == 1


@pytest.mark.parametrize("kind", ["rightsholder", "telco", "industry_group", "intermediary"])
def test_only_an_authority_may_issue_orders(db, coparty, kind):
    member = OrganizationFactory(slug=f"a-{kind}".replace("_", "-"), kind=kind, country="PE")

    response = api_client_for(member).post(URL, _order(), format="json")

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert not BlockingOrder.objects.exists()


def test_law_enforcement_may_issue_orders_too(db, coparty):
    police = OrganizationFactory(slug="policia", kind="law_enforcement", country="PE")

    response = api_client_for(police).post(URL, _order(), format="json")

    assert response.status_code == 201


def test_an_authority_issues_only_for_its_own_country(authority_api, coparty, outsider):
    response = authority_api.post(URL, _order(country="BR"), format="json")

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/country"]


def test_addressed_isps_must_be_telcos_of_the_country(authority_api, coparty, outsider, owner):
    response = authority_api.post(URL, _order(isps=["coparty", "outsider", "owner"]), format="json")

    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/isps"
    assert "outsider" in error["detail"] and "owner" in error["detail"]


def test_an_invalid_target_is_named_and_nothing_is_stored(authority_api, coparty):
    targets = [{"kind": "domain", "value": "ok.example"}, {"kind": "domain", "value": "not a name"}]

    response = authority_api.post(URL, _order(targets=targets), format="json")

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/targets/1/value"]
    assert not OrderTarget.objects.exists()


def test_kinds_that_cannot_be_blocked_are_refused(authority_api, coparty):
    response = authority_api.post(
        URL,
        _order(targets=[{"kind": "payment_account", "value": "paypal:x@y.example"}]),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/targets/0/kind"


def test_an_order_relies_only_on_reports_the_issuer_can_see(
    authority, authority_api, owner, coparty
):
    agreement_between(owner, authority)
    shared = report_by(owner)
    private = report_by(owner, sharing="private")

    refused = authority_api.post(URL, _order(reports=[shared.pk, private.pk]), format="json")
    accepted = authority_api.post(URL, _order(reports=[shared.pk]), format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {
        "pointer": "/reports",
        "detail": f"Unknown reports: {private.pk}.",
        "code": "invalid",
    }
    assert accepted.status_code == 201
    assert accepted.json()["reports"] == [shared.pk]


def test_an_isp_sees_the_reports_of_an_order_only_where_the_policy_lets_it(
    authority, owner, coparty, isp_api
):
    agreement_between(owner, authority)
    report = report_by(owner)
    order = order_by(authority, reports=[report.pk])

    body = isp_api.get(f"{URL}{order.pk}/").json()

    assert body["reports"] == []
    agreement_between(owner, coparty)
    assert isp_api.get(f"{URL}{order.pk}/").json()["reports"] == [report.pk]


def test_the_issuer_and_the_addressed_isps_see_an_order_and_no_one_else(
    authority, coparty, second_isp, outsider, owner
):
    order = order_by(authority, isps=[coparty])

    assert api_client_for(authority).get(f"{URL}{order.pk}/").status_code == 200
    assert api_client_for(coparty).get(f"{URL}{order.pk}/").status_code == 200
    for other in (second_isp, outsider, owner):
        client = api_client_for(other)
        assert client.get(f"{URL}{order.pk}/").status_code == 404
        assert client.get(URL).json()["results"] == []
        assert client.post(f"{URL}{order.pk}/acknowledge/").status_code == 404
        assert client.post(f"{URL}{order.pk}/lift/", {}, format="json").status_code == 404


def test_an_isp_acknowledges_then_confirms_and_every_step_is_timestamped(
    authority, coparty, isp_api
):
    order = order_by(authority)

    ack = isp_api.post(f"{URL}{order.pk}/acknowledge/")
    again = isp_api.post(f"{URL}{order.pk}/acknowledge/")
    done = isp_api.post(f"{URL}{order.pk}/confirm/")

    assert ack.status_code == 200 and ack.json()["state"] == "acknowledged"
    assert again.json()["acknowledged_at"] == ack.json()["acknowledged_at"]
    assert done.json()["state"] == "implemented"
    assert done.json()["implemented_at"] >= ack.json()["acknowledged_at"]
    steps = ComplianceStep.objects.filter(compliance__isp=coparty).values_list("state", flat=True)
    assert list(steps) == ["notified", "acknowledged", "implemented"]
    compliance = api_client_for(authority).get(f"{URL}{order.pk}/").json()["compliance"]
    assert compliance[0]["isp"] == "coparty" and compliance[0]["state"] == "implemented"


def test_confirming_without_acknowledging_first_acknowledges_too(authority, coparty, isp_api):
    order = order_by(authority)

    body = isp_api.post(f"{URL}{order.pk}/confirm/").json()

    assert body["acknowledged_at"] == body["implemented_at"]


def test_an_isp_rejects_with_a_reason_and_other_needs_a_detail(authority, coparty, isp_api):
    order = order_by(authority)

    vague = isp_api.post(f"{URL}{order.pk}/reject/", {"reason": "other"}, format="json")
    unknown = isp_api.post(f"{URL}{order.pk}/reject/", {"reason": "busy"}, format="json")
    clear = isp_api.post(
        f"{URL}{order.pk}/reject/",
        {"reason": "not_technically_possible", "detail": "We only block by DNS."},
        format="json",
    )

    assert vague.status_code == 400 and vague.json()["errors"][0]["pointer"] == "/detail"
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["pointer"] == "/reason"
    assert clear.json()["state"] == "rejected"
    assert clear.json()["reason"] == "not_technically_possible"


def test_an_implemented_order_cannot_then_be_rejected(authority, coparty, isp_api):
    order = order_by(authority)
    isp_api.post(f"{URL}{order.pk}/confirm/")

    response = isp_api.post(
        f"{URL}{order.pk}/reject/", {"reason": "already_blocked"}, format="json"
    )

    assert response.status_code == 409


def test_the_issuer_cannot_answer_for_an_isp_and_an_isp_cannot_lift(authority, coparty, isp_api):
    order = order_by(authority)

    assert api_client_for(authority).post(f"{URL}{order.pk}/confirm/").status_code == 403
    assert isp_api.post(f"{URL}{order.pk}/lift/", {}, format="json").status_code == 403
    assert (
        isp_api.post(f"{URL}{order.pk}/amend/", {"targets": []}, format="json").status_code == 403
    )


def test_a_read_only_key_cannot_answer_an_order(authority, coparty):
    order = order_by(authority)

    response = api_client_for(coparty, scopes=("read",)).post(f"{URL}{order.pk}/confirm/")

    assert response.status_code == 403


def test_lifting_some_targets_keeps_the_order_in_force_and_lifting_the_last_lifts_it(
    authority, authority_api, coparty
):
    order = order_by(authority, targets=[("domain", "a.example"), ("domain", "b.example")])

    some = authority_api.post(
        f"{URL}{order.pk}/lift/",
        {"targets": [{"kind": "domain", "value": "a.example"}]},
        format="json",
    )
    rest = authority_api.post(
        f"{URL}{order.pk}/lift/",
        {"targets": [{"kind": "domain", "value": "b.example"}]},
        format="json",
    )

    assert some.json()["status"] == "in_force"
    assert [t["lifted_at"] is not None for t in some.json()["targets"]] == [True, False]
    assert rest.json()["status"] == "lifted"
    assert Event.objects.filter(type="blocking_order.lifted", subject_ids=[order.pk]).count() == 2


def test_a_lifted_order_accepts_no_further_steps(authority, authority_api, coparty, isp_api):
    order = order_by(authority)
    authority_api.post(f"{URL}{order.pk}/lift/", {}, format="json")

    assert authority_api.post(f"{URL}{order.pk}/lift/", {}, format="json").status_code == 409
    assert isp_api.post(f"{URL}{order.pk}/confirm/").status_code == 409


def test_lifting_a_target_the_order_does_not_hold_is_a_field_error(
    authority, authority_api, coparty
):
    order = order_by(authority)

    response = authority_api.post(
        f"{URL}{order.pk}/lift/",
        {"targets": [{"kind": "domain", "value": "other.example"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/targets"


def test_an_amendment_adds_targets_and_asks_every_isp_to_comply_again(
    authority, authority_api, coparty, isp_api
):
    order = order_by(authority)
    isp_api.post(f"{URL}{order.pk}/confirm/")
    deadline = _soon(15)

    response = authority_api.post(
        f"{URL}{order.pk}/amend/",
        {"targets": [{"kind": "domain", "value": "mirror.example"}], "deadline": deadline},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert {t["value"] for t in body["targets"]} == {"pirate-streams.example", "mirror.example"}
    assert body["compliance"][0]["state"] == "notified"
    assert body["compliance"][0]["implemented_at"] is None
    assert Event.objects.filter(type="blocking_order.amended", subject_ids=[order.pk]).count() == 1


def test_an_order_without_an_end_lapses_after_the_configured_period_unless_renewed(
    authority, authority_api, coparty, settings
):
    settings.BLOCKING_ORDER_LAPSE_DAYS = 365
    order = order_by(authority)
    assert (order.ends_at - order.issued_at).days == 365
    new_end = timezone.now() + timedelta(days=500)

    response = authority_api.post(
        f"{URL}{order.pk}/renew/",
        {"valid_until": new_end.isoformat(), "note": "Season 2027"},
        format="json",
    )

    assert response.status_code == 201
    detail = authority_api.get(f"{URL}{order.pk}/").json()
    assert detail["renewals"][0]["note"] == "Season 2027"
    assert detail["ends_at"] == response.json()["new_end"]


def test_a_renewal_must_move_the_end_later(authority, authority_api, coparty):
    order = order_by(authority, valid_until=timezone.now() + timedelta(days=30))

    response = authority_api.post(
        f"{URL}{order.pk}/renew/",
        {"valid_until": (timezone.now() + timedelta(days=1)).isoformat()},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/valid_until"


def test_an_order_must_not_end_before_the_isps_must_comply(authority_api, coparty):
    response = authority_api.post(
        URL, _order(deadline=_soon(60), valid_until=_soon(30)), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/valid_until"


def test_within_the_grace_window_isps_see_nothing_and_the_issuer_may_withdraw(
    authority, authority_api, coparty, isp_api, settings
):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    created = authority_api.post(URL, _order(), format="json").json()

    assert created["status"] == "pending"
    assert isp_api.get(f"{URL}{created['id']}/").status_code == 404
    assert not Event.objects.filter(type="blocking_order.issued").exists()
    withdrawn = authority_api.post(f"{URL}{created['id']}/withdraw/")
    assert withdrawn.json()["status"] == "withdrawn"
    assert isp_api.get(f"{URL}{created['id']}/").status_code == 404


def test_after_the_grace_window_the_order_is_announced_once_and_cannot_be_withdrawn(
    authority, authority_api, coparty, isp_api, settings
):
    from .. import services

    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    created = authority_api.post(URL, _order(), format="json").json()
    BlockingOrder.objects.filter(pk=created["id"]).update(
        issued_at=timezone.now() - timedelta(seconds=1)
    )

    assert services.orders_announce_due() == 1
    assert services.orders_announce_due() == 0
    assert Event.objects.filter(type="blocking_order.issued").count() == 1
    assert isp_api.get(f"{URL}{created['id']}/").status_code == 200
    assert authority_api.post(f"{URL}{created['id']}/withdraw/").status_code == 409


def test_an_isp_late_past_the_deadline_is_flagged_once_to_itself_and_the_issuer(
    authority, coparty, second_isp
):

    from .. import services

    order = order_by(authority)
    services.compliance_confirm(actor=_isp_actor(second_isp), order=order)
    BlockingOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))

    assert services.orders_flag_overdue() == 1
    assert services.orders_flag_overdue() == 0
    event = Event.objects.get(type="blocking_order.overdue")
    assert event.data["isp"] == "coparty"
    told = {a.organization.slug for a in registry.kind(event.type).audience(event)}
    assert told == {"authority", "coparty"}
    assert Compliance.objects.get(isp=coparty).overdue_at is not None


def test_the_isps_are_told_of_an_order_and_the_issuer_is_not(
    authority, coparty, second_isp, outsider
):

    order = order_by(authority, isps=[coparty])
    event = Event.objects.get(type="blocking_order.issued", subject_ids=[order.pk])

    assert [a.organization.slug for a in registry.kind(event.type).audience(event)] == ["coparty"]


def test_an_order_that_reaches_its_end_is_announced_as_lifted_to_all(authority, coparty):

    from .. import services

    order = order_by(authority, valid_until=timezone.now() + timedelta(hours=2))
    BlockingOrder.objects.filter(pk=order.pk).update(ends_at=timezone.now() - timedelta(seconds=1))

    assert services.orders_announce_ended() == 1
    assert services.orders_announce_ended() == 0
    event = Event.objects.get(type="blocking_order.lifted")
    assert {a.organization.slug for a in registry.kind(event.type).audience(event)} == {
        "authority",
        "coparty",
    }
    order.refresh_from_db()
    assert order.status == "expired"


def test_the_list_filters_by_status_and_role(authority, authority_api, coparty, isp_api):
    live = order_by(authority)
    lifted = order_by(authority)
    authority_api.post(f"{URL}{lifted.pk}/lift/", {}, format="json")

    in_force = authority_api.get(URL, {"status": "in_force"}).json()["results"]
    issued = authority_api.get(URL, {"role": "issued"}).json()["results"]
    addressed = isp_api.get(URL, {"role": "addressed"}).json()["results"]

    assert [o["id"] for o in in_force] == [live.pk]
    assert {o["id"] for o in issued} == {live.pk, lifted.pk}
    assert {o["id"] for o in addressed} == {live.pk, lifted.pk}


def test_listing_orders_takes_the_same_number_of_queries_for_1_or_10(
    authority, authority_api, coparty, django_assert_max_num_queries
):
    order_by(authority)
    with django_assert_max_num_queries(20) as one:
        authority_api.get(URL)
    for _ in range(9):
        order_by(authority)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = authority_api.get(URL)
    assert len(response.json()["results"]) == 10


def test_issuing_is_idempotent_with_an_idempotency_key(authority_api, coparty):
    body = _order()
    first = authority_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = authority_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert BlockingOrder.objects.count() == 1


def test_an_order_reference_is_unique_per_issuer(authority_api, coparty):
    authority_api.post(URL, _order(), format="json")

    response = authority_api.post(URL, _order(), format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/reference"


def _isp_actor(org):
    from .factories import as_actor

    return as_actor(org)


def test_a_protected_target_is_named_at_the_position_it_was_sent_even_after_duplicates(
    authority_api, coparty
):
    targets = [
        {"kind": "domain", "value": "ok.example"},
        {"kind": "domain", "value": "OK.example"},
        {"kind": "ipv4", "value": "104.16.1.1"},
    ]

    response = authority_api.post(URL, _order(targets=targets), format="json")

    assert [e["pointer"] for e in response.json()["errors"]] == ["/targets/2/value"]


def test_an_isp_sees_its_own_answer_and_the_issuer_sees_every_isps(
    authority, coparty, second_isp, isp_api
):
    order = order_by(authority)

    seen_by_isp = isp_api.get(f"{URL}{order.pk}/").json()["compliance"]
    seen_by_issuer = api_client_for(authority).get(f"{URL}{order.pk}/").json()["compliance"]

    assert [c["isp"] for c in seen_by_isp] == ["coparty"]
    assert [c["isp"] for c in seen_by_issuer] == ["coparty", "second-isp"]


def test_the_issuer_posting_a_rejection_is_refused_before_its_fields_are_read(authority, coparty):
    order = order_by(authority)

    response = api_client_for(authority).post(
        f"{URL}{order.pk}/reject/", {"reason": "other"}, format="json"
    )

    assert response.status_code == 403


def test_an_isp_is_not_shown_the_issuers_warnings_or_override_justification(
    authority, coparty, isp_api
):
    order = order_by(
        authority,
        targets=[("ipv4", "104.16.1.1")],
        override_protected=True,
        justification="The address serves only the pirate panel, per the technical report.",
    )

    by_isp = isp_api.get(f"{URL}{order.pk}/").json()
    by_issuer = api_client_for(authority).get(f"{URL}{order.pk}/").json()

    assert by_issuer["justification"].startswith("The address serves")
    assert by_issuer["targets"][0]["protected_match"] and by_issuer["targets"][0]["warnings"]
    assert by_isp["justification"] == ""
    assert by_isp["targets"][0]["protected_match"] == "" and by_isp["targets"][0]["warnings"] == []
    assert by_isp["override_protected"] is True


def test_an_order_lifted_before_its_announcement_ran_is_announced_then_lifted(
    authority, authority_api, coparty, settings
):
    from .. import services

    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    created = authority_api.post(URL, _order(), format="json").json()
    BlockingOrder.objects.filter(pk=created["id"]).update(
        issued_at=timezone.now() - timedelta(seconds=1)
    )

    authority_api.post(f"{URL}{created['id']}/lift/", {}, format="json")
    services.orders_announce_due()

    types = list(
        Event.objects.filter(subject_ids=[created["id"]])
        .order_by("pk")
        .values_list("type", flat=True)
    )
    assert types == ["blocking_order.issued", "blocking_order.lifted"]
