"""Who acts (`Actor`: a person, an organisation's API key or the system) and the audit rows
every write on members records (`audit`, `audit_many`); re-exported by `members.services`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from .models import APIKey, AuditEvent, Organization, User


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person, an organisation's API key, or the system (both None)."""

    user: User | None = None
    api_key: APIKey | None = None

    @property
    def organization(self) -> Organization | None:
        if self.api_key is not None:
            return self.api_key.organization
        return self.user.organization if self.user is not None else None

    @classmethod
    def system(cls) -> Actor:
        return cls()

    @classmethod
    def from_request_user(cls, user) -> Actor:
        # An API request's user is a KeyUser (members.authentication); a portal request's a User.
        api_key = getattr(user, "api_key", None)
        if api_key is not None:
            return cls(api_key=api_key)
        return cls(user=user if getattr(user, "is_authenticated", False) else None)


def audit(*, actor: Actor, action: str, obj=None, data: dict | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_user=actor.user,
        actor_key=actor.api_key,
        organization=actor.organization,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


def audit_many(*, actor: Actor, action: str, objs: list) -> None:
    """One audit row per object, in one COPY (a bulk submission of 1,000 reports)."""
    from django.db import connection

    from kernel.bulk import copy_rows

    now = timezone.now()
    empty = AuditEvent._meta.get_field("data").get_db_prep_save({}, connection)
    user_id = actor.user.pk if actor.user else None
    key_id = actor.api_key.pk if actor.api_key else None
    org_id = actor.organization.pk if actor.organization else None
    copy_rows(
        AuditEvent,
        ("at", "actor_user_id", "actor_key_id", "organization_id", "action", "object_type",
         "object_id", "data"),
        (
            (now, user_id, key_id, org_id, action, obj._meta.label_lower, str(obj.pk), empty)
            for obj in objs
        ),
    )  # fmt: skip
