"""STIX objects a member posts to a collection (or the hub polls from its TAXII server), and
the TAXII status resource (§4.3) that tells the client how the work went."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportJob(models.Model):
    """One envelope posted (or one page polled). The objects are kept on the row, so a worker
    or Redis restart loses nothing: the sweep re-enqueues what is still pending."""

    class Status(models.TextChoices):
        PENDING = "pending"
        COMPLETE = "complete"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        settings.ATALAYA_ORGANIZATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The collection posted to (None: the member's own sharing defaults, for a polled source).
    agreement = models.ForeignKey(
        "members.Agreement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.ForeignKey(
        "exchange.TaxiiSource", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    actor_user = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_key = models.ForeignKey(
        "members.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    objects_posted = models.JSONField(default=list)
    total_count = models.PositiveIntegerField(default=0)
    success_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    pending_count = models.PositiveIntegerField(default=0)
    # TAXII's status details: {"successes": [...], "failures": [...], "pendings": [...]}, each
    # item {"id", "version", "message"}.
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="import_job_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class ImportedObject(models.Model):
    """A STIX object version a member has already given the hub: posting or polling it again
    is a success that changes nothing (idempotent on member, id and `modified`)."""

    organization = models.ForeignKey(
        settings.ATALAYA_ORGANIZATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    stix_id = models.CharField(max_length=120)
    modified = models.CharField(max_length=40)
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "stix_id", "modified"], name="one_import_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.stix_id} {self.modified}"
