"""What the feeds read, all through the access policy (`Report.objects.visible_to(org)`): a
report `org` may not see is in no query here, so nothing in a feed names or counts it.

Each read is one query whatever the number of reports, and the long ones are read through a
server-side cursor in chunks (`iterator`), so a feed of 100,000 reports streams with flat
memory."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import Case, CharField, Count, F, Max, Prefetch, TextField, Value, When
from django.db.models.functions import MD5, Cast, Concat

from members.models import Organization
from reports.models import Indicator, Report

CHUNK = 2000


@dataclass(frozen=True)
class FeedVersion:
    """The state of everything a feed shows `org`: the reports it sees, each one's last change
    and whether its reporter is disclosed. Any change to what a feed holds changes `digest`."""

    count: int
    latest: datetime | None
    digest: str


def feed_version(org: Organization) -> FeedVersion:
    """One aggregate over the visible reports, no row sent: what an ETag needs, so that a
    conditional request that matches answers 304 without reading a report."""
    reports = Report.objects.visible_to(org).with_disclosure(org)
    # The reporter's name only where it is disclosed: a rename of a member the reader may not
    # know must not change the reader's ETag.
    disclosed = Case(
        When(identity_disclosed=True, then=Concat(Value("+"), F("owner__name"))),
        default=Value("-"),
        output_field=CharField(),
    )
    row = reports.aggregate(
        count=Count("pk"),
        latest=Max("updated_at"),
        digest=MD5(
            StringAgg(
                Concat(
                    Cast("stix_id", TextField()),
                    Value("|"),
                    Cast("updated_at", TextField()),
                    Value("|"),
                    disclosed,
                    output_field=TextField(),
                ),
                delimiter=",",
                order_by="pk",
                default=Value(""),
            )
        ),
    )
    return FeedVersion(row["count"], row["latest"], row["digest"] or "")


def manifest_reports(org: Organization):
    """The visible reports with what a manifest entry shows (no indicators), oldest first."""
    return (
        Report.objects.visible_to(org)
        .with_disclosure(org)
        .select_related("owner")
        .only(
            "stix_id",
            "title",
            "tlp",
            "category",
            "jurisdictions",
            "status",
            "live_from",
            "live_until",
            "created_at",
            "updated_at",
            "owner__name",
            "owner__stix_id",
        )
        .order_by("pk")
    )


def event_report(org: Organization, event_uuid: uuid.UUID) -> Report | None:
    """One visible report with its indicators, or None: not visible and absent read alike."""
    return (
        Report.objects.visible_to(org)
        .with_disclosure(org)
        .select_related("owner")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position", "pk"))
        )
        .filter(stix_id=event_uuid)
        .first()
    )


def feed_indicators(org: Organization, *, kinds: set[str] | None = None, live_only: bool):
    """(kind, value, report uuid, tlp, category, updated_at) of every indicator of a visible
    report, sorted by value, kind and report; `live_only` leaves withdrawn reports out."""
    reports = Report.objects.visible_to(org)
    if live_only:
        reports = reports.exclude(status=Report.Status.WITHDRAWN)
    rows = Indicator.objects.filter(report__in=reports)
    if kinds is not None:
        rows = rows.filter(kind__in=sorted(kinds))
    return rows.order_by("value", "kind", "report__stix_id").values_list(
        "kind",
        "value",
        "report__stix_id",
        "report__tlp",
        "report__category",
        "report__updated_at",
    )


def feed_values(org: Organization, *, kinds: set[str] | None = None):
    """The distinct values of the indicators of the visible reports not withdrawn, sorted."""
    reports = Report.objects.visible_to(org).exclude(status=Report.Status.WITHDRAWN)
    rows = Indicator.objects.filter(report__in=reports)
    if kinds is not None:
        rows = rows.filter(kind__in=sorted(kinds))
    return rows.order_by("value").values_list("value", flat=True).distinct()
