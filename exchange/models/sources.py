"""A member's own TAXII 2.1 server the hub polls as that member (docs/taxii.md, "Polling a
member's TAXII server")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class TaxiiSource(models.Model):
    organization = models.ForeignKey(
        settings.ATALAYA_ORGANIZATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200)
    # The API root's URL, ending in "/", and the collection's id under it.
    api_root_url = models.URLField(max_length=500)
    collection_id = models.CharField(max_length=100)
    username = models.CharField(max_length=200, blank=True, default="")
    # The password or token, encrypted at rest (exchange.secrets); never shown back.
    secret_encrypted = models.TextField(blank=True, default="")
    # Imported reports are shared under this agreement (None: under all the member's agreements).
    agreement = models.ForeignKey(
        "members.Agreement", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    interval_minutes = models.PositiveIntegerField(default=15)
    enabled = models.BooleanField(default=True)
    # The X-TAXII-Date-Added-Last of the last page imported: the next poll's `added_after`.
    added_after = models.CharField(max_length=40, blank=True, default="")
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Polls that failed in a row, and when the next poll is due (None: at once). A failing
    # source waits longer after each failure (exchange.sources.backoff), so a server that is
    # down or refuses the credentials is not hammered every interval.
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    # Who last saved the source: the poll acts with this person's (or key's) authority, and
    # stops when the person is no longer an active admin or the key no longer usable.
    created_by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_key = models.ForeignKey(
        "members.APIKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["enabled", "last_polled_at"]),
            models.Index(
                fields=["next_poll_at"], condition=models.Q(enabled=True), name="source_due"
            ),
        ]

    def __str__(self) -> str:
        return self.title
