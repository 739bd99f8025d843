"""Fan-out: who is told what, always through the access policy, without floods."""

import pytest

from members import services as member_services
from members.services import Actor
from notifications import fanout
from notifications.models import (
    Event,
    Notification,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)
from reports import dedup
from reports import notifications as report_events
from reports.events import ReportEvent
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


def endpoint_for(org):
    return WebhookEndpoint.objects.create(
        organization=org, url="http://127.0.0.1:9/hook", secret="whsec_" + "A" * 43
    )


def process(event: Event) -> list[WebhookDelivery]:
    if event.type == ReportEvent.SHARED:
        dedup.link_reports(event.subject_ids)
    return fanout.fan_out(event)


def latest(kind: str) -> Event:
    return Event.objects.filter(type=kind).latest("pk")


@pytest.fixture
def shared(owner, coparty):
    return agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])


def test_a_shared_report_reaches_the_coparty_inbox_and_webhook_and_not_the_outsider(
    owner, coparty, outsider, shared
):
    endpoint_for(coparty)
    endpoint_for(outsider)
    report = report_by(owner)
    deliveries = process(latest("report.shared"))
    assert [d.endpoint.organization for d in deliveries] == [coparty]
    assert list(Notification.objects.values_list("organization__slug", "subject_id")) == [
        ("coparty", report.pk)
    ]


def test_processing_an_event_twice_tells_nobody_twice(owner, coparty, shared):
    endpoint_for(coparty)
    report_by(owner)
    event = latest("report.shared")
    process(event)
    assert process(event) == []  # the delivery exists and is no longer new
    assert Notification.objects.count() == 1
    assert WebhookDelivery.objects.count() == 1


def test_a_bulk_submission_is_one_message_per_channel_but_every_item_in_the_inbox(
    owner, coparty, shared
):
    from reports import services
    from reports.indicators import normalise

    endpoint_for(coparty)
    items = [
        services.ReportInput(
            category="live_sports",
            title=f"mirror {i}",
            jurisdictions=["PE"],
            indicators=[
                services.IndicatorInput(
                    "domain", f"m{i}.example", normalise("domain", f"m{i}.example")
                )
            ],
        )
        for i in range(150)
    ]
    services.reports_submit(actor=_admin(owner), items=items)
    deliveries = process(latest("report.shared"))
    assert len(deliveries) == 1
    body = fanout.payload_for(deliveries[0])
    assert body["type"] == "report.shared"
    assert body["data"]["count"] == 150
    assert len(body["data"]["reports"]) == report_events.MAX_REPORTS_PER_MESSAGE
    assert len(body["data"]["more_report_ids"]) == 50
    assert Notification.objects.filter(organization=coparty).count() == 150


def _admin(org):
    from members.tests.factories import UserFactory

    return Actor(user=UserFactory(organization=org, role="admin"))


def test_the_payload_is_rebuilt_at_send_time_and_cancelled_once_the_report_is_hidden(
    owner, coparty, shared
):
    endpoint_for(coparty)
    report_by(owner)
    (delivery,) = process(latest("report.shared"))
    assert fanout.payload_for(delivery)["data"]["owner"] == "owner"
    member_services.agreement_suspend(actor=Actor.system(), agreement=shared)
    assert fanout.payload_for(delivery) is None


def test_subscriptions_filter_report_events(owner, coparty, shared):
    NotificationSettings.objects.create(organization=coparty, categories=["iptv"])
    report_by(owner)
    process(latest("report.shared"))
    assert not Notification.objects.exists()


def test_the_inbox_hides_items_about_reports_no_longer_visible(owner, coparty, shared):
    from conftest import api_client_for

    report_by(owner)
    process(latest("report.shared"))
    client = api_client_for(coparty)
    assert len(client.get("/api/v1/notifications/").json()["results"]) == 1
    member_services.agreement_suspend(actor=Actor.system(), agreement=shared)
    assert client.get("/api/v1/notifications/").json()["results"] == []


