from __future__ import annotations

from django.contrib.auth.base_user import BaseUserManager
from django.db import models
from django.utils import timezone

from kernel.zones import hub_today


class OrganizationQuerySet(models.QuerySet):
    def active(self) -> OrganizationQuerySet:
        return self.filter(is_suspended=False)


class APIKeyQuerySet(models.QuerySet):
    def usable(self, now=None) -> APIKeyQuerySet:
        """Keys that authenticate: not revoked, not expired, of an organisation in good standing."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, organization__is_suspended=False).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class AgreementQuerySet(models.QuerySet):
    def in_force(self, today=None) -> AgreementQuerySet:
        """Active now: signed by every party, not suspended or terminated, and within its dates.

        The dates are checked here too, not only by the expiry task, so an agreement stops
        sharing at the end of its last day even if the task has not run yet.
        """
        today = today or hub_today()
        return self.filter(status="active", effective_from__lte=today).filter(
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=today)
        )

    def of_party(self, org) -> AgreementQuerySet:
        """Agreements `org` is a party to: the only ones it may see."""
        return self.filter(party_links__organization=org)
