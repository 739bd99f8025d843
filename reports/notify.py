"""Fan-out: who is told of an event, on which channel, with what. Every recipient is chosen
by asking the access policy *now*, and the webhook body is built again at each attempt, so a
member is only ever told of what it may see at that moment (docs/contract.md, Notifications)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import ngettext

from hub.models import Event
from kernel.vocabulary import TLP
from members.mail import Compose, send_to_each_in_own_language, subject_line
from members.models import Agreement, Organization, User

from .models import (
    Indicator,
    Notification,
    NotificationSettings,
    Report,
    WebhookDelivery,
    WebhookEndpoint,
)
from .selectors import visible_reports

REPORT_EVENTS = {
    Event.Type.REPORT_SHARED,
    Event.Type.REPORT_UPDATED,
    Event.Type.TARGET_CORROBORATED,
}
# A webhook body carries at most this many reports; the rest are listed by id.
MAX_REPORTS_PER_MESSAGE = 100


@dataclass
class Audience:
    organization: Organization
    report_ids: list[int]


class EventHandler(Protocol):
    """How another app's events are fanned out (registered from its AppConfig.ready, so that
    this module never imports the apps built on it)."""

    types: frozenset[str]

    def audience(self, event: Event) -> list[Organization]: ...

    def payload(self, event: Event, org: Organization) -> dict | None: ...


_HANDLERS: dict[str, EventHandler] = {}


def register(handler: EventHandler) -> None:
    for type_ in handler.types:
        _HANDLERS[type_] = handler


def _candidates(event: Event) -> list[Organization]:
    """A cheap superset of who might see the event's reports; the policy then decides."""
    active = Organization.objects.active()
    if event.actor_org_id:
        active = active.exclude(pk=event.actor_org_id)
    if event.type not in REPORT_EVENTS:
        return list(active.filter(agreement_links__agreement=event.agreement_id))
    reports = Report.objects.filter(pk__in=event.report_ids)
    if reports.filter(tlp=TLP.CLEAR).exists():
        return list(active)
    owners = set(reports.values_list("owner_id", flat=True))
    partners = Agreement.objects.in_force().filter(party_links__organization__in=owners)
    return list(active.filter(agreement_links__agreement__in=partners).distinct())


def audience(event: Event) -> list[Audience]:
    """Organisations to tell, each with the event's reports it may see now."""
    if event.type in _HANDLERS:
        return [Audience(org, []) for org in _HANDLERS[event.type].audience(event)]
    out = []
    for org in _candidates(event):
        if event.type not in REPORT_EVENTS:
            out.append(Audience(org, []))
            continue
        visible = Report.objects.visible_to(org).filter(pk__in=event.report_ids)
        if event.type == Event.Type.REPORT_SHARED:
            visible = visible.exclude(owner=org)
        if event.type == Event.Type.TARGET_CORROBORATED:
            # Only the earlier reporters of a target hear that someone else reported it too.
            mine = Indicator.objects.filter(report__owner=org).values("target_id")
            visible = visible.exclude(owner=org).filter(indicators__target_id__in=mine)
        ids = sorted(set(visible.values_list("pk", flat=True)))
        if ids:
            out.append(Audience(org, _subscribed(org, ids)))
    return [a for a in out if a.report_ids or event.type not in REPORT_EVENTS]


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


def fan_out(event: Event) -> list[WebhookDelivery]:
    """Writes the inbox items and the webhook deliveries of an event; idempotent (unique keys).
    Returns the deliveries it created, to be sent."""
    deliveries = []
    for aud in audience(event):
        org = aud.organization
        Notification.objects.bulk_create(
            [Notification(organization=org, event=event, report_id=r) for r in aud.report_ids]
            or [Notification(organization=org, event=event)],
            ignore_conflicts=True,
        )
        for endpoint in WebhookEndpoint.objects.filter(organization=org, active=True):
            if not endpoint.wants(event.type):
                continue
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint,
                event=event,
                defaults={
                    "msg_id": f"msg_{event.pk}_{endpoint.pk}",
                    "event_type": event.type,
                    "urgent": event.urgent,
                },
            )
            if created:
                deliveries.append(delivery)
    return deliveries


