"""Writes on a person's own account: two-factor devices, backup codes, failed sign-ins and
preferences. Like members.services, each records who did it in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kernel.zones import country_zone, is_zone

from . import lockout
from .models import User
from .services import Actor, audit

BACKUP_CODE_COUNT = 10
BACKUP_DEVICE_NAME = "backup codes"
DEFAULT_DEVICE_NAME = "Authenticator app"


def requires_two_factor(user) -> bool:
    """Org admins and hub staff may not use the portal without a second factor."""
    if not settings.OTP_REQUIRED_FOR_ADMINS or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or user.is_org_admin)


def second_factor_owed(user) -> bool:
    """Whether this signed-in session may not be used yet: the person must pass a second factor
    and the session has not. Both the portal (members.otp_middleware) and the API
    (members.authentication) refuse such a session, by this one rule."""
    if not requires_two_factor(user):
        return False
    # django-otp's OTPMiddleware gives the user is_verified(); without it, nothing says the
    # session passed the second factor, so it has not.
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def has_two_factor(user) -> bool:
    """A confirmed authenticator app: backup codes alone are a spare, not a second factor."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_devices(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("created_at", "id")


def backup_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrolment_device(user: User) -> TOTPDevice:
    """The person's device being set up: the same one until it is confirmed, so that the code
    scanned before a reload of the page stays good."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEFAULT_DEVICE_NAME, confirmed=False)
    return device


def two_factor_enrol(*, user: User, device: TOTPDevice, token: str, name: str) -> bool:
    """Confirms the device being set up if `token` is its current code."""
    with transaction.atomic():
        # Locked: two tabs confirming at once must not both use the code (verify_token
        # remembers the last time step it accepted).
        device = TOTPDevice.objects.select_for_update().get(
            pk=device.pk, user=user, confirmed=False
        )
        if not device.verify_token(_normalise(token)):
            return False
        device.confirmed = True
        device.name = name.strip() or DEFAULT_DEVICE_NAME
        device.save(update_fields=["confirmed", "name"])
        audit(
            actor=Actor(user=user),
            action="user.two_factor_enrolled",
            obj=user,
            data={"device": device.persistent_id, "name": device.name},
        )
    return True


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None
    # Seconds to wait before another try is looked at (django-otp's back-off after a failure).
    wait_seconds: int = 0


def two_factor_verify(*, user: User, token: str) -> CodeCheck:
    """Checks a code from the person's authenticator app, or one of their backup codes (which
    is then used up)."""
    token = _normalise(token)
    # Six digits come from an app; anything else can only be a backup code. Trying only the
    # matching kind keeps a typo from counting against the other device's back-off.
    model = TOTPDevice if token.isdigit() else StaticDevice
    wait = 0
    with transaction.atomic():
        devices = model.objects.filter(user=user, confirmed=True).select_for_update()
        for device in devices:
            allowed, details = device.verify_is_allowed()
            if not allowed:
                until = (details or {}).get("locked_until")
                if until is not None:
                    wait = max(wait, int((until - timezone.now()).total_seconds()) + 1)
                continue
            if device.verify_token(token):
                if isinstance(device, StaticDevice):
                    audit(
                        actor=Actor(user=user),
                        action="user.backup_code_used",
                        obj=user,
                        data={"remaining": device.token_set.count()},
                    )
                return CodeCheck(device=device)
    return CodeCheck(device=None, wait_seconds=wait)


def two_factor_remove(*, user: User, device_id: int) -> None:
    with transaction.atomic():
        # Locked: two removals at once must not both see "not the last one".
        devices = list(totp_devices(user).select_for_update())
        device = next((d for d in devices if d.pk == device_id), None)
        if device is None:
            raise TOTPDevice.DoesNotExist
        last = len(devices) == 1
        if last and requires_two_factor(user):
            raise PermissionDenied(
                _("Org admins and hub staff must keep at least one authenticator app.")
            )
        device.delete()
        if last:
            # Backup codes stand in for a lost app; with no app left they would be the only
            # factor, one that runs out.
            StaticDevice.objects.filter(user=user).delete()
        audit(
            actor=Actor(user=user),
            action="user.two_factor_removed",
            obj=user,
            data={"device": f"{TOTPDevice.model_label()}/{device_id}", "name": device.name},
        )


def backup_codes_generate(*, user: User) -> list[str]:
    """A fresh set of one-use codes, replacing any earlier set; returned once, shown once."""
    if not has_two_factor(user):
        raise PermissionDenied(_("Set up an authenticator app before backup codes."))
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        audit(actor=Actor(user=user), action="user.backup_codes_generated", obj=user)
    return codes


def sign_in_failed(*, email: str, address: str, step: str) -> lockout.Failure:
    """Counts a failed password or code towards the lock-out and, when the address belongs to
    someone, writes it in the audit log under their name."""
    failure = lockout.record_failure(email=email, address=address)
    user = User.objects.filter(email__iexact=email.strip()).select_related("organization").first()
    if user is not None:
        actor = Actor(user=user)
        audit(
            actor=actor,
            action="user.sign_in_failed",
            obj=user,
            data={"step": step, "address": address},
        )
        if failure.email_locked or failure.address_locked:
            audit(
                actor=actor,
                action="user.locked_out",
                obj=user,
                data={
                    "by": "email" if failure.email_locked else "address",
                    "address": address,
                    "minutes": lockout.LOCK_SECONDS // 60,
                },
            )
    return failure


def preferences_update(*, user: User, language: str, time_zone: str) -> None:
    # Not audited: a person's own display settings, with no effect on anyone else's data.
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the portal's languages.")})
    if time_zone and not is_zone(time_zone):
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])


@dataclass(frozen=True)
class ZoneDefault:
    zone: str
    source: Literal["browser", "country", "utc"]


def time_zone_default(*, user: User, browser_zone: str) -> ZoneDefault | None:
    """A person's time zone at their first sign-in (or the first after they chose "automatic"
    on the account page): their browser's, else their organisation's country's (the capital's
    where it has several), else UTC. Someone whose zone is set keeps it; None then."""
    # Not audited, like preferences_update: a person's own display setting.
    if user.time_zone:
        return None
    if is_zone(browser_zone):
        chosen = ZoneDefault(browser_zone, "browser")
    elif user.organization_id and (zone := country_zone(user.organization.country)):
        chosen = ZoneDefault(zone, "country")
    else:
        chosen = ZoneDefault("UTC", "utc")
    # Only while still unset: a zone chosen meanwhile (on the account page, in another tab)
    # is not overwritten by a sign-in that read the person before it.
    if not User.objects.filter(pk=user.pk, time_zone="").update(time_zone=chosen.zone):
        return None
    user.time_zone = chosen.zone
    return chosen


def _normalise(token: str) -> str:
    # People type codes the way apps show them: "123 456", "abcd-efgh".
    return "".join(token.split()).replace("-", "").lower()