def test_marking_the_inbox_read_counts_only_items_the_member_may_still_see(
    client, owner, coparty, shared
):
    """Once the agreement is suspended, the co-party's item about the owner's report is out of
    its inbox: "mark all read" neither marks nor counts it (the count would tell it exists),
    through the API and the portal alike, and marking it alone is 404."""
    from conftest import api_client_for
    from members.tests.factories import UserFactory

    report_by(owner)
    process(latest("report.shared"))
    (hidden,) = Notification.objects.filter(organization=coparty)
    member_services.agreement_suspend(actor=Actor.system(), agreement=shared)
    api = api_client_for(coparty)

    assert api.post("/api/v1/notifications/read-all/").json() == {"marked_read": 0}
    assert api.post(f"/api/v1/notifications/{hidden.pk}/read/").status_code == 404
    client.force_login(UserFactory(organization=coparty, role="analyst"))
    client.post("/reports/inbox/")
    assert client.post(f"/reports/inbox/{hidden.pk}/read/").status_code == 404
    hidden.refresh_from_db()
    assert hidden.read_at is None


def test_agreement_events_reach_the_other_parties_and_nobody_else(owner, coparty, outsider):
    agreement = agreement_between(owner, coparty, active=False)
    member_services.agreement_sign(actor=_admin(owner), agreement=agreement)
    process(latest("agreement.signed"))
    assert list(Notification.objects.values_list("organization__slug", flat=True)) == ["coparty"]


def test_status_changes_reach_those_who_see_the_report(owner, coparty, outsider, shared):
    from reports import services

    report = report_by(owner)
    process(latest("report.shared"))
    services.report_update(actor=_admin(owner), report=report, changes={"status": "actioned"})
    process(latest("report.updated"))
    assert (
        Notification.objects.filter(event__type="report.updated")
        .values_list("organization__slug", flat=True)
        .get()
        == "coparty"
    )


def test_the_portal_inbox_shows_the_coparty_its_items_and_counts_unread(
    client, owner, coparty, outsider, shared
):
    from members.tests.factories import UserFactory

    report = report_by(owner, title="Derby mirror")
    process(latest("report.shared"))
    client.force_login(UserFactory(organization=coparty, role="viewer"))
    page = client.get("/reports/inbox/").content.decode()
    assert "Derby mirror" in page and 'aria-label="1 unread"' in page
    client.post("/reports/inbox/")
    assert 'aria-label="1 unread"' not in client.get("/reports/inbox/").content.decode()
    client.force_login(UserFactory(organization=outsider, role="viewer"))
    assert "Derby mirror" not in client.get("/reports/inbox/").content.decode()
    assert report.pk


def test_org_admins_choose_their_notification_settings_with_field_errors(client, owner):
    from members.tests.factories import UserFactory

    client.force_login(UserFactory(organization=owner, role="admin"))
    bad = client.post(
        "/reports/notifications/", {"jurisdictions": "PE XX", "email_digest": "daily"}
    )
    assert "XX" in bad.content.decode()
    client.post(
        "/reports/notifications/",
        {
            "categories": ["iptv"],
            "jurisdictions": "pe",
            "email_enabled": "on",
            "email_digest": "daily",
        },
    )
    prefs = NotificationSettings.objects.get(organization=owner)
    assert (prefs.categories, prefs.jurisdictions, prefs.email_digest) == (
        ["iptv"],
        ["PE"],
        "daily",
    )
    client.force_login(UserFactory(organization=owner, role="analyst"))
    assert client.get("/reports/notifications/").status_code == 404


def test_a_daily_digest_is_one_email_per_organisation(owner, coparty, shared, mailoutbox):
    from members.tests.factories import UserFactory

    UserFactory(organization=coparty, role="admin", email="admin@coparty.example")
    NotificationSettings.objects.create(
        organization=coparty, email_enabled=True, email_digest="daily"
    )
    report_by(owner, indicators=[("domain", "one.example")])
    process(latest("report.shared"))
    report_by(owner, indicators=[("domain", "two.example")])
    process(latest("report.shared"))
    assert fanout.send_digests("daily") == 1
    (mail,) = mailoutbox
    admins = set(coparty.users.filter(role="admin").values_list("email", flat=True))
    assert "admin@coparty.example" in admins and set(mail.to) == admins
    assert "2 new" in mail.subject
    assert fanout.send_digests("daily") == 0


def test_a_delivery_whose_secret_cannot_sign_fails_with_the_reason_and_is_not_retried(
    owner, coparty, shared
):
    from notifications.tasks import deliver_webhook

    endpoint_for(coparty)  # its secret is not valid base64
    report_by(owner)
    (delivery,) = process(latest("report.shared"))
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert delivery.last_error.startswith("cannot sign")
