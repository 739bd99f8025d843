from __future__ import annotations

from django.contrib.auth.base_user import BaseUserManager
from django.db import models
from django.utils import timezone


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
