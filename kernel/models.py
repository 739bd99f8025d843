"""The kernel's one table: replayable responses to writes sent with an `Idempotency-Key`
(`kernel.api.idempotency`). Organisations are reached through the setting the shell fills in
(`ATALAYA_ORGANIZATION_MODEL`): the kernel names no app."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class IdempotencyRecord(models.Model):
    """The first response to a write sent with an `Idempotency-Key`, replayed to retries."""

    organization = models.ForeignKey(
        settings.ATALAYA_ORGANIZATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    # Hash of method, path and body: the same key with another request is refused, not replayed.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "key"], name="one_idempotent_response_per_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
