"""The webhook endpoints API's rotation, test and retry (notifications.api.webhooks): what the
portal does, for an integrator with an `admin` key; another organisation's key gets 404 and
changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from members.models import AuditEvent
from notifications.models import Event, WebhookDelivery, WebhookEndpoint
from notifications.webhooks import generate_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(owner) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=owner, url="https://hooks.example.net/in", secret=generate_secret()
    )


def test_an_integrator_rotates_the_secret_with_an_overlap_and_gets_the_new_one_once(
    owner_api, endpoint
):
    old = endpoint.secret
    response = owner_api.post(
        f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", {"overlap_hours": 2}, format="json"
    )
    assert response.status_code == 200, response.content
    endpoint.refresh_from_db()
    assert response.json()["secret"] == endpoint.secret != old
    assert endpoint.signing_secrets() == [endpoint.secret, old]
    assert endpoint.previous_secret_expires_at - timezone.now() <= timedelta(hours=2)
    shown = owner_api.get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    assert "secret" not in shown and shown["previous_secret_expires_at"]


def test_the_default_overlap_is_a_day_and_a_week_is_the_most(owner_api, endpoint):
    assert (
        owner_api.post(
            f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", {"overlap_hours": 169}, format="json"
        ).status_code
        == 400
    )
    owner_api.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", {}, format="json")
    endpoint.refresh_from_db()
    left = endpoint.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=23) < left <= timedelta(hours=24)


def test_an_integrator_sends_a_test_to_its_endpoint(owner_api, endpoint):
    response = owner_api.post(f"/api/v1/webhooks/{endpoint.pk}/test/")
    assert response.status_code == 202, response.content
    delivery = WebhookDelivery.objects.get()
    assert response.json()["msg_id"] == delivery.msg_id
    assert (delivery.endpoint_id, delivery.event_type) == (endpoint.pk, "webhook.test")


def test_retry_answers_202_for_a_failed_delivery_and_409_once_delivered(owner_api, endpoint):
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=Event.objects.create(type="webhook.test", processed_at=timezone.now()),
        msg_id="msg_api_retry",
        event_type="webhook.test",
        state=WebhookDelivery.State.FAILED,
    )
    path = f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/retry/"
    assert owner_api.post(path).status_code == 202
    assert WebhookDelivery.objects.get().state == "pending"
    WebhookDelivery.objects.update(state=WebhookDelivery.State.DELIVERED)
    assert owner_api.post(path).status_code == 409


def test_another_organisations_key_gets_404_and_changes_nothing(outsider_api, endpoint):
    secret = endpoint.secret
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=Event.objects.create(type="webhook.test", processed_at=timezone.now()),
        msg_id="msg_theirs",
        event_type="webhook.test",
        state=WebhookDelivery.State.FAILED,
    )
    base = f"/api/v1/webhooks/{endpoint.pk}"
    assert outsider_api.post(f"{base}/rotate-secret/", {}, format="json").status_code == 404
    assert outsider_api.post(f"{base}/test/").status_code == 404
    assert outsider_api.post(f"{base}/deliveries/{delivery.pk}/retry/").status_code == 404
    assert outsider_api.delete(f"{base}/").status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.secret == secret
    assert list(WebhookDelivery.objects.values_list("state", flat=True)) == ["failed"]


def test_a_delivery_of_another_endpoint_is_404_through_this_one(owner, owner_api, endpoint):
    other = WebhookEndpoint.objects.create(
        organization=owner, url="https://hooks.example.net/b", secret=generate_secret()
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=other,
        event=Event.objects.create(type="webhook.test", processed_at=timezone.now()),
        msg_id="msg_other",
        event_type="webhook.test",
        state=WebhookDelivery.State.FAILED,
    )
    path = f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/retry/"
    assert owner_api.post(path).status_code == 404


def test_deleting_through_the_api_is_audited(owner_api, endpoint):
    assert owner_api.delete(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 204
    assert AuditEvent.objects.filter(action="webhook.deleted", object_id=str(endpoint.pk)).exists()
