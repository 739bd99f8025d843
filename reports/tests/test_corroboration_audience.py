"""Corroboration is told only through the access policy: an earlier reporter of a target hears
that another member reported it too only when it may see that later report (docs/contract.md,
"Derived
data": corroboration is derived from reports, and "Notifications": a member is only ever told
of what the policy lets it see). Not in its inbox, not by webhook, not by e-mail.

The actors: the owner reports a domain first; a later reporter (the outsider, with whom the
owner shares nothing, or the co-party, with whom it shares amber) reports the same domain at
TLP:AMBER under agreements."""

from __future__ import annotations

import pytest

from kernel.vocabulary import TLP
from members.tests.factories import UserFactory
from notifications.models import (
    Event,
    Notification,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.tasks import process_event
from reports import services
from reports.events import ReportEvent
from reports.indicators import normalise
from reports.models import Report
from reports.tests.factories import _as, agreement_between, report_by

pytestmark = pytest.mark.django_db

DOMAIN = "pirate-restream.example"
CORROBORATED = ReportEvent.TARGET_CORROBORATED


@pytest.fixture
def owner_listens(owner):
    """The owner takes every channel: an inbox (always), a webhook for corroborations and
    immediate e-mail to its admin."""
    admin = UserFactory(organization=owner, role="admin", email="admin@owner.example")
    WebhookEndpoint.objects.create(
        organization=owner,
        url="http://127.0.0.1:9/hook",
        secret="whsec_" + "A" * 43,
        events=[CORROBORATED],
    )
    NotificationSettings.objects.create(
        organization=owner,
        email_enabled=True,
        email_digest=NotificationSettings.Digest.IMMEDIATE,
    )
    return admin


def process_pending() -> None:
    """What the workers do: each unprocessed event is linked (dedup) and fanned out, in order,
    until none is left (linking publishes the corroboration)."""
    while event := Event.objects.filter(processed_at__isnull=True).order_by("pk").first():
        process_event(event.pk)


def amber_item(value: str = DOMAIN, tlp=TLP.AMBER) -> services.ReportInput:
    return services.ReportInput(
        category="live_sports",
        title="The same restream",
        tlp=tlp,
        jurisdictions=["PE"],
        indicators=[services.IndicatorInput("domain", value, normalise("domain", value))],
        sharing=Report.Sharing.AGREEMENTS,
    )


def told(owner, event: Event, admin, mail: list) -> dict[str, object]:
    """What the owner received about this event; e-mails about other events (a report shared
    with it in the same batch) are not this test's business."""
    about = f"[Atalaya] {event.get_type_display()}"
    return {
        "inbox": list(
            Notification.objects.filter(organization=owner, event=event).values_list(
                "subject_id", flat=True
            )
        ),
        "webhook": WebhookDelivery.objects.filter(
            endpoint__organization=owner, event=event
        ).count(),
        "e-mail": [m.subject for m in mail if m.to == [admin.email] and m.subject == about],
    }


@pytest.mark.parametrize(
    "world",
    [
        "no agreement",
        # A TLP:CLEAR report in the same batch makes every member a candidate of the fan-out,
        # so only the policy stands between the owner and the amber report.
        "no agreement, a clear report in the same batch",
        # The owner and the outsider share, but not amber: the owner is a candidate.
        "an agreement that stops at green",
    ],
)
def test_an_earlier_reporter_who_cannot_see_the_later_report_is_not_told_of_the_corroboration(
    owner, coparty, outsider, owner_listens, mailoutbox, world
):
    report_by(owner, tlp=TLP.AMBER, indicators=(("domain", DOMAIN),))
    items = [amber_item()]
    if world == "no agreement, a clear report in the same batch":
        report_by(coparty, tlp=TLP.CLEAR, indicators=(("domain", "mirror.example"),))
        items.append(amber_item("mirror.example", tlp=TLP.CLEAR))
    if world == "an agreement that stops at green":
        agreement_between(owner, outsider, max_tlp=TLP.GREEN)
    process_pending()
    before = len(mailoutbox)

    (later,) = [
        r for r in services.reports_submit(actor=_as(outsider), items=items) if r.tlp == TLP.AMBER
    ]
    process_pending()

    event = Event.objects.get(type=CORROBORATED)
    assert later.pk in event.subject_ids  # the corroboration was published: the hub knows
    assert not Report.objects.visible_to(owner).filter(pk=later.pk).exists()
    assert told(owner, event, owner_listens, mailoutbox[before:]) == {
        "inbox": [],
        "webhook": 0,
        "e-mail": [],
    }


def test_an_earlier_reporter_who_shares_with_the_later_one_is_told_on_every_channel(
    owner, coparty, outsider, owner_listens, mailoutbox
):
    agreement_between(owner, coparty, max_tlp=TLP.AMBER)
    report_by(owner, tlp=TLP.AMBER, indicators=(("domain", DOMAIN),))
    process_pending()
    before = len(mailoutbox)

    (later,) = services.reports_submit(actor=_as(coparty), items=[amber_item()])
    process_pending()

    event = Event.objects.get(type=CORROBORATED)
    assert told(owner, event, owner_listens, mailoutbox[before:]) == {
        "inbox": [later.pk],
        "webhook": 1,
        "e-mail": [f"[Atalaya] {event.get_type_display()}"],
    }
    # The outsider, who reported nothing and shares nothing, hears of nothing.
    assert not Notification.objects.filter(organization=outsider).exists()
