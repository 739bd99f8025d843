"""The indicators feeds (/api/v1/feeds/indicators.txt and .csv), the feeds' keys and what the
feeds cost: a member seeing many reports costs the same number of queries as one seeing few."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from conftest import api_client_for
from reports import services
from reports.models import Report
from reports.tests.factories import _as, agreement_between, report_by

TXT = "/api/v1/feeds/indicators.txt"
CSV = "/api/v1/feeds/indicators.csv"
FEEDS = (TXT, CSV, "/api/v1/feeds/misp/manifest.json", "/api/v1/feeds/misp/hashes.csv")


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def csv_rows(text: str) -> list[list[str]]:
    header, *lines = text.splitlines()
    assert header == "# value,kind,report,tlp,category,updated_at"
    return list(csv.reader(io.StringIO("\n".join(lines))))


@pytest.fixture
def shared(owner, coparty, outsider):
    agreement_between(owner, coparty, share_reporter_identity=False)
    first = report_by(owner, indicators=[("domain", "b.example"), ("url", "https://a.example/x")])
    second = report_by(
        owner, indicators=[("domain", "b.example"), ("payment_account", "=2+3")], title="Two"
    )
    private = report_by(
        owner, indicators=[("domain", "private.example")], sharing=Report.Sharing.PRIVATE
    )
    # Changed within the second being served, a feed's ETag differs a second later (its MISP
    # timestamps do): let that second pass, so that no test's requests straddle it.
    Report.objects.update(updated_at=F("updated_at") - timedelta(seconds=5))
    return first, second, private


def test_the_text_feed_is_each_visible_value_once_sorted_and_nothing_else(shared, coparty):
    response = api_client_for(coparty, scopes=("read",)).get(TXT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert body(response) == "=2+3\nb.example\nhttps://a.example/x\n"


def test_the_csv_feed_is_one_line_per_indicator_with_its_report(shared, coparty):
    first, second, _private = shared

    response = api_client_for(coparty, scopes=("read",)).get(CSV)

    rows = csv_rows(body(response))
    assert [row[:3] for row in rows] == sorted(
        [
            ["'=2+3", "payment_account", str(second.stix_id)],
            ["b.example", "domain", str(first.stix_id)],
            ["b.example", "domain", str(second.stix_id)],
            ["https://a.example/x", "url", str(first.stix_id)],
        ],
        key=lambda row: (row[0].lstrip("'"), row[1], row[2]),
    )
    assert {row[3] for row in rows} == {"amber"}
    assert all(row[5].endswith("Z") for row in rows)


def test_the_owner_sees_its_private_report_and_the_outsider_sees_nothing(shared, owner, outsider):
    assert "private.example" in body(api_client_for(owner, scopes=("read",)).get(TXT))

    client = api_client_for(outsider, scopes=("read",))
    assert body(client.get(TXT)) == ""
    assert csv_rows(body(client.get(CSV))) == []


def test_a_withdrawn_report_leaves_the_text_feeds(shared, coparty):
    first, _second, _private = shared
    client = api_client_for(coparty, scopes=("read",))
    etag = client.get(TXT)["ETag"]

    services.report_update(
        actor=_as(first.owner), report=first, changes={"status": Report.Status.WITHDRAWN}
    )

    response = client.get(TXT, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert body(response) == "=2+3\nb.example\n"
    assert str(first.stix_id) not in body(client.get(CSV))


def test_the_kind_filter_narrows_the_feed_and_an_unknown_kind_is_400(shared, coparty):
    client = api_client_for(coparty, scopes=("read",))

    assert body(client.get(TXT, {"kind": "dns"})) == "b.example\n"
    assert body(client.get(TXT, {"kind": "url,payment_account"})) == ("=2+3\nhttps://a.example/x\n")
    refused = client.get(CSV, {"kind": "domain,nope"})
    assert refused.status_code == 400
    assert refused["Content-Type"] == "application/problem+json"


def test_each_feed_and_filter_has_its_own_etag_and_answers_304_to_it(shared, coparty):
    client = api_client_for(coparty, scopes=("read",))
    etags = set()
    for url, params in [(TXT, {}), (TXT, {"kind": "dns"}), (CSV, {}), *[(u, {}) for u in FEEDS]]:
        etag = client.get(url, params)["ETag"]
        assert client.get(url, params, HTTP_IF_NONE_MATCH=etag).status_code == 304
        etags.add((url, str(params), etag))
    assert len({etag for *_, etag in etags}) == len(etags)


def test_a_client_asking_for_plain_text_is_not_refused(shared, coparty):
    client = api_client_for(coparty, scopes=("read",))

    assert client.get(TXT, HTTP_ACCEPT="text/plain").status_code == 200
    assert client.get(CSV, HTTP_ACCEPT="text/csv").status_code == 200


@pytest.mark.parametrize("url", FEEDS)
def test_a_feed_needs_a_key_with_the_read_scope(coparty, url):
    assert APIClient().get(url).status_code == 401
    assert api_client_for(coparty, scopes=("write",)).get(url).status_code == 403


def test_every_feed_costs_the_same_queries_for_many_reports_as_for_one(owner, coparty):
    agreement_between(owner, coparty, share_reporter_identity=False)
    report_by(owner, indicators=[("domain", "one.example")])
    client = api_client_for(coparty, scopes=("read",))

    def cost() -> list[int]:
        counts = []
        for url in FEEDS:
            with CaptureQueriesContext(connection) as queries:
                assert body(client.get(url))
            counts.append(len(queries))
        return counts

    cost()  # the key's first use is recorded once
    few = cost()
    assert max(few) <= 3  # the key, the feed's version, the rows
    services.reports_submit(
        actor=_as(owner),
        items=[
            services.ReportInput(
                category="live_sports",
                title=f"Mirror {n}",
                jurisdictions=["PE"],
                indicators=[services.IndicatorInput("domain", f"m{n}.example", f"m{n}.example")],
            )
            for n in range(30)
        ],
    )

    assert cost() == few
    manifest = json.loads(body(client.get("/api/v1/feeds/misp/manifest.json")))
    assert len(manifest) == 31


def test_a_report_the_reader_may_not_see_changes_none_of_its_feeds_nor_their_etags(
    shared, owner, coparty
):
    client = api_client_for(coparty, scopes=("read",))
    before = {url: client.get(url) for url in FEEDS}

    hidden = report_by(
        owner, indicators=[("domain", "hidden.example")], sharing=Report.Sharing.PRIVATE
    )
    assert hidden.updated_at > max(r.updated_at for r in shared)  # the latest change of all

    for url, first in before.items():
        again = client.get(url)
        assert again["ETag"] == first["ETag"]
        assert body(again) == body(first)
        assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
