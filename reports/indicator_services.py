"""Indicators appended to a report after it was submitted: the mirrors that appear while a
match is live. Appended only: an indicator once stored is never changed nor removed, because
other members' reports were deduplicated against it and members were told of it."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from members.actors import Actor, audit
from notifications.outbox import publish

from .events import ReportEvent
from .indicator_limits import MAX_INDICATORS
from .models import Indicator, Report
from .services import IndicatorInput

# A report that is over takes no new indicators: they would reach members as news of an
# operation the owner closed. Reopening it (its status) comes first.
OPEN_TO_ADDITIONS = (Report.Status.OPEN, Report.Status.ACTIONED)


@dataclass(frozen=True)
class Added:
    """What an addition did: the indicators stored, and those given that the report already had
    (left as they were, and said so)."""

    indicators: list[Indicator]
    already_there: list[IndicatorInput]


def report_indicators_add(
    *, actor: Actor, report: Report, indicators: list[IndicatorInput]
) -> Added:
    """Appends indicators to the actor's own report, after those it has.

    The report goes back to deduplication (`linked_at` cleared): the `report.updated` event's
    work first (`reports.notifications.prepare`) links the new indicators to their targets,
    clusters them with the report's others, and tells earlier reporters of those targets, before
    the members who may see the report are told that it changed."""
    if actor.organization is None or report.owner_id != actor.organization.pk:
        raise PermissionDenied("Only the reporting organisation may add indicators.")
    with transaction.atomic():
        # Locked: two additions at once would both read the same last position and the same
        # count, and together pass the limit or store one value twice.
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status not in OPEN_TO_ADDITIONS:
            raise ValidationError(
                {
                    "indicators": _(
                        "A resolved or withdrawn report takes no new indicators: set it "
                        "open again first, or submit a new report."
                    )
                }
            )
        existing = list(report.indicators.values_list("kind", "value"))
        have = set(existing)
        fresh: list[IndicatorInput] = []
        already: list[IndicatorInput] = []
        for indicator in indicators:
            key = (indicator.kind, indicator.value)
            (already if key in have else fresh).append(indicator)
            have.add(key)
        if not fresh:
            return Added(indicators=[], already_there=already)
        room = MAX_INDICATORS - len(existing)
        if len(fresh) > room:
            raise ValidationError(
                {
                    "indicators": ngettext(
                        "A report holds at most %(limit)s indicators; this one has room for "
                        "%(count)s more.",
                        "A report holds at most %(limit)s indicators; this one has room for "
                        "%(count)s more.",
                        room,
                    )
                    % {"limit": MAX_INDICATORS, "count": room}
                }
            )
        start = (report.indicators.aggregate(last=Max("position"))["last"] or 0) + 1
        added = Indicator.objects.bulk_create(
            [
                Indicator(
                    report=report,
                    position=start + offset,
                    kind=i.kind,
                    raw_value=i.raw_value,
                    value=i.value,
                    note=i.note,
                )
                for offset, i in enumerate(fresh)
            ]
        )
        # Back to deduplication; a report that had been a re-submission of another one is
        # judged again, now that it reports more.
        report.linked_at = None
        report.duplicate_of = None
        report.updated_at = timezone.now()
        report.save(update_fields=["linked_at", "duplicate_of", "updated_at"])
        audit(
            actor=actor,
            action="report.indicators_added",
            obj=report,
            data={
                "indicators": [i.pk for i in added],
                "values": [f"{i.kind}:{i.value}" for i in added],
            },
        )
        publish(
            type=ReportEvent.UPDATED,
            actor_org=report.owner,
            subject_ids=[report.pk],
            urgent=report.is_urgent,
        )
    return Added(indicators=added, already_there=already)
