"""Demo only: a known authenticator secret for the demo coalition's admins and staff, so that
`make run` stays usable with two-factor sign-in on. Real people always enrol themselves
(/accounts/two-factor/setup/) with a secret the hub makes at random."""

from __future__ import annotations

from base64 import b32decode

from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

# Base32, as authenticator apps and `oathtool --totp -b` take it. Public: demo data only.
DEMO_TOTP_SECRET = "ATALAYADEMO2FASECRETFORLOCALONLY"  # noqa: S105
DEMO_DEVICE_NAME = "Demo authenticator"


def ensure_demo_device(user: User, secret: str = DEMO_TOTP_SECRET) -> TOTPDevice:
    """Gives `user` a confirmed TOTP device with `secret`; idempotent."""
    key = b32decode(secret.upper()).hex()
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"key": key, "confirmed": True}
    )
    return device
