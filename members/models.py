"""Member organisations, their people and their API keys."""

from __future__ import annotations

import hashlib
import uuid

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.functions import RandomUUID
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from kernel.vocabulary import AGREEMENT_TLPS, TLP, Category
from kernel.zones import hub_today

from .querysets import AgreementQuerySet, APIKeyQuerySet, OrganizationQuerySet, UserManager


class Organization(models.Model):
    class Kind(models.TextChoices):
        RIGHTSHOLDER = "rightsholder", _("Rightsholder")
        INDUSTRY_GROUP = "industry_group", _("Industry group")
        TELCO = "telco", _("Telco / ISP")
        REGULATOR = "regulator", _("Regulator")
        LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
        INTERMEDIARY = "intermediary", _("Intermediary")

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    country = CountryField(_("country"))
    is_suspended = models.BooleanField(_("is suspended"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The member's STIX `identity` (identity--<uuid>), named only where the access policy
    # discloses a reporter (reports/stix).
    stix_id = models.UUIDField(
        _("STIX identity"), default=uuid.uuid4, db_default=RandomUUID(), unique=True, editable=False
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["slug"]
        indexes = [models.Index(fields=["kind", "country"])]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Members belong to exactly one organisation with a role; hub staff
    (the secretariat) are `is_staff` and belong to none."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Org admin")
        ANALYST = "analyst", _("Analyst")
        VIEWER = "viewer", _("Viewer")

    # "email": the sign-in form's label and its "enter a correct email" error say this word.
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.VIEWER)
    # Empty: the browser's language; the hub's time zone (settings.TIME_ZONE).
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    is_active = models.BooleanField(_("is active"), default=True)
    is_staff = models.BooleanField(_("is staff"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
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
    READ = "read", _("Read")
    WRITE = "write", _("Write")
    ADMIN = "admin", _("Admin")


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
        Organization,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=100)
    # The first characters of the key, shown in lists so people can recognise a key.
    prefix = models.CharField(_("prefix"), max_length=16)
    hashed_key = models.CharField(_("hashed key"), max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = APIKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
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

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor_user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor user"),
    )
    actor_key = models.ForeignKey(
        APIKey,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor key"),
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("organization"),
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=60, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Agreement(models.Model):
    """An MOU between two or more members saying what they share with each other."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        TERMINATED = "terminated", _("Terminated")
        EXPIRED = "expired", _("Expired")
        # A party refused the proposal: it never came into force (not "terminated", which
        # says an agreement the parties had made was ended).
        DECLINED = "declined", _("Declined")

    title = models.CharField(_("title"), max_length=200)
    parties = models.ManyToManyField(
        Organization,
        through="AgreementParty",
        related_name="agreements",
        verbose_name=_("parties"),
    )
    # Empty means "all": every category / every jurisdiction, including global reports.
    categories = ArrayField(
        models.CharField(max_length=20, choices=Category.choices),
        default=list,
        blank=True,
        verbose_name=_("categories"),
    )
    jurisdictions = ArrayField(
        models.CharField(max_length=2), default=list, blank=True, verbose_name=_("jurisdictions")
    )
    # The TLP labels are the protocol's own words (`amber+strict`): not translated.
    max_tlp = models.PositiveSmallIntegerField(
        _("max TLP"), choices=[(t.value, t.label) for t in AGREEMENT_TLPS], default=TLP.GREEN
    )
    share_reporter_identity = models.BooleanField(_("share reporter identity"), default=False)
    share_evidence = models.BooleanField(_("share evidence"), default=False)
    effective_from = models.DateField(_("effective from"), default=hub_today)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("proposed by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
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
    agreement = models.ForeignKey(
        Agreement,
        on_delete=models.CASCADE,
        related_name="party_links",
        verbose_name=_("agreement"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="agreement_links",
        verbose_name=_("organization"),
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("signed by"),
    )
    # When this party declined the proposal (the agreement is then `declined`).
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement party")
        verbose_name_plural = _("agreement parties")
        ordering = ["organization__slug"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization"], name="one_party_link"),
        ]
        # The access policy looks agreements up by party: (organization, agreement).
        indexes = [models.Index(fields=["organization", "agreement"])]

    def __str__(self) -> str:
        return f"{self.organization} in {self.agreement}"