def payload_for(delivery: WebhookDelivery) -> dict | None:
    """The webhook body for the receiving organisation, as of now; None when it may no longer
    see anything of the event (the delivery is then cancelled)."""
    from members.api.agreements import AgreementSerializer

    from .api.serializers import ReportSerializer

    event, org = delivery.event, delivery.endpoint.organization
    body = {"type": event.type, "timestamp": timezone.now().isoformat()}
    if event.type in _HANDLERS:
        data = _HANDLERS[event.type].payload(event, org)
        return None if data is None else {**body, "data": data}
    if event.type in REPORT_EVENTS:
        reports = list(visible_reports(org).filter(pk__in=event.report_ids).order_by("pk"))
        if not reports:
            return None
        context = {"organization": org}
        shown = ReportSerializer(reports[:MAX_REPORTS_PER_MESSAGE], many=True, context=context).data
        if len(reports) == 1:
            body["data"] = shown[0]
        else:
            body["data"] = {
                "count": len(reports),
                "reports": shown,
                "more_report_ids": [r.pk for r in reports[MAX_REPORTS_PER_MESSAGE:]],
            }
        return body
    agreement = Agreement.objects.of_party(org).filter(pk=event.agreement_id).first()
    if agreement is None:
        return None
    body["data"] = AgreementSerializer(agreement).data
    return body


def email_immediately(event: Event) -> None:
    """One e-mail per organisation per event (a bulk submission is one event), to the org's
    admins, for organisations that chose immediate e-mail; admins who read different languages
    each get it in their own. Claimed through `emailed_at` so a re-run sends nothing twice."""
    immediate = NotificationSettings.objects.filter(
        email_enabled=True, email_digest=NotificationSettings.Digest.IMMEDIATE
    ).values_list("organization_id", flat=True)
    for org_id in set(
        Notification.objects.filter(event=event, organization_id__in=immediate).values_list(
            "organization_id", flat=True
        )
    ):
        claimed = Notification.objects.filter(
            event=event, organization_id=org_id, emailed_at__isnull=True
        ).update(emailed_at=timezone.now())
        if claimed:
            _mail(org_id, lambda count=claimed: _event_mail(event, count))


def send_digests(period: str) -> int:
    """Hourly/daily: one e-mail per organisation with what arrived since its last digest."""
    sent = 0
    for prefs in NotificationSettings.objects.filter(email_enabled=True, email_digest=period):
        pending = Notification.objects.filter(
            organization_id=prefs.organization_id, emailed_at__isnull=True
        )
        count = pending.update(emailed_at=timezone.now())
        if count:
            _mail(prefs.organization_id, lambda count=count: _digest_mail(count))
            sent += 1
        prefs.email_last_digest_at = timezone.now()
        prefs.save(update_fields=["email_last_digest_at"])
    return sent


def _event_mail(event: Event, count: int) -> tuple[str, str]:
    return subject_line(event.get_type_display()), _summary(event, count)


def _digest_mail(count: int) -> tuple[str, str]:
    subject = ngettext("%(count)s new notification", "%(count)s new notifications", count) % {
        "count": count
    }
    body = ngettext(
        "%(count)s new item is in your Atalaya inbox.",
        "%(count)s new items are in your Atalaya inbox.",
        count,
    ) % {"count": count}
    return subject_line(subject), body


def _summary(event: Event, count: int) -> str:
    # Titles are not put in e-mail: it leaves the hub, and the inbox shows them under the policy.
    return ngettext(
        "%(event)s: %(count)s item in your Atalaya inbox.\nSign in to read it.",
        "%(event)s: %(count)s items in your Atalaya inbox.\nSign in to read them.",
        count,
    ) % {"event": event.get_type_display(), "count": count}


def _mail(org_id: int, compose: Compose) -> None:
    """E-mails the organisation's active admins, each in their own language: `compose` returns
    (subject, body) and is called once per language among them, inside it."""
    admins = User.objects.filter(organization_id=org_id, role=User.Role.ADMIN, is_active=True).only(
        "email", "language", "time_zone"
    )
    send_to_each_in_own_language(admins, compose, fail_silently=True)
