"""`reports.services.reports_submit_bulk`: each item of a bulk submission stands alone."""

from __future__ import annotations

import pytest

from members.services import Actor
from members.tests.factories import UserFactory
from reports import services
from reports.indicators import normalise
from reports.models import Report

pytestmark = pytest.mark.django_db


def report_input(title: str) -> services.ReportInput:
    value = f"{title}.example"
    return services.ReportInput(
        category="live_sports",
        title=title,
        indicators=[services.IndicatorInput("domain", value, normalise("domain", value))],
    )


def read(item: str) -> services.ReportInput:
    if item.startswith("bad"):
        raise services.InvalidItem({"title": [f"{item} is refused"]})
    return report_input(item)


def test_the_valid_items_are_stored_and_each_refused_one_keeps_its_readers_words(owner):
    actor = Actor(user=UserFactory(organization=owner))
    outcomes = services.reports_submit_bulk(
        actor=actor, items=["first", "bad-one", "second", "bad-two"], read=read
    )
    assert [o.index for o in outcomes] == [0, 1, 2, 3]
    assert [o.report.title if o.report else None for o in outcomes] == [
        "first",
        None,
        "second",
        None,
    ]
    assert outcomes[1].errors == {"title": ["bad-one is refused"]}
    assert outcomes[3].errors == {"title": ["bad-two is refused"]}
    assert outcomes[0].errors is None
    assert set(Report.objects.values_list("title", flat=True)) == {"first", "second"}
    assert all(o.report.owner_id == owner.pk for o in outcomes if o.report)


def test_a_submission_with_no_valid_item_stores_nothing(owner):
    actor = Actor(user=UserFactory(organization=owner))
    outcomes = services.reports_submit_bulk(actor=actor, items=["bad"], read=read)
    assert [(o.index, o.report) for o in outcomes] == [(0, None)]
    assert not Report.objects.exists()
