"""Credentials of members' TAXII servers, encrypted at rest (Fernet: AES-128-CBC with an
HMAC-SHA256, cryptography's audited recipe).

The key is `settings.ATALAYA_SECRETS_KEY`: one or more Fernet keys separated by commas, the
first encrypting and every one decrypting, so a key can be rotated without a moment when stored
secrets cannot be read (docs/taxii.md, "Rotating the key"). Empty (development, tests): a key
derived from SECRET_KEY with HKDF, so nothing needs setting up; production sets its own, since
a SECRET_KEY that leaks (or changes) must not take the members' credentials with it.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# HKDF's "info": a key derived for this purpose is useless for any other use of SECRET_KEY.
_HKDF_INFO = b"atalaya exchange: TAXII source credentials"


class SecretUnreadable(Exception):
    """A stored secret no configured key opens (the key was changed without keeping the old)."""


def _derived_key(secret_key: str) -> bytes:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw)


@cache
def _fernet(setting: str, secret_key: str) -> MultiFernet:
    keys = [k.strip() for k in setting.split(",") if k.strip()] or [_derived_key(secret_key)]
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        # Fail loudly: a mistyped key must not start a hub that cannot read what it stored.
        raise ImproperlyConfigured(
            "ATALAYA_SECRETS_KEY must be Fernet keys (32 url-safe base64 bytes), comma-separated"
        ) from exc


def _keys() -> MultiFernet:
    # Keyed by the settings' values, so a test (or a rotation) that changes them takes effect.
    return _fernet(getattr(settings, "ATALAYA_SECRETS_KEY", "") or "", settings.SECRET_KEY)


def encrypt(plain: str) -> str:
    """The stored form of `plain` ("" stays "": no secret)."""
    return _keys().encrypt(plain.encode()).decode("ascii") if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("no configured key opens this secret") from exc


def reencrypt(token: str) -> str:
    """`token` under the first key (for a rotation); raises SecretUnreadable like `decrypt`."""
    if not token:
        return ""
    try:
        return _keys().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise SecretUnreadable("no configured key opens this secret") from exc


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
