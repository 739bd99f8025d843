"""Sign-in lock-out: after too many failed attempts for one e-mail address, or from one client
address, within a window, further attempts are refused for a while, right password or not.

Both the password step and the two-factor code step count. The e-mail address is counted
whether or not anyone has it, and the refusal is the same, so the lock-out tells nobody which
addresses have accounts.

The counters live in the "lockout" cache (settings.CACHES): Django's database cache, so every
web worker sees the same counts. Each failure claims one numbered slot with `cache.add`, which
is atomic (the key is the table's primary key); the failures in the window are the live slots.
Not `cache.incr`: the database cache implements it as a read then a write, so two concurrent
failures could count as one, and the write resets the expiry.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.http import HttpRequest

MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
CACHE_ALIAS = "lockout"


@dataclass(frozen=True)
class Failure:
    """What one failed attempt did: whether it began a lock-out, by e-mail or by address."""

    email_locked: bool
    address_locked: bool


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a reverse proxy, the proxy must pass the client's address there
    # (a client-supplied X-Forwarded-For would let an attacker pick a fresh address per try).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def is_locked(*, email: str, address: str) -> bool:
    locks = [_lock_key("email", _email_id(email)), _lock_key("address", address)]
    return bool(_cache().get_many(locks))


def record_failure(*, email: str, address: str) -> Failure:
    return Failure(
        email_locked=_count("email", _email_id(email), MAX_FAILURES_PER_EMAIL),
        address_locked=_count("address", address, MAX_FAILURES_PER_ADDRESS),
    )


def clear(*, email: str) -> None:
    """Forgets an address's failures after a complete sign-in (password and, if any, code)."""
    _cache().delete_many(_slot_keys("email", _email_id(email), MAX_FAILURES_PER_EMAIL))


def _cache():
    return caches[CACHE_ALIAS]


def _email_id(email: str) -> str:
    # Hashed: the cache table need not hold the addresses people mistyped.
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _slot_keys(kind: str, ident: str, limit: int) -> list[str]:
    return [f"signin:{kind}:{ident}:{n}" for n in range(limit)]


def _lock_key(kind: str, ident: str) -> str:
    return f"signin:{kind}:{ident}:locked"


def _count(kind: str, ident: str, limit: int) -> bool:
    """Counts one failure; returns True if it is the one that began a lock-out."""
    cache = _cache()
    keys = _slot_keys(kind, ident, limit)
    live = cache.get_many(keys)
    for key in keys:
        # A slot taken by a concurrent failure since get_many: add() says no, try the next.
        if key not in live and cache.add(key, int(time.time()), timeout=WINDOW_SECONDS):
            break
    # Counted again after claiming, so that of two concurrent failures filling the last two
    # slots, both see the window full and one of them begins the lock-out.
    if len(cache.get_many(keys)) < limit:
        return False
    return cache.add(_lock_key(kind, ident), int(time.time()), timeout=LOCK_SECONDS)
