"""Member organisations, their people and their API keys."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django_countries.fields import CountryField

from hub.vocabulary import AGREEMENT_TLPS, TLP, Category

from .querysets import AgreementQuerySet, APIKeyQuerySet, OrganizationQuerySet, UserManager


class Organization(models.Model):
    class Kind(models.TextChoices):
        RIGHTSHOLDER = "rightsholder", "Rightsholder"
        INDUSTRY_GROUP = "industry_group", "Industry group"
        TELCO = "telco", "Telco / ISP"
        REGULATOR = "regulator", "Regulator"
        LAW_ENFORCEMENT = "law_enforcement", "Law enforcement"
        INTERMEDIARY = "intermediary", "Intermediary"

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    country = CountryField()
    is_suspended = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        indexes = [models.Index(fields=["kind", "country"])]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Members belong to exactly one organisation with a role; hub staff
    (the secretariat) are `is_staff` and belong to none."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Org admin"
        ANALYST = "analyst", "Analyst"
        VIEWER = "viewer", "Viewer"

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.VIEWER)
    # Empty: the browser's language; the hub's time zone (settings.TIME_ZONE).
    language = models.CharField(max_length=10, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(organization__isnull=False) | models.Q(is_staff=True),
                name="user_member_or_staff",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_org_admin(self) -> bool:
        return self.organization_id is not None and self.role == self.Role.ADMIN

    @property
    def scopes(self) -> frozenset[str]:
        """What a signed-in person may do through the API, mirroring the key scopes."""
        if self.organization_id is None:
            return frozenset()
        return ROLE_SCOPES[self.role]


class Scope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    ADMIN = "admin", "Admin"


ROLE_SCOPES: dict[str, frozenset[str]] = {
    User.Role.VIEWER: frozenset({Scope.READ}),
    User.Role.ANALYST: frozenset({Scope.READ, Scope.WRITE}),
    User.Role.ADMIN: frozenset({Scope.READ, Scope.WRITE, Scope.ADMIN}),
}

API_KEY_PREFIX = "ata_"


def hash_api_key(plain: str) -> str:
    """SHA-256 of the whole key. Keys carry 256 bits of randomness, so a fast hash is safe
    here (no dictionary to attack) and keeps authentication cheap on every request."""
    return hashlib.sha256(plain.encode()).hexdigest()


class APIKey(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    # The first characters of the key, shown in lists so people can recognise a key.
    prefix = models.CharField(max_length=16)
    hashed_key = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = APIKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class AuditEvent(models.Model):
    """Who did what, when. Services write one row per state change."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_key = models.ForeignKey(
        APIKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Agreement(models.Model):
    """An MOU between two or more members saying what they share with each other."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        TERMINATED = "terminated", "Terminated"
        EXPIRED = "expired", "Expired"

    title = models.CharField(max_length=200)
    parties = models.ManyToManyField(
        Organization, through="AgreementParty", related_name="agreements"
    )
    # Empty means "all": every category / every jurisdiction, including global reports.
    categories = ArrayField(
        models.CharField(max_length=20, choices=Category.choices), default=list, blank=True
    )
    jurisdictions = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    max_tlp = models.PositiveSmallIntegerField(
        choices=[(t.value, t.label) for t in AGREEMENT_TLPS], default=TLP.GREEN
    )
    share_reporter_identity = models.BooleanField(default=False)
    share_evidence = models.BooleanField(default=False)
    effective_from = models.DateField(default=timezone.localdate)
    expires_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "effective_from", "expires_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("effective_from")),
                name="agreement_expires_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgreementParty(models.Model):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="party_links")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="agreement_links"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization__slug"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization"], name="one_party_link"),
        ]
        # The access policy looks agreements up by party: (organization, agreement).
        indexes = [models.Index(fields=["organization", "agreement"])]

    def __str__(self) -> str:
        return f"{self.organization} in {self.agreement}"
