"""Deduplication (run in-process here; the end-to-end tests run it in a real worker)."""

import pytest

from kernel.vocabulary import TLP
from notifications.models import Event
from reports import dedup
from reports.models import Report, Target, TargetLink
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


def link(*reports: Report) -> None:
    dedup.link_reports([r.pk for r in reports])
    for r in reports:
        r.refresh_from_db()


def test_reports_of_the_same_thing_meet_on_one_target(owner, coparty):
    a = report_by(owner, indicators=[("url", "https://Pirate.example/live#x")])
    b = report_by(coparty, indicators=[("url", "https://pirate.example/live?utm_source=tw")])
    assert a.linking == "pending"
    link(a, b)
    assert a.linking == b.linking == "done"
    target = Target.objects.get()
    assert (target.kind, target.value) == ("url", "https://pirate.example/live")
    assert set(target.indicators.values_list("report_id", flat=True)) == {a.pk, b.pk}


def test_linking_twice_changes_nothing(owner):
    a = report_by(owner, indicators=[("domain", "a.example"), ("ipv4", "192.0.2.1")])
    link(a)
    before = (Target.objects.count(), TargetLink.objects.count(), Event.objects.count())
    dedup.link_reports([a.pk])
    Report.objects.filter(pk=a.pk).update(linked_at=None)
    dedup.link_reports([a.pk])
    assert (Target.objects.count(), TargetLink.objects.count(), Event.objects.count()) == before


def test_a_resubmission_by_the_same_member_is_a_duplicate_of_the_open_first(owner, coparty):
    first = report_by(owner, indicators=[("domain", "dup.example")])
    link(first)
    again = report_by(owner, indicators=[("domain", "DUP.example.")])
    other_member = report_by(coparty, indicators=[("domain", "dup.example")])
    other_category = report_by(owner, category="iptv", indicators=[("domain", "dup.example")])
    link(again, other_member, other_category)
    assert again.duplicate_of_id == first.pk
    assert other_member.duplicate_of_id is None
    assert other_category.duplicate_of_id is None


def test_a_resubmission_after_the_first_was_resolved_is_not_a_duplicate(owner):
    first = report_by(owner, indicators=[("domain", "dup.example")])
    link(first)
    Report.objects.filter(pk=first.pk).update(status="resolved")
    again = report_by(owner, indicators=[("domain", "dup.example")])
    link(again)
    assert again.duplicate_of_id is None


def test_a_domain_and_its_ip_reported_together_are_clustered_with_the_reason(owner):
    r = report_by(owner, indicators=[("domain", "panel-pirate.example"), ("ipv4", "198.51.100.7")])
    link(r)
    domain = Target.objects.get(kind="domain")
    ip = Target.objects.get(kind="ipv4")
    assert domain.cluster_id is not None and domain.cluster_id == ip.cluster_id
    assert list(TargetLink.objects.values_list("reason", flat=True)) == ["co_reported"]


def test_subdomains_and_the_same_brand_on_other_suffixes_join_one_cluster(owner, coparty):
    link(report_by(owner, indicators=[("domain", "www.thepiratebay.org")]))
    link(report_by(coparty, indicators=[("domain", "thepiratebay.org")]))
    link(report_by(coparty, indicators=[("domain", "thepiratebay.se")]))
    clusters = set(Target.objects.values_list("cluster_id", flat=True))
    assert len(clusters) == 1 and None not in clusters
    reasons = set(TargetLink.objects.values_list("reason", flat=True))
    assert reasons == {"same_registrable_domain", "same_brand"}


def test_free_hosting_sites_are_not_clustered_together(owner):
    link(report_by(owner, indicators=[("domain", "pirate-one.blogspot.com")]))
    link(report_by(owner, indicators=[("domain", "other-site.blogspot.com")]))
    assert not TargetLink.objects.exists()
    assert set(Target.objects.values_list("cluster_id", flat=True)) == {None}


def test_a_target_reported_by_a_second_member_publishes_a_corroboration(owner, coparty):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    link(report_by(owner, indicators=[("domain", "corro.example")]))
    second = report_by(coparty, indicators=[("domain", "corro.example")])
    link(second)
    event = Event.objects.get(type="target.corroborated")
    assert event.subject_ids == [second.pk]


def test_the_same_member_reporting_again_is_no_corroboration(owner):
    link(report_by(owner, indicators=[("domain", "self.example")]))
    link(report_by(owner, tlp=TLP.GREEN, indicators=[("domain", "self.example")]))
    assert not Event.objects.filter(type="target.corroborated").exists()


def test_a_batch_that_joins_two_clusters_through_different_targets_keeps_one():
    """Found by the benchmark at 1,000,000 reports: when two links of one batch each touch the
    same older cluster, one must not delete it while the other keeps it (the batch failed at
    commit, and was retried for ever). The targets are given in the order that showed it."""
    from django.db import connection

    from reports.models import Cluster

    first, second = Cluster.objects.create(), Cluster.objects.create()
    b, c, d, e = (
        Target.objects.create(kind="ipv4", value=f"198.51.100.{n}", cluster=cluster)
        for n, cluster in ((1, first), (2, second), (3, second), (4, None))
    )
    # b meets c (the second cluster joins the first); d, also in the second, meets new e.
    dedup._merge_clusters([b.pk, c.pk, d.pk, e.pk], {(b.pk, c.pk), (d.pk, e.pk)})
    # The test's transaction never commits: check the deferred foreign keys now.
    connection.check_constraints()
    assert set(Target.objects.values_list("cluster_id", flat=True)) == {first.pk}
    assert list(Cluster.objects.values_list("pk", flat=True)) == [first.pk]
