"""The TAXII 2.1 server through Django's test client: collections as the policy makes them,
paging, filters, the ledger's date_added, deleting, and the cursor. Media types,
authentication, posting and TAXII's error shape are in test_taxii_protocol.py; the real
client's proof is test_taxii_client.py."""

from __future__ import annotations

import datetime
import uuid

import pytest

from exchange.models import CollectionEntry
from exchange.taxii.collections import agreement_collection, visible_collection
from exchange.taxii.filters import Filters
from exchange.taxii.protocol import TAXII_21
from exchange.taxii.services import NoSuchObject, Refused, taxii_delete
from kernel.vocabulary import TLP
from members.actors import Actor
from members.models import Agreement, AuditEvent
from members.services import api_key_create
from reports.models import Report
from reports.tests.factories import agreement_between, report_by

from .taxii_helpers import (
    COMMON,
    ROOT,
    all_objects,
    error_of,
    objects_url,
    report_ids,
    share_one_report,
    taxii,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(owner, coparty):
    return share_one_report(owner, coparty)


# --- discovery, API root, collections --------------------------------------------------------


def test_discovery_names_one_default_api_root_and_the_root_speaks_taxii_21(owner):
    client = taxii(owner)
    response = client.get("/taxii2/")
    assert response.status_code == 200 and response["Content-Type"] == TAXII_21
    body = response.json()
    assert body["title"] and body["default"].endswith(ROOT)
    assert body["api_roots"] == [body["default"]]
    root = client.get(ROOT).json()
    assert TAXII_21 in root["versions"] and root["max_content_length"] > 0


def test_an_owner_has_visible_and_one_writable_collection_per_agreement_in_force(
    owner, coparty, outsider, shared
):
    agreement, _report = shared
    ended = agreement_between(owner, outsider)
    ended.status = Agreement.Status.TERMINATED
    ended.save()
    body = taxii(owner).get(f"{ROOT}collections/").json()
    by_title = {c["title"]: c for c in body["collections"]}
    assert set(by_title) == {"Visible to you", agreement.title}
    visible = by_title["Visible to you"]
    assert (visible["alias"], visible["can_read"], visible["can_write"]) == ("visible", True, False)
    assert by_title[agreement.title]["can_write"] is True
    assert visible["id"] == visible_collection(owner).id != visible_collection(coparty).id


def test_an_outsider_has_only_visible_and_every_other_collection_is_404(owner, outsider, shared):
    agreement, _report = shared
    client = taxii(outsider)
    body = client.get(f"{ROOT}collections/").json()
    assert [c["alias"] for c in body["collections"]] == ["visible"]
    theirs = agreement_collection(agreement).id
    for collection_id in (theirs, visible_collection(owner).id, "nonsense"):
        error_of(client.get(f"{ROOT}collections/{collection_id}/"), 404)
        error_of(client.get(objects_url(collection_id)), 404)
    objects = all_objects(client, "visible")
    assert len(objects) == COMMON and not report_ids(objects)


# --- what a collection holds -----------------------------------------------------------------


def test_the_coparty_sees_the_shared_report_in_both_its_collections_and_the_outsider_in_none(
    owner, coparty, outsider, shared
):
    agreement, report = shared
    expected = {f"report--{report.stix_id}"}
    client = taxii(coparty)
    assert report_ids(all_objects(client, "visible")) == expected
    assert report_ids(all_objects(client, agreement_collection(agreement).id)) == expected
    assert report_ids(all_objects(taxii(outsider), "visible")) == set()


def test_an_agreement_collection_holds_only_what_that_agreement_shares(owner, coparty, outsider):
    sports = agreement_between(owner, coparty, categories=["live_sports"])
    films = agreement_between(owner, outsider, categories=["torrent"])
    report_by(owner, title="Sports", category="live_sports")
    report_by(owner, title="Films", category="torrent", indicators=(("domain", "films.example"),))
    owner_client = taxii(owner)
    names = {
        a.pk: {
            o["name"]
            for o in all_objects(owner_client, agreement_collection(a).id)
            if o["type"] == "report"
        }
        for a in (sports, films)
    }
    assert names == {sports.pk: {"Sports"}, films.pk: {"Films"}}
    coparty_reports = [o for o in all_objects(taxii(coparty), "visible") if o["type"] == "report"]
    assert [o["name"] for o in coparty_reports] == ["Sports"]


def test_pages_cover_every_object_once_with_next_whenever_more_remain(owner, coparty, shared):
    for n in range(4):
        report_by(owner, title=f"R{n}", indicators=(("domain", f"r{n}.example"),))
    client = taxii(coparty)
    whole = client.get(objects_url("visible")).json()["objects"]
    paged, query, pages = [], {"limit": 3}, 0
    while True:
        body = client.get(objects_url("visible"), query).json()
        pages += 1
        paged += body["objects"]
        assert len(body["objects"]) <= 3
        if not body["more"]:
            assert "next" not in body
            break
        query = {"limit": 3, "next": body["next"]}
    assert pages >= 3
    assert {o["id"] for o in paged} == {o["id"] for o in whole}
    # Only what several reports share (here the reporter's identity) comes again on a later page.
    repeated = {o["id"] for o in paged if sum(p["id"] == o["id"] for p in paged) > 1}
    assert repeated == {f"identity--{owner.stix_id}"}


def test_an_observable_named_by_two_reports_is_listed_once_in_a_page(owner, coparty, shared):
    report_by(owner, title="Again", indicators=(("domain", "derby.example"),))
    objects = taxii(coparty).get(objects_url("visible")).json()["objects"]
    ids = [o["id"] for o in objects]
    assert len(ids) == len(set(ids))
    assert sum(o["type"] == "domain-name" for o in objects) == 1


def test_the_manifest_lists_the_objects_with_their_versions_and_dates(owner, coparty, shared):
    _agreement, report = shared
    client = taxii(coparty)
    objects = client.get(objects_url("visible")).json()["objects"]
    response = client.get(objects_url("visible", "manifest/"))
    records = response.json()["objects"]
    assert [r["id"] for r in records] == [o["id"] for o in objects]
    record = next(r for r in records if r["id"] == f"report--{report.stix_id}")
    assert record["media_type"] == "application/stix+json;version=2.1"
    assert record["version"] == next(o for o in objects if o["type"] == "report")["modified"]
    assert response["X-TAXII-Date-Added-First"] == records[0]["date_added"]
    assert response["X-TAXII-Date-Added-Last"] == records[-1]["date_added"]


def test_match_filters_take_comma_separated_alternatives(owner, coparty, shared):
    _agreement, report = shared
    client = taxii(coparty)
    body = client.get(objects_url("visible"), {"match[type]": "report,domain-name"}).json()
    assert {o["type"] for o in body["objects"]} == {"report", "domain-name"}
    rid = f"report--{report.stix_id}"
    by_id = client.get(objects_url("visible"), {"match[id]": rid}).json()["objects"]
    assert [o["id"] for o in by_id] == [rid]
    version = by_id[0]["modified"]
    for value, found in ((version, 1), ("2001-01-01T00:00:00Z", 0), ("first,last", 1)):
        got = client.get(objects_url("visible"), {"match[id]": rid, "match[version]": value})
        assert len(got.json().get("objects", [])) == found
    assert client.get(objects_url("visible"), {"match[spec_version]": "2.0"}).json() == {}


def test_an_empty_result_is_an_empty_envelope_without_dates(owner, coparty, shared):
    response = taxii(coparty).get(objects_url("visible"), {"added_after": "2999-01-01T00:00:00Z"})
    assert response.status_code == 200 and response.json() == {}
    assert "X-TAXII-Date-Added-First" not in response


def test_one_object_and_its_versions_carry_the_date_added_headers(owner, coparty, shared):
    _agreement, report = shared
    client = taxii(coparty)
    rid = f"report--{report.stix_id}"
    one = client.get(objects_url("visible", f"objects/{rid}/"))
    assert [o["id"] for o in one.json()["objects"]] == [rid]
    versions = client.get(objects_url("visible", f"objects/{rid}/versions/"))
    assert versions.json() == {"more": False, "versions": [one.json()["objects"][0]["modified"]]}
    for response in (one, versions):
        assert response["X-TAXII-Date-Added-First"] == response["X-TAXII-Date-Added-Last"]


def test_an_object_the_reader_may_not_see_is_404_like_one_that_does_not_exist(
    owner, outsider, shared
):
    _agreement, report = shared
    client = taxii(outsider)
    hidden = client.get(objects_url("visible", f"objects/report--{report.stix_id}/"))
    absent = client.get(
        objects_url("visible", "objects/report--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12 + "/")
    )
    assert error_of(hidden, 404) == error_of(absent, 404)


# --- date_added over time --------------------------------------------------------------------


def test_a_report_shared_later_arrives_after_the_last_sync_and_one_hidden_again_leaves(
    owner, coparty, outsider
):
    client = taxii(coparty)
    report = report_by(owner, title="Before the agreement")
    first = client.get(objects_url("visible"))
    assert report_ids(first.json()["objects"]) == set()
    last = first["X-TAXII-Date-Added-Last"]
    agreement = agreement_between(owner, coparty)
    later = client.get(objects_url("visible"), {"added_after": last}).json()
    assert report_ids(later["objects"]) == {f"report--{report.stix_id}"}
    assert all(
        o["type"] not in {"marking-definition", "extension-definition"} for o in later["objects"]
    )

    agreement.status = Agreement.Status.SUSPENDED
    agreement.save()
    assert report_ids(all_objects(client, "visible")) == set()
    assert not CollectionEntry.objects.filter(reader=coparty, report=report).exists()


def test_a_withdrawn_report_comes_again_with_a_fresh_date_added_and_revoked(owner, coparty, shared):
    _agreement, report = shared
    client = taxii(coparty)
    last = client.get(objects_url("visible"))["X-TAXII-Date-Added-Last"]
    assert (
        taxii(owner)
        .delete(
            objects_url(agreement_collection(_agreement).id, f"objects/report--{report.stix_id}/")
        )
        .status_code
        == 200
    )
    again = client.get(objects_url("visible"), {"added_after": last}).json()["objects"]
    revoked = next(o for o in again if o["type"] == "report")
    assert revoked["revoked"] is True
    report.refresh_from_db()
    assert report.status == Report.Status.WITHDRAWN


def test_date_added_is_strictly_increasing_per_reader_and_collection(owner, coparty, shared):
    for n in range(3):
        report_by(owner, title=f"R{n}", indicators=(("domain", f"r{n}.example"),))
    taxii(coparty).get(objects_url("visible"))
    dates = list(
        CollectionEntry.objects.filter(reader=coparty, agreement=None)
        .order_by("report_id")
        .values_list("date_added", flat=True)
    )
    assert len(dates) == 4 and dates == sorted(set(dates))


# --- deleting --------------------------------------------------------------------------------


def test_delete_is_for_the_owners_report_in_an_agreement_collection_only(
    owner, coparty, outsider, shared
):
    agreement, report = shared
    path = objects_url(agreement_collection(agreement).id, f"objects/report--{report.stix_id}/")
    error_of(taxii(coparty).delete(path), 403)  # seen, not theirs
    visible = objects_url("visible", f"objects/report--{report.stix_id}/")
    error_of(taxii(owner).delete(visible), 403)  # the visible collection is read-only
    error_of(taxii(outsider).delete(visible), 404)
    error_of(taxii(owner, scopes=("read",)).delete(path), 403)
    report.refresh_from_db()
    assert report.status == Report.Status.OPEN


def test_an_owner_withdraws_its_own_red_and_clear_reports_from_the_agreement_they_are_under(
    owner, coparty, outsider, shared
):
    agreement, _report = shared
    red = report_by(owner, tlp=TLP.RED, recipients=[coparty], restricted_to=[agreement])
    clear = report_by(owner, tlp=TLP.CLEAR, restricted_to=[agreement])
    path = objects_url(agreement_collection(agreement).id)
    assert {f"report--{r.stix_id}" for r in (red, clear)} <= report_ids(
        all_objects(taxii(owner), agreement_collection(agreement).id)
    )
    # The recipient sees the RED report there (rule 3) and the CLEAR one only in `visible`.
    seen = report_ids(all_objects(taxii(coparty), agreement_collection(agreement).id))
    assert f"report--{red.stix_id}" in seen and f"report--{clear.stix_id}" not in seen
    error_of(taxii(coparty).delete(f"{path}report--{red.stix_id}/"), 403)
    error_of(taxii(outsider).delete(f"{path}report--{clear.stix_id}/"), 404)
    for report in (red, clear):
        assert taxii(owner).delete(f"{path}report--{report.stix_id}/").status_code == 200
        report.refresh_from_db()
        assert report.status == Report.Status.WITHDRAWN
    assert taxii(owner).delete(f"{path}report--{red.stix_id}/").status_code == 200  # again


def test_the_delete_service_withdraws_as_the_key_and_refuses_what_is_not_the_readers(
    owner, coparty, shared
):
    agreement, report = shared
    collection = agreement_collection(agreement)
    wanted = Filters(limit=1, ids=frozenset({f"report--{report.stix_id}"}))
    key, _plain = api_key_create(
        actor=Actor.system(), organization=owner, name="tool", scopes=["write"]
    )
    with pytest.raises(Refused):
        taxii_delete(
            actor=Actor(api_key=key), reader=coparty, collection=collection, filters=wanted
        )
    with pytest.raises(NoSuchObject):
        missing = Filters(limit=1, ids=frozenset({f"report--{uuid.uuid4()}"}))
        taxii_delete(actor=Actor(api_key=key), reader=owner, collection=collection, filters=missing)
    taxii_delete(actor=Actor(api_key=key), reader=owner, collection=collection, filters=wanted)
    event = AuditEvent.objects.get(action="report.updated", object_id=str(report.pk))
    assert event.actor_key == key and event.organization == owner


def test_a_next_cursor_reused_with_other_filters_or_by_another_reader_is_400(
    owner, coparty, shared
):
    client = taxii(coparty)
    body = client.get(objects_url("visible"), {"limit": 2}).json()
    assert body["more"] is True
    ok = client.get(objects_url("visible"), {"limit": 5, "next": body["next"]})
    assert ok.status_code == 200
    error_of(
        client.get(objects_url("visible"), {"match[type]": "report", "next": body["next"]}), 400
    )
    error_of(taxii(owner).get(objects_url("visible"), {"next": body["next"]}), 400)


def test_a_page_reads_in_a_fixed_number_of_queries(
    owner, coparty, shared, django_assert_max_num_queries
):
    for n in range(12):
        report_by(
            owner, title=f"R{n}", indicators=(("domain", f"r{n}.example"), ("ipv4", f"192.0.2.{n}"))
        )
    client = taxii(coparty)
    client.get(objects_url("visible"))  # the key's first use writes last_used_at
    with django_assert_max_num_queries(12):
        body = client.get(objects_url("visible")).json()
    assert len(report_ids(body["objects"])) == 13
    key = taxii(coparty)
    key.get("/taxii2/")
    with django_assert_max_num_queries(12):
        key.get(objects_url("visible"), {"limit": 5})


def test_an_agreement_ending_takes_its_collection_away(owner, coparty, shared):
    agreement, _report = shared
    client = taxii(coparty)
    path = objects_url(agreement_collection(agreement).id)
    assert client.get(path).status_code == 200
    agreement.expires_on = datetime.date.today() - datetime.timedelta(days=1)
    agreement.effective_from = agreement.expires_on
    agreement.save()
    error_of(client.get(path), 404)
