"""Answers per target (issue 14): an ISP says "the domain is blocked, the URL is impossible on
our DNS resolver" instead of rejecting the whole order. The actors: the authority (a PE
regulator) that issues, the co-party (a PE telco) that answers, a second PE telco addressed by
the same order, and an outsider (a BR telco)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import api_client_for
from members.models import AuditEvent
from members.tests.factories import OrganizationFactory
from notifications.models import Event

from .. import services
from ..models import BlockingOrder, Compliance, ComplianceStep, OrderTarget, TargetAnswer
from .factories import as_actor, order_by

pytestmark = pytest.mark.django_db

URL = "/api/v1/blocking-orders/"
DOMAIN, PAGE = ("domain", "futbol-libre.example"), ("url", "https://futbol-libre.example/live")
DNS_ONLY = "URL blocking not supported on our DNS resolver"


@pytest.fixture
def second_isp(db):
    return OrganizationFactory(slug="second-isp", kind="telco", country="PE")


@pytest.fixture
def order(authority, coparty, second_isp) -> BlockingOrder:
    return order_by(authority, targets=[DOMAIN, PAGE])


def _ids(order: BlockingOrder) -> dict[str, int]:
    return {t.kind: t.pk for t in order.targets.all()}


def _answer(client, order, *answers, **extra):
    return client.post(
        f"{URL}{order.pk}/target-answers/", {"answers": list(answers)}, format="json", **extra
    )


def _domain_done_url_impossible(order) -> tuple[dict, dict]:
    ids = _ids(order)
    return (
        {"target": ids["domain"], "state": "implemented"},
        {
            "target": ids["url"],
            "state": "impossible",
            "reason": "not_technically_possible",
            "detail": DNS_ONLY,
        },
    )


def _mine(body: dict, slug: str) -> dict:
    return next(c for c in body["compliance"] if c["isp"] == slug)


def test_an_isp_answers_per_target_and_the_issuer_sees_one_of_two_applied_and_why(
    authority, coparty, second_isp, order
):
    response = _answer(api_client_for(coparty), order, *_domain_done_url_impossible(order))

    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "per_target"
    assert response.json()["targets"] == {
        "in_force": 2,
        "implemented": 1,
        "impossible": 1,
        "unanswered": 0,
    }
    issuer_view = api_client_for(authority).get(f"{URL}{order.pk}/").json()
    theirs = _mine(issuer_view, "coparty")
    assert theirs["targets"]["implemented"] == 1 and theirs["targets"]["in_force"] == 2
    assert [
        (a["value"], a["state"], a["reason"], a["detail"]) for a in theirs["target_answers"]
    ] == [
        ("futbol-libre.example", "implemented", "", ""),
        ("https://futbol-libre.example/live", "impossible", "not_technically_possible", DNS_ONLY),
    ]
    waiting = _mine(issuer_view, "second-isp")
    assert waiting["state"] == "notified" and waiting["targets"]["unanswered"] == 2
    listed = api_client_for(authority).get(URL).json()["results"][0]
    assert _mine(listed, "coparty")["targets"]["implemented"] == 1
    assert "target_answers" not in _mine(listed, "coparty")  # lists carry the counts only
    audit = AuditEvent.objects.get(action="blocking_order.targets_answered")
    assert audit.data["count"] == 2 and audit.data["isp"] == "coparty"


def test_another_isp_of_the_same_order_sees_only_its_own_answers(
    authority, coparty, second_isp, order
):
    _answer(api_client_for(coparty), order, *_domain_done_url_impossible(order))

    body = api_client_for(second_isp).get(f"{URL}{order.pk}/").json()
    listed = api_client_for(second_isp).get(URL).json()["results"][0]

    assert [c["isp"] for c in body["compliance"]] == ["second-isp"]
    assert body["compliance"][0]["target_answers"] == []
    assert body["compliance"][0]["targets"]["implemented"] == 0
    assert [c["isp"] for c in listed["compliance"]] == ["second-isp"]
    assert DNS_ONLY not in str(body) and DNS_ONLY not in str(listed)


def test_an_outsider_gets_404_like_an_order_that_does_not_exist(
    authority, coparty, outsider, order
):
    outsider_api = api_client_for(outsider)
    ids = _ids(order)

    refused = _answer(outsider_api, order, {"target": ids["domain"], "state": "implemented"})
    absent = outsider_api.post(
        f"{URL}999999/target-answers/",
        {"answers": [{"target": ids["domain"], "state": "implemented"}]},
        format="json",
    )

    assert refused.status_code == absent.status_code == 404
    assert not TargetAnswer.objects.exists()


def test_the_issuer_may_not_answer_for_an_isp(authority, coparty, order):
    response = _answer(
        api_client_for(authority), order, {"target": _ids(order)["domain"], "state": "implemented"}
    )

    assert response.status_code == 403
    assert not TargetAnswer.objects.exists()


def test_a_target_of_another_order_is_named_as_not_in_force_in_this_one(authority, coparty, order):
    other = order_by(authority, targets=[("domain", "otro.example")], reference="OTHER-1")

    response = _answer(
        api_client_for(coparty),
        order,
        {"target": _ids(order)["domain"], "state": "implemented"},
        {"target": _ids(other)["domain"], "state": "implemented"},
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/answers/1/target"]
    assert not TargetAnswer.objects.exists()


def test_an_impossible_target_needs_a_reason_and_other_needs_a_detail(authority, coparty, order):
    ids = _ids(order)

    response = _answer(
        api_client_for(coparty),
        order,
        {"target": ids["domain"], "state": "impossible"},
        {"target": ids["url"], "state": "impossible", "reason": "other"},
    )

    assert response.status_code == 400
    pointers = sorted(e["pointer"] for e in response.json()["errors"])
    assert pointers == ["/answers/0/reason", "/answers/1/detail"]


def test_the_same_answer_twice_is_one_step(authority, coparty, order):
    api = api_client_for(coparty)
    answers = _domain_done_url_impossible(order)

    first = _answer(api, order, *answers)
    again = _answer(api, order, *answers)
    keyed = _answer(api, order, *answers, HTTP_IDEMPOTENCY_KEY="k-1")
    replayed = _answer(api, order, *answers, HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == keyed.status_code == 200
    assert again.json() == first.json()
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    per_target = ComplianceStep.objects.filter(target__isnull=False)
    assert per_target.count() == 2
    whole = ComplianceStep.objects.filter(target__isnull=True, compliance__isp=coparty)
    assert list(whole.values_list("state", flat=True)) == ["notified", "per_target"]
    assert AuditEvent.objects.filter(action="blocking_order.targets_answered").count() == 1


def test_a_blocked_target_is_not_taken_back_but_an_impossible_one_may_be_blocked_later(
    authority, coparty, order
):
    api = api_client_for(coparty)
    ids = _ids(order)
    _answer(api, order, *_domain_done_url_impossible(order))

    walked_back = _answer(
        api, order, {"target": ids["domain"], "state": "impossible", "reason": "shared_address"}
    )
    unblocked = _answer(api, order, {"target": ids["url"], "state": "implemented"})

    assert walked_back.status_code == 409
    assert unblocked.status_code == 200 and unblocked.json()["state"] == "implemented"
    assert unblocked.json()["implemented_at"] is not None
    assert unblocked.json()["targets"]["implemented"] == 2


def test_one_target_answered_acknowledges_the_order_and_it_still_waits(authority, coparty, order):
    response = _answer(
        api_client_for(coparty), order, {"target": _ids(order)["domain"], "state": "implemented"}
    )

    body = response.json()
    assert body["state"] == "acknowledged" and body["acknowledged_at"] is not None
    assert body["targets"] == {"in_force": 2, "implemented": 1, "impossible": 0, "unanswered": 1}


def test_confirming_the_whole_order_still_works_and_answers_every_target(authority, coparty, order):
    api = api_client_for(coparty)
    ids = _ids(order)
    _answer(api, order, {"target": ids["url"], "state": "impossible", "reason": "shared_address"})

    body = api.post(f"{URL}{order.pk}/confirm/").json()

    assert body["state"] == "implemented"
    assert body["targets"] == {"in_force": 2, "implemented": 2, "impossible": 0, "unanswered": 0}
    answers = TargetAnswer.objects.filter(compliance__isp=coparty)
    assert sorted(answers.values_list("target_id", "state", "reason")) == sorted(
        [(ids["domain"], "implemented", ""), (ids["url"], "implemented", "")]
    )
    steps = ComplianceStep.objects.filter(compliance__isp=coparty, target__isnull=True)
    assert list(steps.values_list("state", flat=True)) == [
        "notified",
        "acknowledged",
        "implemented",
    ]


def test_a_whole_rejection_still_works_until_a_target_is_confirmed_blocked(
    authority, coparty, second_isp, order
):
    rejected = api_client_for(second_isp).post(
        f"{URL}{order.pk}/reject/", {"reason": "not_technically_possible"}, format="json"
    )
    api = api_client_for(coparty)
    _answer(api, order, {"target": _ids(order)["domain"], "state": "implemented"})
    refused = api.post(f"{URL}{order.pk}/reject/", {"reason": "already_blocked"}, format="json")

    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert refused.status_code == 409


def test_the_overdue_sweep_stops_flagging_an_isp_once_every_target_has_an_answer(
    authority, coparty, second_isp, order
):
    _answer(api_client_for(coparty), order, *_domain_done_url_impossible(order))
    BlockingOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))

    assert services.orders_flag_overdue() == 1
    flagged = Event.objects.get(type="blocking_order.overdue")
    assert flagged.data["isp"] == "second-isp"
    assert Compliance.objects.get(isp=coparty).overdue_at is None


def test_an_isp_with_one_target_unanswered_is_still_flagged_overdue(authority, coparty, order):
    _answer(
        api_client_for(coparty), order, {"target": _ids(order)["domain"], "state": "implemented"}
    )
    BlockingOrder.objects.filter(pk=order.pk).update(deadline=timezone.now() - timedelta(minutes=1))

    services.orders_flag_overdue()

    assert Compliance.objects.get(isp=coparty).overdue_at is not None


def test_lifting_the_one_target_left_unanswered_makes_the_order_done_for_the_isp(
    authority, coparty, order
):
    _answer(
        api_client_for(coparty), order, {"target": _ids(order)["domain"], "state": "implemented"}
    )

    services.order_lift(
        actor=as_actor(authority), order=order, targets=[services.TargetInput(*PAGE)]
    )

    row = Compliance.objects.get(isp=coparty)
    assert row.state == Compliance.State.IMPLEMENTED
    assert row.steps.last().detail == "lifted"


def test_an_amendment_asks_again_for_the_new_targets_only(authority, coparty, order):
    api = api_client_for(coparty)
    api.post(f"{URL}{order.pk}/confirm/")

    services.order_amend(
        actor=as_actor(authority),
        order=order,
        targets=[services.TargetInput("ipv4", "198.51.100.7")],
    )
    body = api.get(f"{URL}{order.pk}/").json()["compliance"][0]

    assert body["state"] == "notified"
    assert body["targets"] == {"in_force": 3, "implemented": 2, "impossible": 0, "unanswered": 1}
    new = OrderTarget.objects.get(kind="ipv4").pk
    done = _answer(api, order, {"target": new, "state": "impossible", "reason": "shared_address"})
    assert done.json()["state"] == "per_target"


def test_an_answer_on_an_order_no_longer_in_force_is_refused(authority, coparty, order):
    services.order_lift(actor=as_actor(authority), order=order)

    response = _answer(
        api_client_for(coparty), order, {"target": _ids(order)["domain"], "state": "implemented"}
    )

    assert response.status_code == 409
    assert not TargetAnswer.objects.exists()


def test_the_order_list_takes_as_many_queries_with_answers_as_without(
    authority, coparty, second_isp, order
):
    api = api_client_for(authority)
    with CaptureQueriesContext(connection) as before:
        api.get(URL)
    _answer(api_client_for(coparty), order, *_domain_done_url_impossible(order))
    for n in range(5):
        order_by(authority, targets=[("domain", f"mirror-{n}.example")], reference=f"M-{n}")

    with CaptureQueriesContext(connection) as after:
        api.get(URL)

    assert len(after) == len(before)
