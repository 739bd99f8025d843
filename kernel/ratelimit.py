"""Rate limits counted where every web worker sees the same counts.

A count per (what is limited, who) per fixed window of time, kept in the "ratelimit" cache
(settings.CACHES): Django's database cache, one table in PostgreSQL, so a limit holds whatever
gunicorn worker (or machine) a request lands on, and whether or not Redis is up. A per-process
cache (LocMemCache) would give each worker its own count, and the real limit would be the
intended one times the number of workers.

The database cache's own `incr` is a read then a write: two workers counting at once could both
read 4 and both write 5. `CounterCache.incr` locks the row for its read-modify-write instead, so
no hit is lost. A fixed window lets a client that spends its whole allowance at the end of one
window spend it again at the start of the next (twice the rate for a moment): the price of one
row and one short transaction per hit.
"""

from __future__ import annotations

import base64
import math
import pickle
import re
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone

CACHE_ALIAS = "ratelimit"

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """At most `count` hits per `seconds`."""

    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str | None) -> Rate | None:
        """ "600/minute", "10/hour", "5/10s" (5 per 10 seconds); "", "off" or "none": no limit."""
        if text is None or text.strip().lower() in ("", "off", "none"):
            return None
        match = _RATE.match(text)
        if match is None:
            raise ValueError(f"not a rate: {text!r} (expected e.g. '600/minute' or 'off')")
        count, multiple, unit = match.groups()
        seconds = int(multiple or 1) * _PERIODS[unit.lower()]
        if int(count) < 1 or seconds < 1:
            raise ValueError(f"not a rate: {text!r}")
        return cls(count=int(count), seconds=seconds)


@dataclass(frozen=True)
class Hit:
    allowed: bool
    count: int
    # Seconds until the window ends and the count starts again.
    retry_after: int


def hit(scope: str, who: str, rate: Rate, *, now: float | None = None) -> Hit:
    """Counts one hit of `who` against `rate` (scope names what is limited) and says whether it
    is within the limit. Hits beyond the limit are counted too: retrying early does not help."""
    cache = caches[CACHE_ALIAS]
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    ends = (window + 1) * rate.seconds
    key = f"{scope}:{who}:{rate.seconds}:{window}"
    try:
        count = cache.incr(key)
    except ValueError:
        # The window's first hit: whoever adds first starts at 1, anyone who lost the race counts.
        count = 1 if cache.add(key, 1, timeout=ends - now + 1) else cache.incr(key)
    return Hit(allowed=count <= rate.count, count=count, retry_after=max(1, math.ceil(ends - now)))


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR: behind a reverse proxy, the proxy must pass the client's address there (a
    # client-supplied X-Forwarded-For would let anyone pick a fresh address for each request).
    return request.META.get("REMOTE_ADDR", "") or "unknown"


class CounterCache(DatabaseCache):
    """Django's database cache whose `incr` loses no concurrent hit and keeps the entry's
    expiry (the base class re-sets the entry, with the default timeout)."""

    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        # Identifiers only (the table named in settings), quoted; the values are parameters.
        table, key_col, value_col, expires_col = map(
            connection.ops.quote_name, (self._table, "cache_key", "value", "expires")
        )
        select = f"SELECT {value_col} FROM {table} WHERE {key_col} = %s AND {expires_col} > %s"  # noqa: S608
        update = f"UPDATE {table} SET {value_col} = %s WHERE {key_col} = %s"  # noqa: S608
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(select + " FOR UPDATE", [key, now])
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[0].encode())) + delta  # noqa: S301 (ours)
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(update, [encoded, key])
        return value
