"""A member's own TAXII 2.1 server the hub polls as that member (docs/stix-taxii.md)."""

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
    created_by = models.ForeignKey(
        "members.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["enabled", "last_polled_at"])]

    def __str__(self) -> str:
        return self.title
