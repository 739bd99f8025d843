"""Writes on an organisation's notification e-mail addresses (a NOC mailbox): add one, which
mails it a confirmation link, send the link again, confirm, remove. Only a confirmed address
receives the organisation's notification e-mail (`fanout.mail_organization`)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kernel.mail import send_composed, subject_line

from . import registry
from .models import NotificationAddress

# Enough for every team that watches a member's alerts; a bound on the confirmation e-mail an
# admin can make the hub send.
MAX_ADDRESSES = 25
CONFIRMATION_SALT = "notifications.address-confirmation"
CONFIRMATION_MAX_AGE = 7 * 24 * 3600  # a week: long enough for a shared mailbox to be read


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def notification_address_add(
    *, user, organization, email: str, language: str
) -> NotificationAddress:
    """Adds an address, unconfirmed, and mails it the link that confirms it."""
    email = email.strip().lower()
    if language not in languages():
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    if NotificationAddress.objects.filter(organization=organization).count() >= MAX_ADDRESSES:
        raise ValidationError(
            _("An organisation has at most %(count)s notification addresses.")
            % {"count": MAX_ADDRESSES}
        )
    try:
        with transaction.atomic():
            address = NotificationAddress.objects.create(
                organization=organization, email=email, language=language
            )
            registry.record(user=user, action="notification_address.added", obj=address)
            _send_confirmation_on_commit(address)
    except IntegrityError:
        raise ValidationError({"email": _("This address is already on the list.")}) from None
    return address


def notification_address_resend(*, user, address: NotificationAddress) -> bool:
    """Mails the confirmation link again; False, sending nothing, once the address is
    confirmed."""
    if address.confirmed_at is not None:
        return False
    with transaction.atomic():
        registry.record(user=user, action="notification_address.link_sent", obj=address)
        _send_confirmation_on_commit(address)
    return True


@transaction.atomic
def notification_address_remove(*, user, address: NotificationAddress) -> None:
    registry.record(user=user, action="notification_address.removed", obj=address)
    address.delete()


def confirmation_token(address: NotificationAddress) -> str:
    # The address is signed with the id: a link stops working if the address is removed and
    # added again, or if the row came to hold another address.
    return signing.dumps({"id": address.pk, "email": address.email}, salt=CONFIRMATION_SALT)


def address_for_token(token: str) -> NotificationAddress | None:
    """The address a confirmation link is for, or None when the link is forged, expired, or
    its address is gone."""
    try:
        claim = signing.loads(token, salt=CONFIRMATION_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(claim, dict):
        return None
    return (
        NotificationAddress.objects.select_related("organization")
        .filter(pk=claim.get("id"), email=claim.get("email"))
        .first()
    )


def notification_address_confirm(*, address: NotificationAddress) -> NotificationAddress:
    """Marks the address confirmed by whoever reads its mail (no account needed); confirming
    twice keeps the first time."""
    with transaction.atomic():
        confirmed = NotificationAddress.objects.filter(
            pk=address.pk, confirmed_at__isnull=True
        ).update(confirmed_at=timezone.now())
        if confirmed:
            registry.record(user=None, action="notification_address.confirmed", obj=address)
    address.refresh_from_db(fields=["confirmed_at"])
    return address


def _send_confirmation_on_commit(address: NotificationAddress) -> None:
    link = settings.SITE_URL.rstrip("/") + reverse(
        "notifications:address_confirm", kwargs={"token": confirmation_token(address)}
    )
    org_name = address.organization.name

    def compose() -> tuple[str, str]:
        where = {"organization": org_name, "link": link}
        return (
            subject_line(_("Confirm this address for %(organization)s's notifications") % where),
            _(
                "An administrator of %(organization)s asked Atalaya to send the organisation's "
                "notification e-mail to this address.\n"
                "If this mailbox should receive it, confirm here within a week:\n%(link)s\n\n"
                "If not, ignore this message: nothing more will be sent."
            )
            % where,
        )

    to, language = [address.email], address.language
    transaction.on_commit(
        lambda: send_composed(to=to, compose=compose, language=language, fail_silently=True),
        robust=True,
    )
