"""One attempt at a webhook delivery: claim it, build the body as of now, sign, send, and
record what happened (retry later, delivered, failed, endpoint disabled). The task
`tasks.deliver_webhook` only calls `attempt` and schedules the retry it returns."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kernel.mail import subject_line

from . import fanout, webhooks
from .models import TEST_EVENT, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

# A delivery being sent is held this long (above deliver_webhook's hard time limit); a worker
# killed mid-send lets it go after that.
CLAIM = timedelta(seconds=45)
# Endpoints are disabled after this many deliveries in a row failed for good.
MAX_CONSECUTIVE_FAILURES = 5
# Why an endpoint was disabled (kept on it in English, e-mailed in each admin's language).
GONE = gettext_noop("the receiver answered 410 Gone")
FAILED_IN_A_ROW = gettext_noop("%(count)s deliveries in a row failed")


def claimable(now):
    """Deliveries a worker may take: due and pending, or held by a worker that died."""
    return Q(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now) | Q(
        state=WebhookDelivery.State.SENDING, claimed_until__lt=now
    )


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(claimable(now), pk=delivery_id).update(
        state=WebhookDelivery.State.SENDING, claimed_until=now + CLAIM
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint__organization", "event").get(
        pk=delivery_id
    )


def attempt(delivery_id: int) -> float | None:
    """Sends the delivery once if it is due and nobody holds it. Returns the delay before the
    next attempt when one is scheduled, else None (delivered, failed for good, cancelled, or
    not this worker's to send)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None  # delivered, not due yet, or another worker holds it
    endpoint = delivery.endpoint
    # A test is sent once, even to a disabled endpoint (to check a receiver before enabling it
    # again), and its outcome leaves the endpoint's failure count and state alone.
    probe = delivery.event_type == TEST_EVENT
    payload = fanout.payload_for(delivery) if endpoint.active or probe else None
    if payload is None:
        _finish(
            delivery, WebhookDelivery.State.CANCELLED, error="no longer visible or endpoint off"
        )
        return None
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    try:
        headers = webhooks.build_headers(
            endpoint.signing_secrets(), delivery.msg_id, int(time.time()), body
        )
    except ValueError as e:
        # A secret that cannot sign will not start to: say why in the log rather than retry.
        _finish(delivery, WebhookDelivery.State.FAILED, error=f"cannot sign: {e}")
        return None
    # allow_private is left to deliver(): it reads WEBHOOK_ALLOW_PRIVATE_DESTINATIONS and only
    # a real True (never a truthy string from a mis-parsed variable) opens private ranges.
    result = webhooks.deliver(endpoint.url, body, headers)
    delivery.attempts += 1
    delivery.last_status_code = result.status_code
    delivery.last_error = result.error[:500]
    delivery.last_response = result.response_excerpt
    if result.ok:
        _finish(delivery, WebhookDelivery.State.DELIVERED)
        if not probe:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        return None
    if result.gone:
        _finish(delivery, WebhookDelivery.State.FAILED)
        if not probe:
            _disable(endpoint, GONE)
        return None
    delay = (
        None
        if result.refused or probe  # a refused destination will not become allowed
        else webhooks.next_attempt_delay(delivery.attempts, retry_after=result.retry_after)
    )
    if delay is None:
        _finish(delivery, WebhookDelivery.State.FAILED)
        if probe:
            return None
        failures = endpoint.consecutive_failures + 1
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=failures)
        if failures >= MAX_CONSECUTIVE_FAILURES:
            _disable(endpoint, FAILED_IN_A_ROW, count=failures)
        return None
    delivery.state = WebhookDelivery.State.PENDING
    delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    delivery.claimed_until = None
    delivery.save()
    return delay


def _finish(delivery: WebhookDelivery, state: str, error: str = "") -> None:
    delivery.state = state
    delivery.claimed_until = None
    if error:
        delivery.last_error = error
    if state == WebhookDelivery.State.DELIVERED:
        delivery.delivered_at = timezone.now()
    delivery.save()


def _disable(endpoint: WebhookEndpoint, reason: str, **params: object) -> None:
    """`reason` is marked with gettext_noop: the endpoint keeps it in English (the API's
    language); each admin reads it in their own in the e-mail."""
    english = reason % params
    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, active=True).update(
        active=False, disabled_reason=english[:200]
    )
    if updated:
        log.warning("webhook endpoint %s disabled: %s", endpoint.pk, english)

        def compose() -> tuple[str, str]:
            return subject_line(_("A webhook endpoint was disabled")), _(
                "Your endpoint %(url)s was disabled: %(reason)s.\n"
                "Fix the receiver, then enable it again on the organisation's Webhooks page "
                "or in the API (PATCH active=true)."
            ) % {"url": endpoint.url, "reason": _(reason) % params}

        fanout.mail_organization(endpoint.organization_id, compose)
