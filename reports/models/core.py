"""Reports of piracy operations, their indicators, and the hub-wide targets they point at."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kernel.vocabulary import TLP, Category
from members.models import Agreement, APIKey, Organization, User

from ..indicator_limits import MAX_NOTE_LENGTH
from ..indicators import KINDS
from ..querysets import ReportQuerySet

IndicatorKind = models.TextChoices("IndicatorKind", [(k.upper(), k) for k in KINDS])


class Cluster(models.Model):
    """Targets of one operation (mirrors, the same brand on many suffixes, a domain and its IP)."""

    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"cluster {self.pk}"


def target_uid(kind: str, value: str) -> uuid.UUID:
    """A target's public identifier: a function of its kind and value alone.

    Members never see the sequential primary key or the row's creation time: both would tell
    that someone reported the value before them, even in a report they may not see
    (docs/contract.md,
    derived data). A name-based identifier is the same in every world that has the value, so
    it says nothing beyond the value itself. Computed the same way in SQL by the migration that
    added it (reports 0006): the first 128 bits of SHA-256 over "atalaya-target:kind:value".
    """
    digest = hashlib.sha256(f"atalaya-target:{kind}:{value}".encode()).hexdigest()
    return uuid.UUID(digest[:32])


class Target(models.Model):
    """The canonical form of an indicator, unique hub-wide: where reports meet (deduplication).

    A target holds no report data: what a member learns about it (reports, counts, first and
    last seen, cluster, suggestions) is always computed through the access policy
    (`reports.selectors`). Its `uid` is the only identifier members see.
    """

    kind = models.CharField(max_length=20, choices=IndicatorKind.choices)
    value = models.CharField(max_length=2048)
    uid = models.UUIDField(unique=True, editable=False)
    # Internal only (never shown): when the hub first met the value, in whatever report.
    created_at = models.DateTimeField(default=timezone.now)
    # Keys under which targets meet for automatic cluster links (reports.clustering).
    registrable = models.CharField(max_length=253, blank=True, default="")
    brand = models.CharField(max_length=253, blank=True, default="")
    # Keys for suggestions only (numbered families, look-alikes): a member confirms or dismisses.
    family = models.CharField(max_length=253, blank=True, default="")
    lookalike = models.CharField(max_length=253, blank=True, default="")
    # Set when the value is on the hub-wide warning list (never merged on, never a key).
    warning = models.CharField(max_length=200, blank=True, default="")
    cluster = models.ForeignKey(
        Cluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="one_target_per_value"),
        ]
        # (key, id): deduplication reads the oldest targets of a key (reports.dedup._oldest).
        indexes = [
            models.Index(
                fields=["registrable", "id"],
                condition=~models.Q(registrable=""),
                name="target_registrable_id",
            ),
            models.Index(
                fields=["brand", "id"], condition=~models.Q(brand=""), name="target_brand_id"
            ),
            models.Index(
                fields=["family", "id"], condition=~models.Q(family=""), name="target_family_id"
            ),
            models.Index(
                fields=["lookalike", "id"],
                condition=~models.Q(lookalike=""),
                name="target_lookalike_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    def save(self, *args, **kwargs):
        if self.uid is None:
            self.uid = target_uid(self.kind, self.value)
        super().save(*args, **kwargs)


class TargetLink(models.Model):
    """Why two targets are in the same hub-wide cluster.

    Hub-wide clusters are the hub's own bookkeeping, never shown as such: they bound the search
    for what one reader sees (`reports.selectors.reader_cluster`), which is rebuilt from the
    reports that reader may see. Only confirmed suggestions are shown from these rows."""

    class Reason(models.TextChoices):
        SAME_REGISTRABLE_DOMAIN = "same_registrable_domain", _("Same registrable domain")
        SAME_BRAND = "same_brand", _("Same brand on another suffix")
        CO_REPORTED = "co_reported", _("Reported together")
        # Suggestions a member confirmed (ClusterSuggestion).
        NUMBERED_FAMILY = "numbered_family", _("Numbered family (confirmed by a member)")
        LOOKALIKE = "lookalike", _("Look-alike name (confirmed by a member)")

    source = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="links_in")
    reason = models.CharField(max_length=30, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "reason"], name="one_link_per_reason"
            ),
            models.CheckConstraint(
                condition=models.Q(source__lt=models.F("target")), name="link_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}-{self.target_id} ({self.reason})"


class ClusterSuggestion(models.Model):
    """Two targets that may belong to one operation (a numbered family, a look-alike name): not
    merged until a member confirms; a dismissal is remembered so it is not suggested again."""

    class Reason(models.TextChoices):
        NUMBERED_FAMILY = "numbered_family", _("Numbered family")
        LOOKALIKE = "lookalike", _("Look-alike name")

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("suggestion state", "Open")
        CONFIRMED = "confirmed", pgettext_lazy("suggestion state", "Confirmed")
        DISMISSED = "dismissed", pgettext_lazy("suggestion state", "Dismissed")

    source = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="suggestions_out")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="suggestions_in")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    decided_by = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "reason"], name="one_suggestion"),
            models.CheckConstraint(
                condition=models.Q(source__lt=models.F("target")), name="suggestion_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id}-{self.target_id} ({self.reason}, {self.state})"


class Report(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("report status", "Open")
        ACTIONED = "actioned", pgettext_lazy("report status", "Actioned")
        RESOLVED = "resolved", pgettext_lazy("report status", "Resolved")
        WITHDRAWN = "withdrawn", pgettext_lazy("report status", "Withdrawn")

    class Sharing(models.TextChoices):
        AGREEMENTS = "agreements", _("Under our agreements")
        PRIVATE = "private", _("Private to my organisation")

    owner = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="reports")
    category = models.CharField(max_length=20, choices=Category.choices)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    tlp = models.PositiveSmallIntegerField(choices=TLP.choices, default=TLP.AMBER)
    # ISO 3166-1 alpha-2 codes of the countries concerned; empty means global.
    jurisdictions = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    sharing = models.CharField(max_length=12, choices=Sharing.choices, default=Sharing.AGREEMENTS)
    # For TLP:RED: the organisations named to receive it.
    recipients = models.ManyToManyField(Organization, blank=True, related_name="+")
    # When not empty, the report is shared only under these agreements.
    restricted_to = models.ManyToManyField(Agreement, blank=True, related_name="+")
    live_from = models.DateTimeField(null=True, blank=True)
    live_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Deduplication: null until the worker linked every indicator to its target.
    linked_at = models.DateTimeField(null=True, blank=True)
    # A re-submission by the same member of the same targets in the same category while the
    # first is open points at the first one.
    # The STIX `report` object's id (report--<uuid>), stable across exports (reports/stix). The
    # database default covers rows written by COPY (the bulk fast path) and existing rows.
    stix_id = models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"]),
            models.Index(fields=["tlp", "sharing"]),
            models.Index(fields=["category", "-id"]),
            models.Index(fields=["status", "-id"]),
            models.Index(fields=["updated_at"]),
            GinIndex(fields=["jurisdictions"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(linked_at__isnull=True),
                name="report_unlinked",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(live_from__isnull=True)
                | models.Q(live_until__isnull=True)
                | models.Q(live_until__gte=models.F("live_from")),
                name="report_live_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def tlp_label(self) -> str:
        return TLP(self.tlp).label

    @property
    def linking(self) -> str:
        return "done" if self.linked_at else "pending"

    @property
    def is_urgent(self) -> bool:
        """A live-event report is urgent until its window ends."""
        if self.live_from is None and self.live_until is None:
            return False
        return self.live_until is None or self.live_until >= timezone.now()


class Indicator(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=IndicatorKind.choices)
    raw_value = models.CharField(max_length=8192)
    value = models.CharField(max_length=2048)
    # The reporter's word on this one indicator ("backup stream, HD"); shown with the report.
    # A database default too, so that COPYs naming only the older columns (bench/) still work.
    note = models.CharField(max_length=MAX_NOTE_LENGTH, blank=True, default="", db_default="")
    # Linked by the deduplication task once the report is committed.
    target = models.ForeignKey(
        Target, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators"
    )
    # The STIX `indicator` object's id (indicator--<uuid>), stable across exports.
    stix_id = models.UUIDField(
        default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )
    # The uuid of its STIX observable (`reports.stix.export.sco_id`, UUIDv5 of the value), so
    # that a TAXII request naming an observable finds its reports by index. Written by a
    # trigger on every insert (COPY included) and change of `value` (reports 0010); null
    # only on an unsaved instance.
    sco_id = models.UUIDField(null=True, editable=False, db_index=True)

    class Meta:
        ordering = ["report", "position"]
        indexes = [
            models.Index(fields=["kind", "value"]),
            models.Index(fields=["target", "report"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def _evidence_path(instance: Evidence, filename: str) -> str:
    # Stored under the content hash, never the uploader's file name (no path tricks, no leaks).
    return f"evidence/{instance.report_id}/{instance.sha256}"


class Evidence(models.Model):
    """A file supporting a report (screenshot, capture, invoice). Shown to other members only
    where an agreement through which they see the report shares evidence (docs/contract.md)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=_evidence_path, max_length=300)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploaded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "sha256"], name="evidence_once_per_report"),
        ]

    def __str__(self) -> str:
        return self.name
