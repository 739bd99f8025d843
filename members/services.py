"""Writes on members: each is a small, keyword-only, atomic function that records who did it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_countries import countries

from hub.models import Event, publish
from hub.vocabulary import AGREEMENT_TLPS, Category

from .mail import send_composed
from .models import (
    API_KEY_PREFIX,
    Agreement,
    AgreementParty,
    APIKey,
    AuditEvent,
    Organization,
    Scope,
    User,
    hash_api_key,
)


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


# Portal paths under /members/ that an organisation's slug would shadow.
RESERVED_SLUGS = frozenset({"manage", "agreements", "new", "sharing", "admin", "api"})


def audit_many(*, actor: Actor, action: str, objs: list) -> None:
    """One audit row per object, in one COPY (a bulk submission of 1,000 reports)."""
    from django.db import connection

    from hub.bulk import copy_rows

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


# --- agreements ------------------------------------------------------------------------------


class AgreementStateError(Exception):
    """A transition that the agreement's current status does not allow (answered 409)."""


def agreement_propose(
    *,
    actor: Actor,
    title: str,
    parties: list[Organization],
    categories: list[str],
    jurisdictions: list[str],
    max_tlp: int,
    share_reporter_identity: bool = False,
    share_evidence: bool = False,
    effective_from: date | None = None,
    expires_on: date | None = None,
) -> Agreement:
    """Proposes an agreement. The proposing organisation is a party and signs by proposing;
    the agreement becomes active when every other party has signed too."""
    proposer = actor.organization
    parties = list({org.pk: org for org in [*parties, *([proposer] if proposer else [])]}.values())
    errors: dict[str, str] = {}
    if len(parties) < 2:
        errors["parties"] = _("An agreement needs at least two member parties.")
    suspended = [org.slug for org in parties if org.is_suspended]
    if suspended:
        errors["parties"] = _("Suspended organisations cannot be parties: %(slugs)s.") % {
            "slugs": ", ".join(suspended)
        }
    unknown = sorted(set(categories) - set(Category.values))
    if unknown:
        errors["categories"] = _("Unknown categories: %(categories)s.") % {
            "categories": ", ".join(unknown)
        }
    bad = sorted(c for c in jurisdictions if c.upper() not in dict(countries))
    if bad:
        errors["jurisdictions"] = _("Not ISO 3166-1 alpha-2 country codes: %(codes)s.") % {
            "codes": ", ".join(bad)
        }
    if max_tlp not in [t.value for t in AGREEMENT_TLPS]:
        errors["max_tlp"] = _("One of clear, green, amber, amber+strict (red is never shared so).")
    effective_from = effective_from or timezone.localdate()
    if expires_on is not None and expires_on < effective_from:
        errors["expires_on"] = _("The agreement cannot expire before it takes effect.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = Agreement.objects.create(
            title=title,
            categories=sorted(set(categories)),
            jurisdictions=sorted({c.upper() for c in jurisdictions}),
            max_tlp=max_tlp,
            share_reporter_identity=share_reporter_identity,
            share_evidence=share_evidence,
            effective_from=effective_from,
            expires_on=expires_on,
            proposed_by=proposer,
        )
        now = timezone.now()
        AgreementParty.objects.bulk_create(
            AgreementParty(
                agreement=agreement,
                organization=org,
                signed_at=now if org == proposer else None,
                signed_by=actor.user if org == proposer else None,
            )
            for org in parties
        )
        audit(
            actor=actor,
            action="agreement.proposed",
            obj=agreement,
            data={"parties": sorted(org.slug for org in parties)},
        )
        publish(type=Event.Type.AGREEMENT_PROPOSED, actor_org=proposer, agreement=agreement)
    return agreement


def _status_word(status: str) -> str:
    # The status's label, lower-cased: in English the machine value itself ("suspended").
    return str(Agreement.Status(status).label).lower()


