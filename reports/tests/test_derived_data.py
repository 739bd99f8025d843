"""What the hub derives from reports reveals none that the reader may not see: the cases a
security review found on the targets API, pinned one by one (the property over random worlds
is hub/tests/test_non_interference.py).

The owner reports privately (a report only it sees); the co-party reports under an agreement
with the owner; the outsider has no agreement with anyone.
"""

from __future__ import annotations

import pytest
from django.db import connection

from conftest import api_client_for
from reports import dedup
from reports.models import Report, Target
from reports.models.core import target_uid
from reports.selectors import reader_cluster
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db
URL = "/api/v1/targets/"
PRIVATE = Report.Sharing.PRIVATE


def linked(*reports: Report) -> list[Report]:
    dedup.link_reports([r.pk for r in reports])
    return list(reports)


def target(kind: str, value: str) -> Target:
    return Target.objects.get(kind=kind, value=value)


def test_a_link_justified_only_by_a_private_report_is_not_shown_to_others(
    owner, outsider, owner_api, outsider_api
):
    # Two values with nothing in common but the owner's private report.
    linked(
        report_by(
            owner,
            sharing=PRIVATE,
            indicators=[("domain", "pelisgratis.org"), ("ipv4", "203.0.113.7")],
        )
    )
    linked(report_by(outsider, indicators=[("domain", "pelisgratis.org")]))
    linked(report_by(outsider, indicators=[("ipv4", "203.0.113.7")]))
    site = target("domain", "pelisgratis.org")

    body = outsider_api.get(f"{URL}{site.uid}/").json()
    assert body["cluster"] is None

    ours = owner_api.get(f"{URL}{site.uid}/").json()["cluster"]
    assert ours["links"] == [
        {
            "source": str(site.uid),
            "target": str(target("ipv4", "203.0.113.7").uid),
            "reason": "co_reported",
        }
    ]


def test_a_cluster_never_runs_through_a_target_the_reader_cannot_see(
    owner, outsider, owner_api, outsider_api
):
    # The owner links A to C and C to B privately; the outsider reports A and B only.
    linked(
        report_by(
            owner, sharing=PRIVATE, indicators=[("domain", "alpha.org"), ("ipv4", "192.0.2.10")]
        ),
        report_by(
            owner, sharing=PRIVATE, indicators=[("ipv4", "192.0.2.10"), ("domain", "beta.net")]
        ),
    )
    linked(report_by(outsider, indicators=[("domain", "alpha.org")]))
    linked(report_by(outsider, indicators=[("domain", "beta.net")]))
    alpha = target("domain", "alpha.org")

    assert outsider_api.get(f"{URL}{alpha.uid}/").json()["cluster"] is None
    assert reader_cluster(outsider, alpha) is None
    # The hub-wide cluster holds all three, and the owner sees them as one operation.
    cluster = owner_api.get(f"{URL}{alpha.uid}/").json()["cluster"]
    assert {t["value"] for t in cluster["targets"]} == {"alpha.org", "beta.net", "192.0.2.10"}


def test_a_target_id_and_dates_say_nothing_of_an_earlier_hidden_report(owner, outsider):
    linked(report_by(owner, sharing=PRIVATE, indicators=[("domain", "kinoflix.com")]))
    (mine,) = linked(
        report_by(outsider, indicators=[("domain", "kinoflix.com"), ("domain", "control.org")])
    )
    api = api_client_for(outsider)
    seen = {t["value"]: t for t in api.get(URL).json()["results"]}

    # Ids are a function of the value: the hidden report's target has no "earlier" id.
    assert seen["kinoflix.com"]["id"] == str(target_uid("domain", "kinoflix.com"))
    # First and last seen come from the reports the reader sees: its own, here.
    mine.refresh_from_db()
    first = api.get(f"{URL}{seen['kinoflix.com']['id']}/").json()
    assert first["first_seen"] == first["last_seen"] == seen["control.org"]["first_seen"]
    assert "created_at" not in first
    # The hub's own bookkeeping does know that the value was met first elsewhere.
    assert target("domain", "kinoflix.com").pk < target("domain", "control.org").pk


def test_targets_are_listed_in_an_order_that_follows_from_their_names(owner, outsider):
    linked(report_by(owner, sharing=PRIVATE, indicators=[("domain", "zulu.org")]))
    linked(report_by(outsider, indicators=[("domain", "zulu.org"), ("domain", "alpha.org")]))
    listed = [t["id"] for t in api_client_for(outsider).get(URL).json()["results"]]
    assert listed == sorted(listed)


def test_co_reporting_through_a_shared_cdn_never_merges_two_operations(owner, coparty):
    """Two reports pair different pirate sites with one CDN host: the CDN is warning-listed,
    so neither the hub's clusters nor any reader's join the two sites (the database path,
    not only the pure clustering function)."""
    agreement_between(owner, coparty)
    linked(
        report_by(
            owner, indicators=[("domain", "pelisgratis.org"), ("domain", "d1.cloudfront.net")]
        ),
        report_by(owner, indicators=[("domain", "kinoflix.com"), ("domain", "d1.cloudfront.net")]),
    )
    pelis, kino = target("domain", "pelisgratis.org"), target("domain", "kinoflix.com")
    assert pelis.cluster_id is None or pelis.cluster_id != kino.cluster_id
    for reader in (owner, coparty):
        assert reader_cluster(reader, pelis) is None
        assert reader_cluster(reader, kino) is None


def test_the_migration_computes_the_same_target_ids_as_the_code():
    """Migration 0006 fills `uid` in SQL for the targets that existed before it."""
    from importlib import import_module

    fill = import_module("reports.migrations.0006_target_uid").FILL
    Target.objects.create(kind="domain", value="ñandú-tv.example")
    Target.objects.create(kind="url", value="https://x.example/a?b=c")
    expression = fill.split("SET uid =")[1].split("WHERE")[0]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT kind, value, {expression} FROM reports_target")  # noqa: S608
        rows = cursor.fetchall()
    assert rows and all(uid == target_uid(kind, value) for kind, value, uid in rows)
