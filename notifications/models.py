"""What members are told: the outbox of events, their inbox, their subscriptions, their webhook
endpoints and deliveries.

Organisations are reached through `settings.ATALAYA_ORGANIZATION_MODEL` (as Django's own apps
reach the user model through AUTH_USER_MODEL): this app sits below `members` and names no model
of an app above it. What an event is about (reports, an agreement, an order) is a list of ids
whose meaning the event type's app knows (`registry`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.vocabulary import Category

from . import registry

ORGANIZATION = settings.ATALAYA_ORGANIZATION_MODEL


class Event(models.Model):
    """The outbox: something members may need to be told about, written in the transaction of
    the change itself (`outbox.publish`). Redis only carries "look at event N"; if the message
    is lost (broker down at commit, worker killed), the beat sweeper finds the row still
    unprocessed. Any app may publish; the app that registered the type decides who hears it."""

    type = models.CharField(max_length=40)
    # The organisation whose action caused it: never told of its own action.
    actor_org = models.ForeignKey(
        ORGANIZATION, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What it is about, by id: the reports of a submission, the agreement, the order.
    subject_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # What else the type's handler needs (e.g. which ISP an overdue order is about).
    data = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(processed_at__isnull=True),
                name="event_pending",
            ),
            # Events about one subject (an order's history, a report's): GIN on the ids.
            GinIndex(fields=["subject_ids"], name="event_subjects"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def subject_id(self) -> int | None:
        """The one subject of an event about one thing (an agreement, an order)."""
        return self.subject_ids[0] if len(self.subject_ids) == 1 else None

    def get_type_display(self) -> str:
        return registry.label(self.type)

    @property
    def subject(self) -> str:
        """What `subject_ids` are ids of ("report", "agreement", "order")."""
        return registry.kind(self.type).subject


class NotificationSettings(models.Model):
    """An organisation's subscription: which report events it wants, and how."""

    class Digest(models.TextChoices):
        IMMEDIATE = "immediate", _("At once")
        HOURLY = "hourly", _("Hourly digest")
        DAILY = "daily", _("Daily digest")

    organization = models.OneToOneField(
        ORGANIZATION, on_delete=models.CASCADE, related_name="notification_settings"
    )
    # Empty means all. Filters report events; agreement events always reach the parties.
    categories = ArrayField(
        models.CharField(max_length=20, choices=Category.choices), default=list, blank=True
    )
    jurisdictions = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    urgent_only = models.BooleanField(default=False)
    email_enabled = models.BooleanField(default=False)
    email_digest = models.CharField(max_length=10, choices=Digest.choices, default=Digest.IMMEDIATE)
    email_last_digest_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"notification settings of {self.organization}"


class Notification(models.Model):
    """One inbox item: an event, for one organisation, about one subject (or none)."""

    organization = models.ForeignKey(
        ORGANIZATION, on_delete=models.CASCADE, related_name="notifications"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    # The subject this item is about (a report id for report events), or None: one item per
    # subject, so the inbox can drop those the organisation may no longer see.
    subject_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Processing an event twice never tells anyone twice.
            models.UniqueConstraint(
                fields=["organization", "event", "subject_id"],
                name="one_notification_per_event_subject",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["organization", "-id"])]

    def __str__(self) -> str:
        return f"{self.event} for {self.organization}"


class WebhookEndpoint(models.Model):
    organization = models.ForeignKey(
        ORGANIZATION, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = ArrayField(models.CharField(max_length=40), default=list, blank=True)  # [] = all
    # Standard Webhooks secret (whsec_...). Needed in clear to sign; shown once at creation
    # and at each rotation.
    secret = models.CharField(max_length=100)
    # The secret before the last rotation: it signs too until `previous_secret_expires_at`, so a
    # receiver that has not yet switched keeps accepting (Standard Webhooks: one `v1,`
    # signature per secret).
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events

    def signing_secrets(self, now=None) -> list[str]:
        """The secrets a message is signed with now: the current one, and the previous one
        while its overlap window lasts."""
        now = now or timezone.now()
        secrets = [self.secret]
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and now < expires:
            secrets.append(self.previous_secret)
        return secrets


# The type of a test message an admin sends to one endpoint (`services.webhook_endpoint_test`).
# No app registers it: its event is written already processed, so no fan-out ever sees it, and
# its body is the hub's own (`fanout.payload_for`).
TEST_EVENT = "webhook.test"


class WebhookDelivery(models.Model):
    """One message to one endpoint, with its attempts. `msg_id` is the `webhook-id` header:
    the same on every retry, so the receiver can drop duplicates."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("webhook delivery state", "Pending")
        SENDING = "sending", pgettext_lazy("webhook delivery state", "Sending")
        DELIVERED = "delivered", pgettext_lazy("webhook delivery state", "Delivered")
        FAILED = "failed", pgettext_lazy("webhook delivery state", "Failed")
        CANCELLED = "cancelled", pgettext_lazy("webhook delivery state", "Cancelled")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    msg_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=40)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    urgent = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # While SENDING: a worker holds it until then; past it, the sweeper may take it back.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    last_response = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="one_delivery_per_endpoint_event"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["pending", "sending"]),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} -> {self.endpoint_id} ({self.state})"


class NotificationAddress(models.Model):
    """A mailbox that receives the organisation's notification e-mail besides its admins (a NOC,
    a shared inbox), in its own language. It receives nothing until someone reading it has
    followed the confirmation link: an admin's typo, or an address that is not theirs, never
    gets the hub's mail."""

    organization = models.ForeignKey(
        ORGANIZATION, on_delete=models.CASCADE, related_name="notification_addresses"
    )
    email = models.EmailField(_("E-mail address"), max_length=254)
    language = models.CharField(_("Language of the e-mail"), max_length=10)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], name="one_notification_address_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def time_zone(self) -> str:
        # A mailbox has no zone of its own: its e-mail names its dates in UTC (kernel.mail).
        return ""
