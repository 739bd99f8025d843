import logging

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an `Idempotency-Key`, replayed to retries."""

    organization = models.ForeignKey(
        "members.Organization", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    # Hash of method, path and body: the same key with another request is refused, not replayed.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="one_response_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"


class Event(models.Model):
    """The outbox: something members may need to be told about, written in the transaction of
    the change itself. Redis only carries "look at event N"; if the message is lost (broker
    down at commit, worker killed), the beat sweeper finds the row still unprocessed.

    It lives in `hub` because `members` (agreement events), `reports` (report events) and
    `enforcement` (blocking-order events) all write it, and `members` must not import
    `reports`. `reports.tasks.process_event` fans it out (`reports.notify`, with the handler
    `enforcement` registers for its own types).
    """

    class Type(models.TextChoices):
        REPORT_SHARED = "report.shared", _("A report was shared with you")
        REPORT_UPDATED = "report.updated", _("A report was updated")
        TARGET_CORROBORATED = "target.corroborated", _("Another member reported your target")
        AGREEMENT_PROPOSED = "agreement.proposed", _("Agreement proposed")
        AGREEMENT_SIGNED = "agreement.signed", _("Agreement signed")
        AGREEMENT_ACTIVE = "agreement.active", _("Agreement in force")
        AGREEMENT_SUSPENDED = "agreement.suspended", _("Agreement suspended")
        AGREEMENT_TERMINATED = "agreement.terminated", _("Agreement terminated")
        AGREEMENT_EXPIRING = "agreement.expiring", _("Agreement expiring soon")
        BLOCKING_ORDER_ISSUED = "blocking_order.issued", _("Blocking order issued")
        BLOCKING_ORDER_AMENDED = "blocking_order.amended", _("Blocking order amended")
        BLOCKING_ORDER_OVERDUE = "blocking_order.overdue", _("Blocking order overdue")
        BLOCKING_ORDER_LIFTED = "blocking_order.lifted", _("Blocking order lifted")
        # Not in the coalition specification's list (docs/contract.md, last section): an
        # issuer is told that a third party asked for an unblock.
        BLOCKING_ORDER_UNBLOCK_REQUESTED = (
            "blocking_order.unblock_requested",
            _("Unblock request received"),
        )

    type = models.CharField(max_length=40, choices=Type.choices)
    # The organisation whose action caused it: never told of its own action.
    actor_org = models.ForeignKey(
        "members.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    agreement = models.ForeignKey(
        "members.Agreement", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.BigIntegerField(null=True, blank=True)
    order = models.ForeignKey(
        "enforcement.BlockingOrder",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # What else the event's handler needs (e.g. which ISP an overdue order is about).
    data = models.JSONField(default=dict, blank=True)
    urgent = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(processed_at__isnull=True),
                name="event_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


def publish(
    *,
    type: str,
    actor_org=None,
    report_ids: list[int] | None = None,
    agreement=None,
    target_id: int | None = None,
    order=None,
    data: dict | None = None,
    urgent: bool = False,
) -> Event:
    """Writes the event row in the caller's transaction and asks a worker to process it once
    the transaction commits (robust: a broker error never undoes the committed change)."""
    from django.db import transaction

    event = Event.objects.create(
        type=type,
        actor_org=actor_org,
        report_ids=report_ids or [],
        agreement=agreement,
        target_id=target_id,
        order=order,
        data=data or {},
        urgent=urgent,
    )
    queue = event_queue(urgent=urgent, report_count=len(event.report_ids))
    transaction.on_commit(lambda: _enqueue(event.pk, queue), robust=True)
    return event


def event_queue(*, urgent: bool, report_count: int) -> str:
    """`urgent` for live events; `bulk` for a submission of several reports, so that one
    analyst's report does not wait behind a member's batches (a worker takes its queues in
    turn; BENCHMARKS.md, "Dedup to notify", under bulk ingest); `default` otherwise."""
    if urgent:
        return "urgent"
    return "bulk" if report_count > 1 else "default"


def _enqueue(event_id: int, queue: str) -> None:
    """Runs on commit, in the request: never waits for Redis. `retry=False` alone does not
    bound it (kombu still retries the connection for ~6 s); the broker transport options in
    settings (max_retries 0, short socket timeouts) make a down or hung Redis fail within about
    a second. The row is committed, so a failed send only delays it: the sweeper sends it."""
    from kombu.exceptions import OperationalError

    from hub.celery import app

    try:
        app.send_task("reports.tasks.process_event", args=[event_id], queue=queue, retry=False)
    except (OperationalError, OSError) as exc:
        log.warning("event %s left for the outbox sweeper: broker unavailable (%s)", event_id, exc)


class Visit(models.Model):
    """When a person last looked at their dashboard: "new since my last visit" starts there.
    Per person, not per organisation: a colleague's visit does not hide what I have not seen."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="visit"
    )
    dashboard_seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} saw the dashboard at {self.dashboard_seen_at:%Y-%m-%d %H:%M}"
