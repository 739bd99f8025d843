"""Webhook secrets and Standard Webhooks signatures: new secrets, the signed headers of one
delivery attempt, and the receiver-side check; re-exported by `reports.webhooks`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping, Sequence
from secrets import token_bytes

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format marker, not a secret
SECRET_BYTES = 32
# Standard Webhooks allows 24-64 byte keys; anything else is almost certainly a pasting error.
SECRET_MIN_BYTES = 24
SECRET_MAX_BYTES = 64

USER_AGENT = "Atalaya-Webhooks/1"
CONTENT_TYPE = "application/json"


def generate_secret() -> str:
    """A new endpoint secret: 'whsec_' + base64 of 32 random bytes (50 characters)."""
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode("ascii")


def _secret_key(secret: str) -> bytes:
    """The HMAC key inside a 'whsec_' secret. Errors never echo the secret, as they get logged."""
    if not isinstance(secret, str) or not secret.startswith(SECRET_PREFIX):
        raise ValueError(f"webhook secret must be a string starting with {SECRET_PREFIX!r}")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except binascii.Error as exc:
        raise ValueError("webhook secret is not valid base64 after the prefix") from exc
    if not SECRET_MIN_BYTES <= len(key) <= SECRET_MAX_BYTES:
        raise ValueError(
            f"webhook secret must decode to {SECRET_MIN_BYTES}-{SECRET_MAX_BYTES} bytes, "
            f"got {len(key)}"
        )
    return key


def _check_message_id(msg_id: str) -> None:
    # The id travels in a header and in the signed content; whitespace or control characters
    # would either break the header or make the signed string ambiguous to receivers.
    if (
        not isinstance(msg_id, str)
        or not msg_id
        or not msg_id.isascii()
        or not msg_id.isprintable()
    ):
        raise ValueError("webhook message id must be non-empty printable ASCII")
    if " " in msg_id:
        raise ValueError("webhook message id must not contain spaces")


def _check_timestamp(timestamp: int) -> None:
    # A float would be signed as "1700000000.0" while receivers expect integer seconds.
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError("webhook timestamp must be an int (Unix seconds)")


def _signature(key: bytes, msg_id: str, timestamp: str, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode("ascii")


def sign(secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: one 'v1,<sig>' per secret, space-separated.

    Pass every currently active secret during a rotation so receivers holding either one
    accept the message.
    """
    _check_message_id(msg_id)
    _check_timestamp(timestamp)
    if not isinstance(body, bytes | bytearray | memoryview):
        # Signing must cover exactly the bytes sent; re-encoding a str later could differ.
        raise TypeError("webhook body must be bytes")
    keys = [secrets] if isinstance(secrets, str) else list(secrets)
    if not keys:
        raise ValueError("at least one webhook secret is required to sign")
    body = bytes(body)
    return " ".join(f"v1,{_signature(_secret_key(s), msg_id, str(timestamp), body)}" for s in keys)


def build_headers(
    secrets: str | Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """All headers of one delivery attempt. Re-sign on every retry with the same `msg_id` (so
    receivers can dedupe) and a fresh `timestamp` (so receivers' replay windows accept it)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secrets, msg_id, timestamp, body),
        "Content-Type": CONTENT_TYPE,
        "User-Agent": USER_AGENT,
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = 300,
    now: int | None = None,
) -> bool:
    """Receiver side: True when one of the v1 signatures matches and the timestamp is within
    `tolerance` seconds of `now` (in either direction, which bounds replays).

    Header names are matched case-insensitively (Django's `request.headers` works as is).
    Returns False for anything a sender controls; raises ValueError only for a malformed
    `secret`, which is the receiver's own configuration error.
    """
    key = _secret_key(secret)
    lowered = {str(name).lower(): value for name, value in headers.items()}
    msg_id = lowered.get("webhook-id")
    raw_timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not msg_id or not raw_timestamp or not signatures:
        return False
    if not (raw_timestamp.isascii() and raw_timestamp.isdigit()):
        return False
    current = int(time.time()) if now is None else now
    if abs(current - int(raw_timestamp)) > tolerance:
        return False
    try:
        expected = _signature(key, msg_id, raw_timestamp, bytes(body)).encode("ascii")
    except UnicodeEncodeError:
        return False
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        # Unknown versions are skipped, not rejected: a sender may add v1a etc. alongside v1.
        if version == "v1" and hmac.compare_digest(value.encode("utf-8", "replace"), expected):
            return True
    return False
