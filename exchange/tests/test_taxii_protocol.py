"""The TAXII server's protocol through Django's test client: posting and its status, media
types (406, 415), keys offered three ways and 401 with its challenge, malformed parameters
answered 400 in TAXII's error shape and malformed object ids 404, what a request for one
object or type reads, and resuming page by page with `added_after`."""

from __future__ import annotations

import base64
import uuid

import pytest
from django.test import Client

from exchange.models import ImportJob
from exchange.taxii import stream
from exchange.taxii.collections import agreement_collection
from exchange.taxii.protocol import TAXII_21
from members.tests.factories import make_key
from reports.models import Indicator
from reports.stix.export import report_objects, sco_id
from reports.tests.factories import agreement_between, report_by

from .taxii_helpers import ROOT, all_objects, error_of, objects_url, share_one_report, taxii

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(owner, coparty):
    return share_one_report(owner, coparty)


# --- posting and status ----------------------------------------------------------------------


def test_a_post_answers_202_with_a_status_only_its_poster_reads(owner, coparty, shared):
    agreement, _report = shared
    indicator = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[domain-name:value = 'posted.example']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    client = taxii(owner)
    response = client.post(
        objects_url(agreement_collection(agreement).id),
        {"objects": [indicator]},
        content_type=TAXII_21,
    )
    status = response.json()
    assert response.status_code == 202, status
    assert status["total_count"] == 1 and status["status"] in {"pending", "complete"}
    assert ImportJob.objects.filter(pk=status["id"], organization=owner).exists()
    assert client.get(f"{ROOT}status/{status['id']}/").json()["id"] == status["id"]
    error_of(taxii(coparty).get(f"{ROOT}status/{status['id']}/"), 404)
    error_of(client.get(f"{ROOT}status/not-a-uuid/"), 404)


def test_posts_need_taxii_json_a_writable_collection_and_a_well_formed_envelope(owner, shared):
    agreement, _report = shared
    client = taxii(owner)
    url = objects_url(agreement_collection(agreement).id)
    error_of(client.post(url, {"objects": []}, content_type="application/json"), 415)
    error_of(client.post(url, "{not json", content_type=TAXII_21), 400)
    # Deeper than the JSON parser's recursion limit: bad JSON too, never a 500.
    error_of(client.post(url, "[" * 100_000 + "]" * 100_000, content_type=TAXII_21), 400)
    error_of(client.post(url, '{"objects": [NaN]}', content_type=TAXII_21), 400)
    error_of(client.post(url, {"objects": "x"}, content_type="application/taxii+json"), 400)
    error_of(client.post(objects_url("visible"), {"objects": []}, content_type=TAXII_21), 403)


# --- media types, authentication, malformed parameters ---------------------------------------


ACCEPTS = [
    ("application/taxii+json", 200),
    ("application/taxii+json;version=2.1", 200),
    ("application/taxii+json; version=2.1, text/html;q=0.5", 200),
    ("*/*", 200),
    ("application/taxii+json;version=2.0", 406),
    ("application/vnd.oasis.taxii+json; version=2.0", 406),
    ("text/html", 406),
]


def test_the_accept_header_is_negotiated_as_taxii_21_asks(owner):
    key = make_key(owner, scopes=("read",))
    for accept, status in ACCEPTS:
        client = Client(headers={"authorization": f"Bearer {key}", "accept": accept})
        response = client.get(f"{ROOT}collections/")
        assert response.status_code == status, accept
        assert response["Content-Type"] == TAXII_21


def test_a_key_is_accepted_as_bearer_token_or_basic_password(owner):
    key = make_key(owner, scopes=("read",))
    basic = base64.b64encode(f"anyone:{key}".encode()).decode()
    for header in (f"Bearer {key}", f"Token {key}", f"Basic {basic}"):
        response = Client(headers={"authorization": header}).get("/taxii2/")
        assert response.status_code == 200, header


def test_no_valid_key_is_401_with_a_challenge_for_basic_and_bearer(owner):
    user_only = "Basic " + base64.b64encode(b"user-only").decode()
    for header in (None, "Bearer nope", user_only, "Digest x", "Bearer"):
        headers = {"authorization": header} if header else {}
        response = Client(headers=headers).get("/taxii2/")
        error_of(response, 401)
        challenge = response["WWW-Authenticate"]
        assert "Basic" in challenge and "Bearer" in challenge


def test_a_portal_session_is_not_taxii_authentication(owner_admin):
    client = Client()
    client.force_login(owner_admin)
    error_of(client.get("/taxii2/"), 401)


