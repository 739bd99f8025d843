"""The ISP's consolidated blocklist: the union of what its orders put in force, in four formats,
with ETag / If-None-Match, Last-Modified and `?since=` deltas. The actors: an authority (a PE
regulator), the co-party (a PE telco, addressed), a second PE telco and an outsider."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import api_client_for
from members.tests.factories import OrganizationFactory

from ..models import BlockingOrder, OrderTarget
from ..services import TargetInput, order_amend, order_lift
from .factories import as_actor, order_by


@pytest.fixture
def isp_api(coparty):
    return api_client_for(coparty, scopes=("read",))


def _txt_values(response) -> list[str]:
    return [
        line for line in response.content.decode().splitlines() if line and not line.startswith("#")
    ]


def test_the_blocklist_is_the_union_of_every_order_in_force_for_the_isp(
    authority, coparty, isp_api
):
    order_by(authority, targets=[("domain", "a.example"), ("ipv4", "198.51.100.7")])
    order_by(authority, targets=[("domain", "a.example"), ("cidr", "203.0.113.0/24")])

    response = isp_api.get("/api/v1/blocklist.json")

    assert response.status_code == 200
    entries = response.json()["entries"]
    assert sorted((e["kind"], e["value"]) for e in entries) == [
        ("cidr", "203.0.113.0/24"),
        ("domain", "a.example"),
        ("ipv4", "198.51.100.7"),
    ]
    twice = next(e for e in entries if e["value"] == "a.example")
    assert twice["orders"] == ["ORD-1", "ORD-2"]


def test_an_isp_not_addressed_gets_an_empty_list_and_a_non_isp_is_refused(
    authority, coparty, outsider, owner
):
    second = OrganizationFactory(slug="second-isp", kind="telco", country="PE")
    order_by(authority, isps=[coparty])

    assert _txt_values(api_client_for(second).get("/api/v1/blocklist.txt")) == []
    assert _txt_values(api_client_for(outsider).get("/api/v1/blocklist.txt")) == []
    refused = api_client_for(owner).get("/api/v1/blocklist.txt")
    assert refused.status_code == 403
    assert refused["Content-Type"].startswith("application/problem+json")


def test_every_format_carries_the_same_entries(authority, coparty, isp_api):
    order_by(
        authority,
        targets=[
            ("domain", "a.example"),
            ("url", "https://b.example/live"),
            ("ipv6", "2001:db8::1"),
        ],
    )

    txt = _txt_values(isp_api.get("/api/v1/blocklist.txt"))
    rows = list(csv.DictReader(io.StringIO(isp_api.get("/api/v1/blocklist.csv").content.decode())))
    zone = isp_api.get("/api/v1/blocklist.rpz").content.decode()

    assert sorted(txt) == ["2001:db8::1", "a.example", "https://b.example/live"]
    assert sorted(r["value"] for r in rows) == sorted(txt)
    assert "a.example CNAME ." in zone and "*.a.example CNAME ." in zone
    assert "rpz-ip" in zone
    # DNS cannot block a path, and blocking the URL's host would over-block.
    assert not [line for line in zone.splitlines() if "b.example" in line and "CNAME" in line]


def test_the_kind_filter_narrows_the_list_and_rejects_unknown_kinds(authority, coparty, isp_api):
    order_by(authority, targets=[("domain", "a.example"), ("ipv4", "198.51.100.7")])

    assert _txt_values(isp_api.get("/api/v1/blocklist.txt", {"kind": "domain"})) == ["a.example"]
    bad = isp_api.get("/api/v1/blocklist.txt", {"kind": "domain,email"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "/kind"


def test_an_unchanged_list_answers_304_to_its_etag(authority, coparty, isp_api):
    _issued_minutes_ago(order_by(authority), 10)
    first = isp_api.get("/api/v1/blocklist.rpz")

    again = isp_api.get("/api/v1/blocklist.rpz", HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = isp_api.get("/api/v1/blocklist.rpz", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert first.status_code == 200 and first["ETag"]
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert by_date.status_code == 304


def test_each_format_has_its_own_etag(authority, coparty, isp_api):
    order_by(authority)

    tags = {
        isp_api.get(f"/api/v1/blocklist.{fmt}")["ETag"] for fmt in ("txt", "rpz", "csv", "json")
    }

    assert len(tags) == 4


def test_an_amendment_or_a_lift_changes_the_etag_and_the_rpz_serial(authority, coparty, isp_api):
    order = order_by(authority)
    first = isp_api.get("/api/v1/blocklist.rpz")
    order_amend(
        actor=as_actor(authority), order=order, targets=[TargetInput("domain", "mirror.example")]
    )

    amended = isp_api.get("/api/v1/blocklist.rpz", HTTP_IF_NONE_MATCH=first["ETag"])
    order_lift(actor=as_actor(authority), order=order)
    lifted = isp_api.get("/api/v1/blocklist.rpz", HTTP_IF_NONE_MATCH=amended["ETag"])

    assert amended.status_code == 200 and "mirror.example CNAME ." in amended.content.decode()
    assert lifted.status_code == 200 and "CNAME ." not in lifted.content.decode()
    assert len({first["ETag"], amended["ETag"], lifted["ETag"]}) == 3
    assert _serial(first) <= _serial(amended) <= _serial(lifted)


def _serial(response) -> int:
    for line in response.content.decode().splitlines():
        if "SOA" in line:
            tokens = line.replace("(", " ").split()
            return int(tokens[tokens.index("SOA") + 3])
    raise AssertionError("no SOA")


def test_an_order_that_reaches_its_end_leaves_the_list_without_any_task_running(
    authority, coparty, isp_api
):
    order = order_by(authority, valid_until=timezone.now() + timedelta(hours=2))
    _issued_minutes_ago(order, 10)
    before = isp_api.get("/api/v1/blocklist.txt")
    # The passage of time, simulated: the order's end is now in the past.
    BlockingOrder.objects.filter(pk=order.pk).update(ends_at=timezone.now() - timedelta(seconds=1))

    after = isp_api.get("/api/v1/blocklist.txt", HTTP_IF_NONE_MATCH=before["ETag"])

    assert _txt_values(before) == ["pirate-streams.example"]
    assert after.status_code == 200 and _txt_values(after) == []


def test_an_order_in_its_grace_window_is_not_yet_in_the_list(authority, coparty, isp_api, settings):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    order_by(authority)

    assert _txt_values(isp_api.get("/api/v1/blocklist.txt")) == []


def test_a_delta_since_a_moment_lists_what_was_added_and_removed(authority, coparty, isp_api):
    order = order_by(authority, targets=[("domain", "a.example"), ("domain", "b.example")])
    # Older entries, so that `since` falls strictly between the two states.
    _issued_minutes_ago(order, 10)
    since = isp_api.get("/api/v1/blocklist.json").json()["as_of"]
    order_lift(actor=as_actor(authority), order=order, targets=[TargetInput("domain", "a.example")])
    order_amend(
        actor=as_actor(authority), order=order, targets=[TargetInput("domain", "c.example")]
    )

    delta = isp_api.get("/api/v1/blocklist.json", {"since": since}).json()
    text = isp_api.get("/api/v1/blocklist.txt", {"since": since}).content.decode().splitlines()

    assert [e["value"] for e in delta["added"]] == ["c.example"]
    assert [e["value"] for e in delta["removed"]] == ["a.example"]
    assert "+c.example" in text and "-a.example" in text
    assert "+b.example" not in text and "-b.example" not in text


def _issued_minutes_ago(order, minutes: int) -> None:
    past = timezone.now() - timedelta(minutes=minutes)
    BlockingOrder.objects.filter(pk=order.pk).update(issued_at=past, changed_at=past)
    OrderTarget.objects.filter(order=order).update(added_at=past)


def test_a_delta_is_refused_for_the_rpz_and_for_a_malformed_since(authority, coparty, isp_api):
    rpz = isp_api.get("/api/v1/blocklist.rpz", {"since": timezone.now().isoformat()})
    bad = isp_api.get("/api/v1/blocklist.json", {"since": "yesterday"})

    assert rpz.status_code == 400 and rpz.json()["errors"][0]["pointer"] == "/since"
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "/since"


def test_the_blocklist_needs_a_key(db):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/blocklist.txt").status_code == 401


def test_two_versions_within_one_second_still_get_increasing_rpz_serials(coparty):
    from ..services import blocklist_serial_next as blocklist_serial

    second = timezone.now().replace(microsecond=100)
    first = blocklist_serial(coparty, second)
    same = blocklist_serial(coparty, second)
    later_same_second = blocklist_serial(coparty, second.replace(microsecond=900))
    next_second = blocklist_serial(coparty, second + timedelta(seconds=1))

    assert first == same == int(second.timestamp())
    assert later_same_second == first + 1
    assert next_second == first + 2


def test_kind_dns_selects_what_a_resolver_can_enforce(authority, coparty, isp_api):
    order_by(authority, targets=[("domain", "a.example"), ("url", "https://b.example/x")])

    assert _txt_values(isp_api.get("/api/v1/blocklist.txt", {"kind": "dns"})) == ["a.example"]


def test_a_change_in_the_same_second_as_the_last_answer_is_not_hidden_by_its_date(
    authority, coparty, isp_api
):
    order = order_by(authority)
    first = isp_api.get("/api/v1/blocklist.txt")
    order_amend(
        actor=as_actor(authority), order=order, targets=[TargetInput("domain", "b.example")]
    )

    again = isp_api.get("/api/v1/blocklist.txt", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert again.status_code == 200
    assert "b.example" in _txt_values(again)


def test_a_delta_since_a_future_moment_is_refused(authority, coparty, isp_api, settings):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 3600
    order_by(authority)  # pending for an hour: the ISP must learn nothing of it
    later = (timezone.now() + timedelta(hours=2)).isoformat()

    response = isp_api.get("/api/v1/blocklist.json", {"since": later})

    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/since"


@pytest.mark.django_db(transaction=True)
def test_a_poll_during_an_amendment_waits_for_it_and_never_misses_it(authority, coparty):
    """A change is stamped before it commits; a poll in between must not be given a version
    (or an `as_of`) that covers the stamp without the change, or a 304 and every later delta
    would hide it. The poll waits for the change instead."""
    import threading
    from unittest import mock

    from django.db import connections

    from .. import services

    isp = api_client_for(coparty, scopes=("read",))
    order = order_by(authority, targets=[("domain", "a.example")])
    inserting, go, polled = threading.Event(), threading.Event(), []
    real_add = services._add_targets

    def slow_add(*args, **kwargs):
        inserting.set()
        go.wait(20)
        return real_add(*args, **kwargs)

    def amend():
        try:
            order_amend(
                actor=as_actor(authority), order=order, targets=[TargetInput("domain", "b.example")]
            )
        finally:
            connections.close_all()

    def poll():
        try:
            polled.append(isp.get("/api/v1/blocklist.json"))
        finally:
            connections.close_all()

    with mock.patch.object(services, "_add_targets", slow_add):
        writer = threading.Thread(target=amend)
        writer.start()
        assert inserting.wait(20)
        reader = threading.Thread(target=poll)
        reader.start()
        reader.join(1)
        waited = reader.is_alive()
        go.set()
        writer.join(20)
        reader.join(20)

    response = polled[0]
    assert waited, "the poll did not wait for the amendment in progress"
    assert [e["value"] for e in response.json()["entries"]] == ["a.example", "b.example"]
    assert isp.get("/api/v1/blocklist.json", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
