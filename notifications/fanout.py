"""Fan-out: who is told of an event, on which channel, with what. The event type's app
(`registry`) chooses the recipients by asking the access policy *now*, and the webhook body is
built again at each attempt, so a member is only ever told of what it may see at that moment
(docs/contract.md, Notifications). This module does the plumbing: inbox items, deliveries,
e-mail."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import ngettext

from kernel.mail import Compose, send_to_each_in_own_language, subject_line

from . import registry
from .models import (
    TEST_EVENT,
    Event,
    Notification,
    NotificationAddress,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)


def process(event: Event) -> list[WebhookDelivery]:
    """The type's own work first (deduplication), then the fan-out."""
    kind = registry.kind(event.type)
    if kind.prepare is not None:
        kind.prepare(event)
    return fan_out(event)


def fan_out(event: Event) -> list[WebhookDelivery]:
    """Writes the inbox items and the webhook deliveries of an event; idempotent (unique keys).
    Returns the deliveries it created, to be sent."""
    deliveries = []
    for aud in registry.kind(event.type).audience(event):
        org = aud.organization
        Notification.objects.bulk_create(
            [Notification(organization=org, event=event, subject_id=s) for s in aud.subject_ids]
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
    event, org = delivery.event, delivery.endpoint.organization
    if event.type == TEST_EVENT:
        data = {"endpoint_id": delivery.endpoint_id, "message": "A test delivery from Atalaya."}
    else:
        data = registry.kind(event.type).payload(event, org)
    if data is None:
        return None
    return {"type": event.type, "timestamp": timezone.now().isoformat(), "data": data}


def email_immediately(event: Event) -> None:
    """One e-mail per organisation per event (a bulk submission is one event), to the org's
    readers, for organisations that chose immediate e-mail; readers of different languages
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
            mail_organization(org_id, lambda count=claimed: _event_mail(event, count))


def send_digests(period: str) -> int:
    """Hourly/daily: one e-mail per organisation with what arrived since its last digest."""
    sent = 0
    for prefs in NotificationSettings.objects.filter(email_enabled=True, email_digest=period):
        pending = Notification.objects.filter(
            organization_id=prefs.organization_id, emailed_at__isnull=True
        )
        count = pending.update(emailed_at=timezone.now())
        if count:
            mail_organization(prefs.organization_id, lambda count=count: _digest_mail(count))
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


def mail_organization(org_id: int, compose: Compose) -> None:
    """E-mails the organisation's notification readers (its active admins: `members` says who)
    and its confirmed notification addresses, each in their own language: `compose` returns
    (subject, body) and is called once per language among them, inside it. The addresses get
    their own e-mail, so a shared mailbox never sees the admins' addresses; an address that is
    also an admin's gets one e-mail, the admin's."""
    people = list(registry.mail_readers(org_id))
    send_to_each_in_own_language(people, compose, fail_silently=True)
    theirs = {p.email.lower() for p in people}
    mailboxes = [
        a
        for a in NotificationAddress.objects.filter(
            organization_id=org_id, confirmed_at__isnull=False
        )
        if a.email.lower() not in theirs
    ]
    send_to_each_in_own_language(mailboxes, compose, fail_silently=True)
