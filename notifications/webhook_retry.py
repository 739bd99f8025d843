"""When to retry a webhook delivery: the retry schedule with jitter, and Retry-After headers
read as a floor; re-exported by `reports.webhooks`."""

from __future__ import annotations

import datetime
import random
import time
from email.utils import parsedate_to_datetime

# Delay before the next attempt, indexed by the number of attempts already made minus one:
# after the 1st attempt fails retry immediately, after the 2nd wait 5 s, ... after the 10th
# wait 24 h; after the 11th give up.
RETRY_SCHEDULE: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
JITTER = 0.10
RETRY_AFTER_CAP = 86400

# Spreads retries so endpoints recovering from an outage are not hit by every delivery at once.
# Not security-sensitive, hence not SystemRandom.
_jitter_rng = random.Random()


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from `now` that a Retry-After header asks us to wait, capped at 24 h.

    Accepts delay-seconds or an HTTP date; returns None when absent or unparseable, so a
    broken header falls back to the normal schedule instead of failing the delivery.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(int(value))
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
            moment = moment.replace(tzinfo=datetime.UTC)
        seconds = moment.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), float(RETRY_AFTER_CAP))


def next_attempt_delay(
    attempt: int,
    *,
    retry_after: str | None = None,
    rng: random.Random | None = None,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or None once the schedule is exhausted.

    `attempt` is the number of attempts already made (1 after the first). The scheduled delay
    gets ±10 % jitter; a Retry-After from the last response is a floor, never shortened by
    jitter. `now` only matters for HTTP-date Retry-After values (injectable for tests).
    """
    if attempt < 1:
        raise ValueError("attempt counts attempts already made, so it starts at 1")
    if attempt > len(RETRY_SCHEDULE):
        return None
    source = rng if rng is not None else _jitter_rng
    delay = RETRY_SCHEDULE[attempt - 1] * (1 + source.uniform(-JITTER, JITTER))
    floor = parse_retry_after(retry_after, now=now)
    return delay if floor is None else max(delay, floor)
