"""Writes on members: each is a small, keyword-only, atomic function that records who did it.

Organisations, API keys and users are here; agreements are in `members.agreement_services`,
`Actor` and the audit helpers in `members.actors`, all re-exported from here."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_countries import countries

from kernel.mail import send_composed

from .actors import Actor, audit, audit_many
from .agreement_services import (
    EXPIRY_NOTICE_DAYS,
    AgreementStateError,
    agreement_decline,
    agreement_propose,
    agreement_sign,
    agreement_suspend,
    agreement_terminate,
    agreements_announce_expiry,
    agreements_expire_due,
)
from .models import (
    API_KEY_PREFIX,
    APIKey,
    Organization,
    Scope,
    User,
    hash_api_key,
)

# The public names, those of the sibling modules included.
__all__ = [
    "EXPIRY_NOTICE_DAYS",
    "RESERVED_SLUGS",
    "Actor",
    "AgreementStateError",
    "agreement_decline",
    "agreement_propose",
    "agreement_sign",
    "agreement_suspend",
    "agreement_terminate",
    "agreements_announce_expiry",
    "agreements_expire_due",
    "api_key_create",
    "api_key_revoke",
    "audit",
    "audit_many",
    "invitation_link",
    "organization_create",
    "organization_set_suspended",
    "user_deactivate",
    "user_invite",
]

# Portal paths under /members/ that an organisation's slug would shadow.
RESERVED_SLUGS = frozenset({"manage", "agreements", "new", "sharing", "admin", "api"})


def organization_create(
    *, actor: Actor, slug: str, name: str, kind: str, country: str
) -> Organization:
    errors: dict[str, str] = {}
    if kind not in Organization.Kind.values:
        errors["kind"] = f"Unknown kind '{kind}'; one of: {', '.join(Organization.Kind.values)}."
    if slug in RESERVED_SLUGS:
        errors["slug"] = f"'{slug}' is reserved; choose another slug."
    country = (country or "").upper()
    if country not in dict(countries):
        errors["country"] = f"'{country}' is not an ISO 3166-1 alpha-2 country code."
    org = Organization(slug=slug, name=name, kind=kind, country=country)
    try:
        org.full_clean()
    except ValidationError as e:
        for field, messages in e.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        org.save()
        audit(actor=actor, action="organization.created", obj=org)
    return org


def organization_set_suspended(
    *, actor: Actor, organization: Organization, suspended: bool
) -> None:
    with transaction.atomic():
        Organization.objects.filter(pk=organization.pk).update(is_suspended=suspended)
        organization.is_suspended = suspended
        audit(
            actor=actor,
            action="organization.suspended" if suspended else "organization.reinstated",
            obj=organization,
        )


def api_key_create(
    *,
    actor: Actor,
    organization: Organization,
    name: str,
    scopes: list[str] | tuple[str, ...] = (Scope.READ,),
    expires_at: datetime | None = None,
) -> tuple[APIKey, str]:
    """Creates a key and returns it with its plain secret, which is never stored nor shown again."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValidationError({"scopes": _choose_among(Scope.values)})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The expiry must be in the future.")})
    plain = API_KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = APIKey.objects.create(
            organization=organization,
            name=name,
            prefix=plain[:12],
            hashed_key=hash_api_key(plain),
            scopes=sorted(set(scopes)),
            expires_at=expires_at,
            created_by=actor.user,
        )
        audit(actor=actor, action="api_key.created", obj=key, data={"scopes": key.scopes})
    return key, plain


def api_key_revoke(*, actor: Actor, api_key: APIKey) -> None:
    with transaction.atomic():
        # Conditional update: revoking twice keeps the first revocation time.
        APIKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        api_key.refresh_from_db(fields=["revoked_at"])
        audit(actor=actor, action="api_key.revoked", obj=api_key)


def user_invite(
    *, actor: Actor, organization: Organization, email: str, role: str, full_name: str = ""
) -> User:
    """Creates a member with no password and e-mails a link to choose one."""
    email = User.objects.normalize_email(email).lower()
    if role not in User.Role.values:
        raise ValidationError({"role": _choose_among(User.Role.values)})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": _("Someone with this e-mail address already has an account.")}
        )
    with transaction.atomic():
        user = User.objects.create_user(
            email, None, organization=organization, role=role, full_name=full_name
        )
        audit(actor=actor, action="user.invited", obj=user, data={"role": role})
        link = invitation_link(user)
        # Someone new has no language of their own yet: the invitation is written in the one
        # the inviting admin's page speaks (English from the API), their best guess.
        language = translation.get_language()

        def compose() -> tuple[str, str]:
            where = {"organization": organization.name, "link": link}
            return (
                _("You are invited to Atalaya (%(organization)s)") % where,
                _("Choose your password to join %(organization)s on Atalaya:\n%(link)s\n") % where,
            )

        transaction.on_commit(lambda: send_composed(to=[email], compose=compose, language=language))
    return user


def _choose_among(values: list[str]) -> str:
    return _("Choose among %(values)s.") % {"values": ", ".join(values)}


def invitation_link(user: User) -> str:
    from django.conf import settings

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL.rstrip("/") + reverse(
        "password_reset_confirm", kwargs={"uidb64": uid, "token": token}
    )


def user_deactivate(*, actor: Actor, user: User) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        audit(actor=actor, action="user.deactivated", obj=user)
