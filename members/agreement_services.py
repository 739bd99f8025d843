"""Writes on agreements: proposing, signing, declining, suspending, terminating, and the daily
expiry and expiry notices; each records who did it. Re-exported by `members.services`."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from kernel.vocabulary import AGREEMENT_TLPS, Category
from kernel.zones import hub_today
from notifications.models import Event
from notifications.outbox import publish

from .actors import Actor, audit
from .events import AgreementEvent
from .models import Agreement, AgreementParty, Organization


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
    effective_from = effective_from or hub_today()
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
        publish(type=AgreementEvent.PROPOSED, actor_org=proposer, subject_ids=[agreement.pk])
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
            publish(type=AgreementEvent.SIGNED, actor_org=org, subject_ids=[agreement.pk])
        if not agreement.party_links.filter(signed_at__isnull=True).exists():
            agreement.status = Agreement.Status.ACTIVE
            agreement.save(update_fields=["status", "updated_at"])
            audit(actor=actor, action="agreement.active", obj=agreement)
            publish(type=AgreementEvent.ACTIVE, subject_ids=[agreement.pk])
    return agreement


def agreement_decline(*, actor: Actor, agreement: Agreement) -> Agreement:
    """A party that has not signed refuses the proposal. An agreement needs every party's
    signature, so one refusal ends it: `declined`, never in force. The other parties (the
    proposer first among them) hear of it through `agreement.declined`."""
    org = actor.organization
    with transaction.atomic():
        agreement = _locked(agreement)
        link = AgreementParty.objects.filter(agreement=agreement, organization=org).first()
        if link is None or (actor.user is not None and not actor.user.is_org_admin):
            raise PermissionDenied("Only a party's admin can decline an agreement.")
        if agreement.status != Agreement.Status.PROPOSED:
            raise AgreementStateError(
                _("Only a proposed agreement can be declined; this one is %(status)s.")
                % {"status": _status_word(agreement.status)}
            )
        if link.signed_at is not None:
            # A party that signed has agreed: it ends the agreement by terminating it.
            raise AgreementStateError(
                _("Your organisation has signed this agreement: terminate it instead.")
            )
        link.declined_at = timezone.now()
        link.save(update_fields=["declined_at"])
        agreement.status = Agreement.Status.DECLINED
        agreement.save(update_fields=["status", "updated_at"])
        audit(actor=actor, action="agreement.declined", obj=agreement)
        publish(type=AgreementEvent.DECLINED, actor_org=org, subject_ids=[agreement.pk])
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
        publish(type=f"agreement.{to}", actor_org=actor.organization, subject_ids=[agreement.pk])
    return agreement


def agreements_expire_due(*, today: date | None = None) -> int:
    """Marks as expired the active agreements whose last day has passed (run daily by beat).
    The access policy already ignores them from the day after `expires_on`."""
    today = today or hub_today()
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
    today = today or hub_today()
    announced = 0
    soon = Agreement.objects.in_force(today).filter(
        expires_on__lte=today + timedelta(days=EXPIRY_NOTICE_DAYS)
    )
    for agreement in soon:
        with transaction.atomic():
            locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
            expiring = Event.objects.filter(type=AgreementEvent.EXPIRING, subject_ids=[locked.pk])
            if expiring.exists():
                continue
            publish(type=AgreementEvent.EXPIRING, subject_ids=[locked.pk])
            announced += 1
    return announced
