"""TAXII's `date_added`, per reader and collection (docs/taxii.md, "Server").

The policy decides at read time what a reader may see; this table only remembers since when
the hub has known that the reader sees each version of a report, so that a report that becomes
visible later (an agreement signed, a recipient added) or changes (withdrawn) gets a fresh
`date_added`, and a client syncing with `added_after` receives it. A row never makes a report
visible: every read joins it with `Report.objects.visible_to(reader)`."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CollectionEntry(models.Model):
    reader = models.ForeignKey(
        settings.ATALAYA_ORGANIZATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # None: the reader's `visible` collection; else the agreement collection.
    agreement = models.ForeignKey(
        "members.Agreement", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="+")
    # The report's `updated_at` (its STIX `modified`) when the entry was allocated.
    version = models.DateTimeField()
    # Whether the reader was told the reporter then (the objects served depend on it).
    identity_disclosed = models.BooleanField(default=False)
    date_added = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reader", "agreement", "report"],
                nulls_distinct=False,
                name="one_entry_per_collection_report",
            ),
            models.UniqueConstraint(
                fields=["reader", "agreement", "date_added"],
                nulls_distinct=False,
                name="date_added_strictly_increasing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} for {self.reader_id} at {self.date_added.isoformat()}"