def _locked(agreement: Agreement) -> Agreement:
    # Row lock: two parties signing at the same moment must not both miss "everyone signed".
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def agreement_sign(*, actor: Actor, agreement: Agreement) -> Agreement:
    org = actor.organization
    with transaction.atomic():
        agreement = _locked(agreement)
        if agreement.status != Agreement.Status.PROPOSED:
            raise AgreementStateError(
                _("Only a proposed agreement can be signed; this one is %(status)s.")
                % {"status": _status_word(agreement.status)}
            )
        link = AgreementParty.objects.filter(agreement=agreement, organization=org).first()
        if link is None or (actor.user is not None and not actor.user.is_org_admin):
            raise PermissionDenied("Only a party's admin can sign an agreement.")
        if link.signed_at is None:
            link.signed_at = timezone.now()
            link.signed_by = actor.user
            link.save(update_fields=["signed_at", "signed_by"])
            audit(actor=actor, action="agreement.signed", obj=agreement)
            publish(type=Event.Type.AGREEMENT_SIGNED, actor_org=org, agreement=agreement)
        if not agreement.party_links.filter(signed_at__isnull=True).exists():
            agreement.status = Agreement.Status.ACTIVE
            agreement.save(update_fields=["status", "updated_at"])
            audit(actor=actor, action="agreement.active", obj=agreement)
            publish(type=Event.Type.AGREEMENT_ACTIVE, agreement=agreement)
    return agreement


def _may_administer(actor: Actor, agreement: Agreement) -> bool:
    """A party's admin (a person with the admin role, or a key with the admin scope, which the
    API checks), the secretariat, or the hub itself (Actor.system())."""
    if actor.user is None and actor.api_key is None:
        return True
    if actor.user is not None and actor.user.is_staff:
        return True
    if actor.user is not None and not actor.user.is_org_admin:
        return False
    org = actor.organization
    return org is not None and agreement.party_links.filter(organization=org).exists()


def agreement_suspend(*, actor: Actor, agreement: Agreement) -> Agreement:
    """Suspends sharing at once (the access policy reads the status at every request)."""
    return _transition(
        actor=actor,
        agreement=agreement,
        allowed_from={Agreement.Status.ACTIVE},
        to=Agreement.Status.SUSPENDED,
    )


def agreement_terminate(*, actor: Actor, agreement: Agreement) -> Agreement:
    return _transition(
        actor=actor,
        agreement=agreement,
        allowed_from={
            Agreement.Status.PROPOSED,
            Agreement.Status.ACTIVE,
            Agreement.Status.SUSPENDED,
        },
        to=Agreement.Status.TERMINATED,
    )


def _transition(
    *, actor: Actor, agreement: Agreement, allowed_from: set[str], to: str
) -> Agreement:
    with transaction.atomic():
        agreement = _locked(agreement)
        if not _may_administer(actor, agreement):
            raise PermissionDenied("Only a party's admin or the secretariat can do this.")
        if agreement.status not in allowed_from:
            raise AgreementStateError(
                _("This agreement is %(status)s; it cannot become %(new_status)s.")
                % {"status": _status_word(agreement.status), "new_status": _status_word(to)}
            )
        agreement.status = to
        agreement.save(update_fields=["status", "updated_at"])
        audit(actor=actor, action=f"agreement.{to}", obj=agreement)
        publish(type=f"agreement.{to}", actor_org=actor.organization, agreement=agreement)
    return agreement


def agreements_expire_due(*, today: date | None = None) -> int:
    """Marks as expired the active agreements whose last day has passed (run daily by beat).
    The access policy already ignores them from the day after `expires_on`."""
    today = today or timezone.localdate()
    expired = 0
    with transaction.atomic():
        due = Agreement.objects.select_for_update(skip_locked=True).filter(
            status=Agreement.Status.ACTIVE, expires_on__lt=today
        )
        for agreement in due:
            agreement.status = Agreement.Status.EXPIRED
            agreement.save(update_fields=["status", "updated_at"])
            audit(actor=Actor.system(), action="agreement.expired", obj=agreement)
            expired += 1
    return expired


EXPIRY_NOTICE_DAYS = 14


def agreements_announce_expiry(*, today: date | None = None) -> int:
    """Tells the parties of agreements ending within 14 days, once per agreement."""
    today = today or timezone.localdate()
    announced = 0
    soon = Agreement.objects.in_force(today).filter(
        expires_on__lte=today + timedelta(days=EXPIRY_NOTICE_DAYS)
    )
    for agreement in soon:
        with transaction.atomic():
            locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
            if Event.objects.filter(type=Event.Type.AGREEMENT_EXPIRING, agreement=locked).exists():
                continue
            publish(type=Event.Type.AGREEMENT_EXPIRING, agreement=locked)
            announced += 1
    return announced
