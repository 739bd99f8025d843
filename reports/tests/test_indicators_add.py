"""Indicators appended to a submitted report (`reports.indicator_services`): appended only, within
the report's limit, by its owner; and deduplicated like a new report's, through the
`report.updated` event's work first."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications.fanout import process
from notifications.models import Event, Notification
from reports.indicator_services import report_indicators_add
from reports.indicators import normalise
from reports.models import Report, Target
from reports.services import IndicatorInput
from reports.tests.factories import _as, agreement_between, report_by

pytestmark = pytest.mark.django_db


def mirrors(*values: str) -> list[IndicatorInput]:
    return [IndicatorInput("domain", v, normalise("domain", v)) for v in values]


def add(report: Report, *values: str):
    return report_indicators_add(
        actor=_as(report.owner), report=report, indicators=mirrors(*values)
    )


def processed(report: Report) -> Report:
    """Every event not yet processed, processed in order (dedup first, then the fan-out), those
    the processing publishes (a corroboration) included."""
    while event := Event.objects.filter(processed_at__isnull=True).order_by("pk").first():
        process(event)
        Event.objects.filter(pk=event.pk).update(processed_at=event.created_at)
    report.refresh_from_db()
    return report


def targets_of(report: Report) -> set[str]:
    return set(report.indicators.values_list("target__value", flat=True))


def test_a_mirror_joins_the_report_s_cluster_and_is_linked_to_its_target(owner):
    report = processed(report_by(owner, indicators=[("domain", "restream.example")]))
    add(report, "mirror-tv.example")
    assert processed(report).linked_at is not None
    assert targets_of(report) == {"restream.example", "mirror-tv.example"}
    clusters = set(Target.objects.values_list("cluster_id", flat=True))
    assert len(clusters) == 1 and None not in clusters


def test_a_mirror_another_member_reported_first_tells_that_member(owner, coparty):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    processed(report_by(coparty, indicators=[("domain", "mirror-tv.example")]))
    report = processed(report_by(owner, indicators=[("domain", "restream.example")]))
    assert not Event.objects.filter(type="target.corroborated").exists()

    add(report, "mirror-tv.example")
    processed(report)

    (event,) = Event.objects.filter(type="target.corroborated")
    assert event.subject_ids == [report.pk]
    told = Notification.objects.filter(event=event)
    assert list(told.values_list("organization", "subject_id")) == [(coparty.pk, report.pk)]


def test_targets_the_report_already_had_are_not_corroborated_again(owner, coparty):
    agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])
    processed(report_by(coparty, indicators=[("domain", "restream.example")]))
    report = processed(report_by(owner, indicators=[("domain", "restream.example")]))
    assert Event.objects.filter(type="target.corroborated").count() == 1

    add(report, "brand-new-mirror.example")
    processed(report)

    assert Event.objects.filter(type="target.corroborated").count() == 1


def test_a_duplicate_that_gains_a_mirror_is_judged_again(owner):
    first = processed(report_by(owner, indicators=[("domain", "dup.example")]))
    again = processed(report_by(owner, indicators=[("domain", "dup.example")]))
    assert again.duplicate_of_id == first.pk
    add(again, "extra-mirror.example")
    assert processed(again).duplicate_of_id is None


def test_values_the_report_has_are_left_as_they_are_and_said(owner):
    report = report_by(owner, indicators=[("domain", "restream.example")])
    added = add(report, "Restream.EXAMPLE", "new.example", "new.example")
    assert [i.value for i in added.indicators] == ["new.example"]
    assert [i.value for i in added.already_there] == ["restream.example", "new.example"]
    only_known = add(report, "restream.example")
    assert only_known.indicators == [] and Event.objects.filter(type="report.updated").count() == 1


def test_a_report_holds_at_most_100_indicators_then_nothing_is_added(owner):
    report = report_by(owner, indicators=[("domain", f"m{n}.example") for n in range(99)])
    with pytest.raises(ValidationError, match="room for 1 more"):
        add(report, "one.example", "two.example")
    assert report.indicators.count() == 99
    add(report, "one.example")
    assert report.indicators.count() == 100


def test_only_the_owner_adds(owner, coparty):
    report = report_by(owner)
    with pytest.raises(PermissionDenied):
        report_indicators_add(actor=_as(coparty), report=report, indicators=mirrors("x.example"))
    assert report.indicators.count() == 1
