"""Who hears of a report event, and what the webhook carries: registered with the
notifications app (apps.py), which does the inbox, e-mail and webhook plumbing. Every
recipient, every subject and every body is chosen through the access policy at that moment."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from kernel.vocabulary import TLP
from members.models import Agreement, Organization
from notifications.models import Event, NotificationSettings
from notifications.registry import Audience, InboxSubject, kinds_of

from . import dedup
from .events import ReportEvent
from .models import Indicator, Report
from .selectors import visible_reports, with_reports

# A webhook body carries at most this many reports; the rest are listed by id.
MAX_REPORTS_PER_MESSAGE = 100


def _candidates(event: Event) -> list[Organization]:
    """A cheap superset of who might see the event's reports; the policy then decides."""
    active = Organization.objects.active()
    if event.actor_org_id:
        active = active.exclude(pk=event.actor_org_id)
    reports = Report.objects.filter(pk__in=event.subject_ids)
    if reports.filter(tlp=TLP.CLEAR).exists():
        return list(active)
    owners = set(reports.values_list("owner_id", flat=True))
    partners = Agreement.objects.in_force().filter(party_links__organization__in=owners)
    return list(active.filter(agreement_links__agreement__in=partners).distinct())


def audience(event: Event) -> list[Audience]:
    """Organisations to tell, each with the event's reports it may see now and subscribed to."""
    out = []
    for org in _candidates(event):
        visible = Report.objects.visible_to(org).filter(pk__in=event.subject_ids)
        if event.type == ReportEvent.SHARED:
            visible = visible.exclude(owner=org)
        if event.type == ReportEvent.TARGET_CORROBORATED:
            # Only the earlier reporters of a target hear that someone else reported it too.
            mine = Indicator.objects.filter(report__owner=org).values("target_id")
            visible = visible.exclude(owner=org).filter(indicators__target_id__in=mine)
        ids = sorted(set(visible.values_list("pk", flat=True)))
        if ids and (subscribed := _subscribed(org, ids)):
            out.append(Audience(org, subscribed))
    return out


def _subscribed(org: Organization, report_ids: list[int]) -> list[int]:
    prefs = NotificationSettings.objects.filter(organization=org).first()
    if prefs is None:
        return report_ids
    reports = Report.objects.filter(pk__in=report_ids)
    if prefs.categories:
        reports = reports.filter(category__in=prefs.categories)
    if prefs.jurisdictions:
        # A global report concerns every country.
        reports = reports.filter(
            Q(jurisdictions__overlap=prefs.jurisdictions) | Q(jurisdictions=[])
        )
    ids = list(reports.values_list("pk", flat=True))
    if prefs.urgent_only:
        ids = [r.pk for r in Report.objects.filter(pk__in=ids) if r.is_urgent]
    return sorted(ids)


def payload(event: Event, org: Organization) -> dict | None:
    """The reports as the API shows them to `org` now: one report, or a page of them."""
    from .api.serializers import ReportSerializer

    reports = list(visible_reports(org).filter(pk__in=event.subject_ids).order_by("pk"))
    if not reports:
        return None
    context = {"organization": org}
    shown = ReportSerializer(reports[:MAX_REPORTS_PER_MESSAGE], many=True, context=context).data
    if len(reports) == 1:
        return shown[0]
    return {
        "count": len(reports),
        "reports": shown,
        "more_report_ids": [r.pk for r in reports[MAX_REPORTS_PER_MESSAGE:]],
    }


def prepare(event: Event) -> None:
    """A shared report is deduplicated before anyone is told of it, and so is an updated one
    whose owner appended indicators (`reports.indicator_services`, which clears `linked_at`;
    for any other update `link_reports` finds nothing to link)."""
    if event.type in (ReportEvent.SHARED, ReportEvent.UPDATED):
        dedup.link_reports(event.subject_ids)


def inbox_visible(org: Organization) -> Q:
    """An inbox item about a report the organisation may no longer see drops out."""
    return Q(subject_id__in=Report.objects.visible_to(org).values("pk"))


def describe(org: Organization, items: list) -> None:
    """Each item's report by its title, as `org` may see it now: one query for the page."""
    for item in with_reports(org, items):
        report = item.report
        if report is not None:
            item.about = InboxSubject(
                title=report.title,
                url=reverse("reports:detail", args=[report.pk]),
                urgent=report.is_urgent,
            )


KINDS = kinds_of(
    ReportEvent,
    subject="report",
    audience=audience,
    payload=payload,
    prepare=prepare,
    inbox_visible=inbox_visible,
    describe=describe,
)
