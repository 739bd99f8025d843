"""The organisation's webhooks and notification e-mail in the portal (notifications.views): its
admins manage endpoints (the secret shown once, rotation with an overlap window, a test message,
the delivery log and its retry) and notification addresses; a colleague who is not an admin and
an admin of another organisation get 404. Here because the people come from members' factories
(the notifications app's own tests may not import them)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from members import services as member_services
from members.models import AuditEvent
from members.tests.factories import UserFactory
from notifications import address_services, fanout, tasks
from notifications.models import (
    Event,
    NotificationAddress,
    NotificationSettings,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.tasks import deliver_webhook, process_event
from notifications.webhooks import generate_secret, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(owner):
    return UserFactory(organization=owner, role="admin", email="admin@owner.example")


@pytest.fixture
def signed_in(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def receiving(settings, webhook_receiver):
    """The local receiver may be delivered to (it is on 127.0.0.1)."""
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    return webhook_receiver


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """The deliveries handed to the broker, in order (no worker runs in these tests)."""
    sent: list[int] = []
    monkeypatch.setattr(tasks, "queue_delivery", lambda pk, *, urgent: sent.append(pk))
    return sent


def endpoint_of(org, url="https://hooks.example.net/atalaya", **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=org, url=url, secret=generate_secret(), **fields
    )


def url(name: str, *args) -> str:
    return reverse(f"notifications:{name}", args=args)


def test_the_organisations_manage_page_links_to_its_webhooks_and_notification_email(signed_in):
    page = signed_in.get(reverse("members:manage")).content.decode()
    assert f'href="{url("manage")}"' in page
    assert signed_in.get(url("manage")).status_code == 200


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_a_colleague_who_is_not_an_admin_gets_404_on_every_page(client, owner, role):
    endpoint = endpoint_of(owner)
    client.force_login(UserFactory(organization=owner, role=role))
    for name, args in [
        ("manage", ()),
        ("endpoint_create", ()),
        ("endpoint", (endpoint.pk,)),
        ("endpoint_edit", (endpoint.pk,)),
        ("endpoint_rotate", (endpoint.pk,)),
        ("endpoint_delete", (endpoint.pk,)),
    ]:
        assert client.get(url(name, *args)).status_code == 404, name
    for name in ("endpoint_test", "endpoint_active", "endpoint_rotate", "endpoint_delete"):
        assert client.post(url(name, endpoint.pk)).status_code == 404, name
    assert client.post(url("address_add"), {"email": "noc@owner.example"}).status_code == 404
    assert WebhookDelivery.objects.count() == 0
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).exists()
    assert not NotificationAddress.objects.exists()


def test_an_admin_of_another_organisation_gets_404_on_this_endpoint_and_its_addresses(
    client, owner, outsider
):
    endpoint = endpoint_of(owner)
    secret = endpoint.secret
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=Event.objects.create(type="agreement.proposed", processed_at=timezone.now()),
        msg_id="msg_x",
        event_type="agreement.proposed",
        state=WebhookDelivery.State.FAILED,
    )
    address = NotificationAddress.objects.create(
        organization=owner, email="noc@owner.example", language="en"
    )
    client.force_login(UserFactory(organization=outsider, role="admin"))
    for name in ("endpoint", "endpoint_edit", "endpoint_rotate", "endpoint_delete"):
        assert client.get(url(name, endpoint.pk)).status_code == 404, name
    for name in ("endpoint_test", "endpoint_active", "endpoint_rotate", "endpoint_delete"):
        assert client.post(url(name, endpoint.pk), {"overlap": "0"}).status_code == 404, name
    assert client.post(url("delivery_retry", endpoint.pk, delivery.pk)).status_code == 404
    assert client.post(url("address_resend", address.pk)).status_code == 404
    assert client.post(url("address_remove", address.pk)).status_code == 404
    # The outsider's own list does not show it either.
    assert endpoint.url not in client.get(url("manage")).content.decode()
    endpoint.refresh_from_db()
    assert (endpoint.secret, endpoint.active) == (secret, True)
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.FAILED
    assert NotificationAddress.objects.filter(pk=address.pk).exists()


def test_an_admin_creates_an_endpoint_and_sees_its_secret_once(signed_in, owner, receiving):
    response = signed_in.post(
        url("endpoint_create"),
        {
            "url": f"{receiving.url}/hooks",
            "description": "SOC pipeline",
            "events": ["agreement.proposed", "agreement.signed"],
        },
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get(organization=owner)
    assert endpoint.events == ["agreement.proposed", "agreement.signed"]
    page = response.content.decode()
    assert endpoint.secret in page
    assert "no-store" in response["Cache-Control"]
    # Never again: not on the endpoint's page, not on the list.
    assert endpoint.secret not in signed_in.get(url("endpoint", endpoint.pk)).content.decode()
    assert endpoint.secret not in signed_in.get(url("manage")).content.decode()
    assert AuditEvent.objects.filter(action="webhook.created", object_id=str(endpoint.pk)).exists()


def test_the_event_choices_are_the_registered_types_with_their_labels(signed_in):
    page = signed_in.get(url("endpoint_create"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'value="agreement.proposed"' in page and 'value="blocking_order.issued"' in page
    assert 'value="webhook.test"' not in page


def test_an_address_the_hub_will_not_deliver_to_is_refused_with_the_reason(signed_in, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = False
    for refused in ("http://hooks.example.net/x", "https://127.0.0.1/x", "https://10.1.2.3/x"):
        response = signed_in.post(url("endpoint_create"), {"url": refused})
        assert response.status_code == 200
        assert "will not deliver to this address" in response.content.decode(), refused
    assert not WebhookEndpoint.objects.exists()


def test_an_admin_edits_disables_and_enables_an_endpoint(signed_in, owner):
    endpoint = endpoint_of(owner, active=False, disabled_reason="5 deliveries in a row failed")
    endpoint.consecutive_failures = 5
    endpoint.save()
    response = signed_in.post(
        url("endpoint_edit", endpoint.pk),
        {"url": endpoint.url, "description": "Renamed", "events": ["report.shared"]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.events) == ("Renamed", ["report.shared"])
    signed_in.post(url("endpoint_active", endpoint.pk), {"active": "1"})
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.disabled_reason, endpoint.consecutive_failures) == (
        True,
        "",
        0,
    )
    signed_in.post(url("endpoint_active", endpoint.pk), {"active": "0"})
    endpoint.refresh_from_db()
    assert endpoint.active is False


def test_deleting_asks_first_then_deletes_the_endpoint_and_its_log(signed_in, owner):
    endpoint = endpoint_of(owner)
    confirm = signed_in.get(url("endpoint_delete", endpoint.pk))
    assert confirm.status_code == 200 and "Delete this endpoint?" in confirm.content.decode()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    response = signed_in.post(url("endpoint_delete", endpoint.pk))
    assert response.status_code == 302 and response["Location"] == url("manage")
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert AuditEvent.objects.filter(action="webhook.deleted", object_id=str(endpoint.pk)).exists()


def _received_after(endpoint, receiver, delivery):
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED, delivery.last_error
    _path, headers, body = receiver.received[-1]
    return headers, body


def test_rotation_signs_with_both_secrets_during_the_window_and_only_the_new_after(
    signed_in, owner, receiving, queued
):
    endpoint = endpoint_of(owner, url=f"{receiving.url}/rotating")
    old = endpoint.secret
    response = signed_in.post(url("endpoint_rotate", endpoint.pk), {"overlap": "24"})
    assert response.status_code == 200
    endpoint.refresh_from_db()
    new = endpoint.secret
    assert new != old and new in response.content.decode()
    assert old not in response.content.decode()
    window_end = endpoint.previous_secret_expires_at
    assert timedelta(hours=23) < window_end - timezone.now() <= timedelta(hours=24)

    signed_in.post(url("endpoint_test", endpoint.pk))
    headers, body = _received_after(endpoint, receiving, WebhookDelivery.objects.latest("pk"))
    assert len(headers["webhook-signature"].split()) == 2
    assert verify(old, headers, body) and verify(new, headers, body)

    # The window ends: the next message is signed with the new secret only.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    signed_in.post(url("endpoint_test", endpoint.pk))
    headers, body = _received_after(endpoint, receiving, WebhookDelivery.objects.latest("pk"))
    assert len(headers["webhook-signature"].split()) == 1
    assert verify(new, headers, body) and not verify(old, headers, body)
    assert AuditEvent.objects.filter(action="webhook.secret_rotated").count() == 1


def test_a_rotation_with_no_overlap_stops_the_old_secret_at_once(signed_in, owner):
    endpoint = endpoint_of(owner)
    old = endpoint.secret
    signed_in.post(url("endpoint_rotate", endpoint.pk), {"overlap": "0"})
    endpoint.refresh_from_db()
    assert endpoint.signing_secrets() == [endpoint.secret] and endpoint.secret != old


def test_send_test_reaches_this_endpoint_only(
    signed_in, owner, outsider, receiving, queued, django_capture_on_commit_callbacks
):
    endpoint = endpoint_of(owner, url=f"{receiving.url}/mine", events=["report.shared"])
    sibling = endpoint_of(owner, url=f"{receiving.url}/sibling")
    elsewhere = endpoint_of(outsider, url=f"{receiving.url}/theirs")

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url("endpoint_test", endpoint.pk))
    assert response.status_code == 302

    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.endpoint_id == endpoint.pk and queued == [delivery.pk]
    assert delivery.event.processed_at is not None  # no fan-out will ever take it
    process_event(delivery.event_id)
    headers, body = _received_after(endpoint, receiving, delivery)
    assert [r[0] for r in receiving.received] == ["/mine"]
    message = json.loads(body)
    assert message["type"] == "webhook.test"
    assert message["data"]["endpoint_id"] == endpoint.pk
    assert verify(endpoint.secret, headers, body)
    assert not sibling.deliveries.exists() and not elsewhere.deliveries.exists()
    page = signed_in.get(url("endpoint", endpoint.pk)).content.decode()
    assert "Test message" in page and delivery.msg_id in page


def test_a_test_to_a_disabled_endpoint_is_sent_once_and_leaves_it_as_it_was(
    signed_in, owner, settings, queued
):
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True
    endpoint = endpoint_of(owner, url="http://127.0.0.1:9/closed", active=False)
    signed_in.post(url("endpoint_test", endpoint.pk))
    delivery = WebhookDelivery.objects.get()
    deliver_webhook(delivery.pk)
    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (WebhookDelivery.State.FAILED, 1)
    assert (endpoint.active, endpoint.consecutive_failures) == (False, 0)


def test_retry_now_requeues_a_failed_delivery_once_and_it_is_then_delivered(
    signed_in, owner, receiving, queued, django_capture_on_commit_callbacks
):
    endpoint = endpoint_of(owner, url=f"{receiving.url}/back")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=Event.objects.create(
            type="webhook.test", processed_at=timezone.now(), actor_org=owner
        ),
        msg_id="msg_retry",
        event_type="webhook.test",
        state=WebhookDelivery.State.FAILED,
        attempts=10,
        last_error="connection refused",
    )
    page = signed_in.get(url("endpoint", endpoint.pk)).content.decode()
    assert "Retry now" in page and "connection refused" in page

    for _press in range(2):  # a double click
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(url("delivery_retry", endpoint.pk, delivery.pk))
        assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.PENDING
    assert delivery.next_attempt_at <= timezone.now()
    assert queued == [delivery.pk, delivery.pk]
    for pk in queued:  # both messages reach a worker: one attempt is made
        deliver_webhook(pk)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (WebhookDelivery.State.DELIVERED, 11)
    assert len(receiving.received) == 1

    # Delivered: nothing to retry.
    with django_capture_on_commit_callbacks(execute=True):
        signed_in.post(url("delivery_retry", endpoint.pk, delivery.pk))
    delivery.refresh_from_db()
    assert delivery.state == WebhookDelivery.State.DELIVERED and len(queued) == 2


def test_a_noc_address_is_confirmed_then_gets_the_event_mail_in_its_language(
    signed_in, client, owner, coparty, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(organization=coparty, role="admin", email="admin@coparty.example", language="en")
    NotificationSettings.objects.create(organization=coparty, email_enabled=True)
    coparty_admin = UserFactory(organization=coparty, role="admin", language="en")
    signed_in.force_login(coparty_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            url("address_add"), {"email": "NOC@Coparty.example", "language": "es"}
        )
    assert response.status_code == 302
    address = NotificationAddress.objects.get(organization=coparty)
    assert (address.email, address.language, address.confirmed_at) == (
        "noc@coparty.example",
        "es",
        None,
    )
    (confirmation,) = mailoutbox
    assert confirmation.to == ["noc@coparty.example"]
    assert "Confirme esta dirección" in confirmation.subject
    link = next(w for w in confirmation.body.split() if "/addresses/confirm/" in w)
    path = urlsplit(link).path

    # The mailbox's reader needs no account; opening the link only asks.
    client.logout()
    assert client.get(path).status_code == 200
    address.refresh_from_db()
    assert address.confirmed_at is None
    assert client.post(path).status_code == 200
    address.refresh_from_db()
    assert address.confirmed_at is not None

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        agreement = member_services.agreement_propose(
            actor=member_services.Actor(user=UserFactory(organization=owner, role="admin")),
            title="Live sports",
            parties=[coparty],
            categories=[],
            jurisdictions=[],
            max_tlp=2,
        )
    event = Event.objects.get(type="agreement.proposed", subject_ids=[agreement.pk])
    process_event(event.pk)
    admins = frozenset({"admin@coparty.example", coparty_admin.email})
    noc = frozenset({"noc@coparty.example"})
    by_recipient = {frozenset(m.to): m for m in mailoutbox}
    assert set(by_recipient) == {admins, noc}  # the mailbox never sees the admins' addresses
    with translation.override("es"):
        spanish = str(event.get_type_display())
    assert spanish in by_recipient[noc].subject
    assert spanish not in by_recipient[admins].subject


def test_an_unconfirmed_address_gets_nothing_and_a_bad_link_confirms_nothing(client, owner):
    address = NotificationAddress.objects.create(
        organization=owner, email="noc@owner.example", language="pt-br"
    )
    token = address_services.confirmation_token(address)
    assert client.post(url("address_confirm", token + "x")).status_code == 404
    assert client.post(url("address_confirm", "forged")).status_code == 404
    address.refresh_from_db()
    assert address.confirmed_at is None

    sent = []
    fanout.mail_organization(owner.pk, lambda: sent.append(1) or ("s", "b"))
    assert sent == []  # no admin, and the address is not confirmed: nobody is written to

    # Removed and added again: the old link does not confirm the new row.
    address.delete()
    NotificationAddress.objects.create(organization=owner, email="noc@owner.example", language="en")
    assert client.post(url("address_confirm", token)).status_code == 404


def test_an_admin_removes_an_address_and_cannot_add_one_twice(signed_in, owner):
    signed_in.post(url("address_add"), {"email": "noc@owner.example", "language": "en"})
    again = signed_in.post(url("address_add"), {"email": "NOC@owner.example", "language": "es"})
    assert again.status_code == 400 and "already on the list" in again.content.decode()
    address = NotificationAddress.objects.get()
    signed_in.post(url("address_remove", address.pk))
    assert not NotificationAddress.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"notification_address.added", "notification_address.removed"} <= actions
