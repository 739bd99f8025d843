"""The search box finds what the person's organisation may see — reports by title or
description words and by domain or URL fragment, targets, agreements, blocking orders by
reference — and nothing else. The actors: an owner that reports, a co-party that shares with
it, an outsider with no agreement."""

from __future__ import annotations

import pytest
from django.db import connection

from enforcement.tests.factories import order_by
from hub.search import search
from members.models import Agreement
from members.tests.factories import UserFactory
from reports import dedup
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(owner, coparty):
    agreement = agreement_between(owner, coparty)
    Agreement.objects.filter(pk=agreement.pk).update(title="Peru live sports MOU")
    report = report_by(
        owner,
        title="Derby restreamed on a mirror network",
        description="Clásico del domingo en vivo",
        indicators=[("url", "https://futbol-libre-demo.example/live/derby")],
    )
    dedup.link_reports([report.pk])
    return report


def test_a_coparty_finds_a_shared_report_by_a_title_word_and_by_a_domain_fragment(shared, coparty):
    assert search(coparty, "mirror").reports == [shared]
    assert search(coparty, "clásico").reports == [shared]
    assert search(coparty, "libre-demo").reports == [shared]
    assert [t.value for t in search(coparty, "libre-demo").targets] == [
        "https://futbol-libre-demo.example/live/derby"
    ]


def test_an_outsider_finds_nothing_of_what_it_may_not_see(shared, outsider):
    for query in ("mirror", "libre-demo", "Peru"):
        assert search(outsider, query).empty


def test_agreements_are_found_by_title_by_their_parties_only(shared, coparty, outsider):
    assert [a.title for a in search(coparty, "live sports").agreements] == ["Peru live sports MOU"]
    assert search(outsider, "live sports").agreements == []


def test_blocking_orders_are_found_by_reference_by_issuer_and_addressed_isps(
    authority, coparty, outsider
):
    order = order_by(authority, reference="APIN-BLQ-0101", targets=[("domain", "x.example")])

    assert search(authority, "blq-0101").orders == [order]
    assert search(coparty, "APIN-BLQ").orders == [order]
    assert search(outsider, "APIN-BLQ").orders == []


def test_a_one_letter_query_searches_nothing(shared, coparty):
    assert search(coparty, "m").empty


def test_the_search_page_shows_results_and_says_when_there_are_none(client, shared, coparty):
    client.force_login(UserFactory(organization=coparty))

    found = client.get("/search/", {"q": "mirror"}).content.decode()
    nothing = client.get("/search/", {"q": "zzzz-nothing"}).content.decode()

    assert "Derby restreamed on a mirror network" in found
    assert "Nothing your organisation can see matches" in nothing


def test_the_full_text_and_trigram_indexes_serve_the_search(shared, coparty):
    from django.contrib.postgres.search import SearchQuery, SearchVector

    from reports.models import Report, Target

    fts = Report.objects.alias(
        document=SearchVector("title", "description", config="simple")
    ).filter(document=SearchQuery("mirror", config="simple", search_type="websearch"))
    trigram = Target.objects.filter(value__contains="libre-demo")
    with connection.cursor() as cursor:
        # On a table of a few rows any plan is as good; forbid the plain scans so the plan
        # shows whether the GIN indexes (bitmap scans only) can serve these conditions.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        for queryset, index in ((fts, "report_search_fts"), (trigram, "target_value_trgm")):
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert index in plan, plan
