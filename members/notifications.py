"""Who hears of an agreement event (its parties, but never the one that acted) and what the
webhook carries; and the two ports the notifications app needs from members: who reads an
organisation's e-mail, and the audit log. Installed from apps.py."""

from __future__ import annotations

from django.urls import reverse

from notifications.models import Event
from notifications.registry import Audience, InboxSubject, kinds_of

from .actors import Actor, audit
from .events import AgreementEvent
from .models import Agreement, Organization, User


def audience(event: Event) -> list[Audience]:
    parties = Organization.objects.active().filter(agreement_links__agreement=event.subject_id)
    if event.actor_org_id:
        parties = parties.exclude(pk=event.actor_org_id)
    return [Audience(org) for org in parties]


def payload(event: Event, org: Organization) -> dict | None:
    """The agreement as the API shows it to a party; None once `org` is no longer one."""
    from .api.agreements import AgreementSerializer

    agreement = Agreement.objects.of_party(org).filter(pk=event.subject_id).first()
    return None if agreement is None else AgreementSerializer(agreement).data


def describe(org: Organization, items: list) -> None:
    """Each item's agreement by its title, for a party only: one query for the page."""
    ids = {item.event.subject_id for item in items} - {None}
    titles = dict(Agreement.objects.of_party(org).filter(pk__in=ids).values_list("pk", "title"))
    for item in items:
        pk = item.event.subject_id
        if pk in titles:
            item.about = InboxSubject(title=titles[pk], url=reverse("members:agreement", args=[pk]))


def mail_readers(org_id: int):
    """An organisation's notification e-mail goes to its active admins."""
    return User.objects.filter(organization_id=org_id, role=User.Role.ADMIN, is_active=True).only(
        "email", "language", "time_zone"
    )


def record(*, user, action: str, obj) -> None:
    audit(actor=Actor.from_request_user(user), action=action, obj=obj)


KINDS = kinds_of(
    AgreementEvent,
    subject="agreement",
    audience=audience,
    payload=payload,
    describe=describe,
)
