"""Blocking orders: what an authority orders blocked, for which ISPs, until when; how each ISP
answers; the hub-wide protected list; third parties' unblock requests.

Every change that alters what is in force is a timestamp (issued_at, added_at, lifted_at,
ends_at), never an overwrite, so the set of entries in force at any moment can be rebuilt:
that is what the blocklist deltas (`?since=`) and the feed versions (ETag) are made of.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from members.models import APIKey, Organization, User
from reports.models import Report

from .querysets import BlockingOrderQuerySet, OrderTargetQuerySet


class TargetKind(models.TextChoices):
    DOMAIN = "domain"
    URL = "url"
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    CIDR = "cidr"


class BlockingOrder(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("blocking order status", "In the grace window")
        IN_FORCE = "in_force", pgettext_lazy("blocking order status", "In force")
        LIFTED = "lifted", pgettext_lazy("blocking order status", "Lifted")
        EXPIRED = "expired", pgettext_lazy("blocking order status", "Expired")
        WITHDRAWN = "withdrawn", pgettext_lazy("blocking order status", "Withdrawn")

    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(max_length=100)
    legal_basis = models.TextField()
    country = CountryField()
    deadline = models.DateTimeField()
    # As given by the issuer; None means "until lifted", bounded by the lapse period.
    valid_until = models.DateTimeField(null=True, blank=True)
    # When ISPs are told and the order takes effect: creation plus the grace window.
    issued_at = models.DateTimeField()
    # The effective end: valid_until, or issued_at plus the lapse period (moved by renewals).
    ends_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The latest moment one of its entries was added or lifted (part of the feed version).
    changed_at = models.DateTimeField()
    confidential = models.BooleanField(default=False)
    override_protected = models.BooleanField(default=False)
    justification = models.TextField(blank=True, default="")
    reports = models.ManyToManyField(Report, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Outbox bookkeeping: the issued / ended events were published (durable, re-tried by beat).
    announced_at = models.DateTimeField(null=True, blank=True)
    end_announced_at = models.DateTimeField(null=True, blank=True)

    objects = BlockingOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "reference"], name="one_order_per_reference"),
        ]
        indexes = [
            models.Index(fields=["issuer", "-issued_at"]),
            models.Index(
                fields=["issued_at"],
                condition=models.Q(announced_at__isnull=True, withdrawn_at__isnull=True),
                name="order_unannounced",
            ),
            models.Index(
                fields=["ends_at"],
                condition=models.Q(end_announced_at__isnull=True, withdrawn_at__isnull=True),
                name="order_end_unannounced",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def status_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.withdrawn_at is not None:
            return self.Status.WITHDRAWN
        if self.lifted_at is not None and self.lifted_at <= now:
            return self.Status.LIFTED
        if self.ends_at <= now:
            return self.Status.EXPIRED
        if self.issued_at > now:
            return self.Status.PENDING
        return self.Status.IN_FORCE

    @property
    def status(self) -> str:
        return self.status_at()


class OrderTarget(models.Model):
    """One thing an order blocks. Lifting sets `lifted_at`; the row stays, for the register,
    the deltas and the figures."""

    order = models.ForeignKey(BlockingOrder, on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    value = models.CharField(max_length=2048)
    added_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    # The protected-list entry it overrode (with the order's justification), if any.
    protected_match = models.CharField(max_length=300, blank=True, default="")
    # What the issuer was warned of when it added the target (shared hosting, free-hosting parent).
    warnings = models.JSONField(default=list, blank=True)

    objects = OrderTargetQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            # Once lifted, a value may be added again as a new row; the lifted one stays.
            models.UniqueConstraint(
                fields=["order", "kind", "value"],
                condition=models.Q(lifted_at__isnull=True),
                name="one_live_entry_per_value",
            ),
        ]
        indexes = [
            # The transparency search looks names up by exact value, and URLs by prefix
            # (`LIKE 'https://host/%'`): pattern ops serve both under any collation.
            models.Index(
                fields=["value"], name="order_target_value", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class Compliance(models.Model):
    """One addressed ISP's answer to an order; `steps` keeps every step with its time."""

    class State(models.TextChoices):
        NOTIFIED = "notified", pgettext_lazy("an ISP's answer", "Notified")
        ACKNOWLEDGED = "acknowledged", pgettext_lazy("an ISP's answer", "Acknowledged")
        IMPLEMENTED = "implemented", pgettext_lazy("an ISP's answer", "Implemented")
        REJECTED = "rejected", pgettext_lazy("an ISP's answer", "Rejected")
        # Every target in force has an answer of its own and at least one is impossible
        # (TargetAnswer): done for the ISP, as an implemented or rejected order is.
        PER_TARGET = "per_target", pgettext_lazy("an ISP's answer", "Answered per target")

    class Reason(models.TextChoices):
        ALREADY_BLOCKED = "already_blocked", _("Already blocked")
        NOT_POSSIBLE = "not_technically_possible", _("Not technically possible")
        OTHER = "other", _("Other")

    order = models.ForeignKey(BlockingOrder, on_delete=models.CASCADE, related_name="compliance")
    isp = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=15, choices=State.choices, default=State.NOTIFIED)
    notified_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    implemented_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True, default="")
    reason_detail = models.TextField(blank=True, default="")
    # The overdue event was published for the current round (reset by an amendment).
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["isp__slug"]
        constraints = [
            models.UniqueConstraint(fields=["order", "isp"], name="one_answer_per_isp"),
        ]
        indexes = [
            models.Index(fields=["isp", "order"]),
            models.Index(
                fields=["order"],
                condition=models.Q(state__in=["notified", "acknowledged"], overdue_at__isnull=True),
                name="compliance_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.isp} on {self.order}: {self.state}"


class TargetAnswer(models.Model):
    """An addressed ISP's answer about one target of an order: blocked, or impossible for it
    and why ("URL blocking not supported on our DNS resolver"). The current answer; each
    change is a `ComplianceStep` naming the target. Confirming the whole order answers every
    target implemented."""

    class State(models.TextChoices):
        IMPLEMENTED = "implemented", pgettext_lazy("an ISP's answer about a target", "Blocked")
        IMPOSSIBLE = "impossible", pgettext_lazy("an ISP's answer about a target", "Impossible")

    class Reason(models.TextChoices):
        NOT_POSSIBLE = "not_technically_possible", _("Not technically possible")
        SHARED_ADDRESS = "shared_address", _("Shared address (would block other sites)")
        OTHER = "other", _("Other")

    compliance = models.ForeignKey(
        Compliance, on_delete=models.CASCADE, related_name="target_answers"
    )
    target = models.ForeignKey(OrderTarget, on_delete=models.CASCADE, related_name="answers")
    state = models.CharField(max_length=15, choices=State.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    answered_at = models.DateTimeField()
    by_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["compliance", "target"], name="one_answer_per_target"),
        ]
        indexes = [models.Index(fields=["target"], name="target_answer_target")]

    def __str__(self) -> str:
        return f"{self.compliance.isp} on {self.target}: {self.state}"


class ComplianceStep(models.Model):
    """The timestamped history of an ISP's answers (and of the hub re-notifying it). A step
    naming a `target` is an answer about that target alone (`TargetAnswer.State`)."""

    compliance = models.ForeignKey(Compliance, on_delete=models.CASCADE, related_name="steps")
    state = models.CharField(
        max_length=15,
        choices=[*Compliance.State.choices, TargetAnswer.State.choices[1]],
    )
    target = models.ForeignKey(
        OrderTarget, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=30, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    by_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.state} at {self.at:%Y-%m-%d %H:%M}"


class OrderRenewal(models.Model):
    order = models.ForeignKey(BlockingOrder, on_delete=models.CASCADE, related_name="renewals")
    renewed_at = models.DateTimeField(default=timezone.now)
    previous_end = models.DateTimeField()
    new_end = models.DateTimeField()
    note = models.TextField(blank=True, default="")
    by_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["renewed_at"]

    def __str__(self) -> str:
        return f"{self.order} renewed to {self.new_end:%Y-%m-%d}"


class ProtectedEntry(models.Model):
    """Hub-wide: names and networks no order may include without an explicit, justified
    override (shared CDN addresses, major platforms). Maintained by the secretariat."""

    class Kind(models.TextChoices):
        DOMAIN = "domain", _("Domain")
        NETWORK = "network", _("Network")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A domain (A-labels, no trailing dot) or a CIDR network (IPv4 or IPv6).
    value = models.CharField(max_length=253)
    # For domains: the entry also covers every name under it.
    include_subdomains = models.BooleanField(default=True)
    provider = models.CharField(max_length=100)
    note = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["provider", "kind", "value"]
        verbose_name_plural = _("protected entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="one_protected_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.value} ({self.provider})"


class UnblockRequest(models.Model):
    """A third party (a site owner, a host) asks for a name to be unblocked. Sent from the
    public form; routed to the issuer of every order in force that covers the name: at once
    for the orders in the register, by the sweeper for confidential ones (enforcement.unblock).

    The requester follows it by `reference`, random so that it says nothing of how many
    requests there are, with a token derived from it (never stored); the primary key is
    never shown to them."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("unblock request status", "Open")
        UPHELD = "upheld", pgettext_lazy("unblock request status", "Upheld (unblocked)")
        DISMISSED = "dismissed", pgettext_lazy("unblock request status", "Dismissed")

    value = models.CharField(max_length=2048)  # the name or URL, normalised
    kind = models.CharField(max_length=10, choices=TargetKind.choices)
    requester_name = models.CharField(max_length=200)
    requester_email = models.EmailField()
    requester_organization = models.CharField(max_length=200, blank=True, default="")
    relation = models.CharField(max_length=100, blank=True, default="")
    message = models.TextField()
    # The language of the page the request was filed from: the requester's e-mails use it.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    created_at = models.DateTimeField(default=timezone.now)
    reference = models.CharField(max_length=16, unique=True)
    # When the confidential orders that cover the name were looked for (None: not yet).
    routed_at = models.DateTimeField(null=True, blank=True)
    orders = models.ManyToManyField(BlockingOrder, through="UnblockReview", related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"unblock {self.value}"


class UnblockReview(models.Model):
    """One issuer's answer to an unblock request about one of its orders."""

    request = models.ForeignKey(UnblockRequest, on_delete=models.CASCADE, related_name="reviews")
    order = models.ForeignKey(
        BlockingOrder, on_delete=models.CASCADE, related_name="unblock_reviews"
    )
    status = models.CharField(
        max_length=10, choices=UnblockRequest.Status.choices, default=UnblockRequest.Status.OPEN
    )
    answer_due = models.DateTimeField()
    answer = models.TextField(blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_by_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Later requests from the same address about the same name, filed while this review was
    # open: no second review is opened for them; their status page follows this one.
    repeated_by = models.ManyToManyField(
        UnblockRequest, blank=True, related_name="repeated_reviews"
    )

    class Meta:
        ordering = ["answer_due"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="one_review_per_order"),
        ]

    def __str__(self) -> str:
        return f"{self.request} / {self.order}: {self.status}"


class BlocklistSerial(models.Model):
    """The SOA serial last served to an ISP for a blocklist version. Derived from the version's
    time (seconds), but never repeated for a new version: two changes within one second must
    still give the resolver a higher serial, or it would keep the older zone."""

    isp = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="+")
    version = models.DateTimeField()
    serial = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.isp}: {self.serial}"