MALFORMED = [
    {"limit": "0"},
    {"limit": "ten"},
    {"added_after": "yesterday"},
    {"added_after": "2026-13-01T00:00:00Z"},
    {"match[version]": "newest"},
    {"match[id]": "report--nope"},
    {"match[type]": "Report!"},
    {"match[spec_version]": "two"},
    {"match[type]": "report,"},
    {"next": "forged"},
    {"limit": "²"},  # isdigit() says yes, int() says no
]


def test_a_malformed_parameter_is_400_never_500(owner):
    client = taxii(owner)
    for params in MALFORMED:
        for suffix in ("objects/", "manifest/"):
            error_of(client.get(objects_url("visible", suffix), params), 400)
    rid = "report--" + str(uuid.uuid4())
    error_of(client.get(objects_url("visible", f"objects/{rid}/"), MALFORMED[4]), 400)
    error_of(client.get(objects_url("visible", f"objects/{rid}/versions/"), MALFORMED[2]), 400)


def test_an_object_id_that_is_not_type_uuid_names_no_object_and_is_404(owner, coparty, shared):
    agreement, _report = shared
    collection = agreement_collection(agreement).id
    for org in (owner, coparty):
        client = taxii(org)
        for suffix in ("objects/report--x/", "objects/report--x/versions/", "objects/x/"):
            error_of(client.get(objects_url("visible", suffix)), 404)
        error_of(client.delete(objects_url(collection, "objects/report--x/")), 404)


# --- what one request reads ------------------------------------------------------------------


@pytest.fixture
def built(monkeypatch):
    """How many reports' STIX a request builds: a lookup by id must not build the collection."""
    calls = []

    def counting(report, **kwargs):
        calls.append(report.pk)
        return report_objects(report, **kwargs)

    monkeypatch.setattr(stream, "report_objects", counting)
    return calls


def test_one_object_of_any_kind_is_found_by_index_in_a_fixed_number_of_queries(
    owner, coparty, shared, built, django_assert_max_num_queries
):
    for n in range(8):
        report_by(owner, title=f"R{n}", indicators=(("ipv4", f"192.0.2.{n}"),))
    client = taxii(coparty)
    objects = all_objects(client, "visible")
    # Each type's last object (a relationship, an observable, ...), and the member's identity.
    present = [*{o["type"]: o["id"] for o in objects}.values(), f"identity--{owner.stix_id}"]
    absent = [f"{kind}--{uuid.uuid4()}" for kind in ("relationship", "domain-name", "malware")]
    for object_id in present + absent:
        built.clear()
        with django_assert_max_num_queries(10):
            response = client.get(objects_url("visible", f"objects/{object_id}/"))
        assert response.status_code == (200 if object_id in present else 404), object_id
        assert len(built) <= 1, object_id


def test_asking_for_relationships_or_identities_reads_only_reports_whose_reporter_is_disclosed(
    owner, coparty, outsider, shared, built
):
    agreement_between(outsider, coparty, categories=["live_sports"], share_reporter_identity=False)
    report_by(outsider, title="Withheld")
    client = taxii(coparty)
    for kind in ("relationship", "identity"):
        built.clear()
        found = all_objects(client, "visible", **{"match[type]": kind})
        assert len(built) == 1
        assert {o["type"] for o in found} == {kind}


# --- resuming with added_after ---------------------------------------------------------------


def test_a_client_resuming_from_each_pages_last_date_added_gets_every_object(
    owner, coparty, shared
):
    for n in range(3):
        report_by(owner, title=f"R{n}", indicators=(("domain", f"r{n}.example"),))
    client = taxii(coparty)
    everything = {o["id"] for o in all_objects(client, "visible")}
    got, params = set(), {"limit": 10}
    while True:
        response = client.get(objects_url("visible"), params)
        body = response.json()
        assert 0 < len(body["objects"]) <= 10
        got |= {o["id"] for o in body["objects"]}
        if not body["more"]:
            break
        params = {"limit": 10, "added_after": response["X-TAXII-Date-Added-Last"]}
    assert got == everything


def test_an_indicators_observable_id_is_the_one_its_stix_carries_whatever_the_value(owner):
    report = report_by(owner, indicators=(("url", "https://x.example/ñ?a='b'"),))
    indicator = report.indicators.get()  # written by COPY, as every report is
    assert f"x--{indicator.sco_id}" == sco_id("x", indicator.value)
    # Values that JSON escapes: the database's trigger must escape them as export does.
    for value in ['a"b\\c', "ümlaut\u2028", "tab\there\x01\x7f", "/p?q=ñ&x='y'"]:
        Indicator.objects.filter(pk=indicator.pk).update(value=value)
        indicator.refresh_from_db()
        assert f"x--{indicator.sco_id}" == sco_id("x", value), repr(value)
