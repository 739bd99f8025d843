"""PostgreSQL advisory locks, named in one place.

Each lock has its own key, so two unrelated critical sections never wait for each other (a
blocklist poll once stalled behind bulk deduplication because both used one key). Keys are
64-bit integers; each is the text "ATLY" followed by a two-letter code of its own, so a key
seen in `pg_locks` says whose it is.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


class Lock(enum.IntEnum):
    # Cluster merges (reports.dedup): serialising them keeps two workers from each merging half
    # of the same clusters.
    CLUSTER_MERGE = 0x41544C59_434C  # "ATLY" "CL"
    # Writes to ISPs' blocklists against the "as of" moment of their reads (enforcement.selectors).
    BLOCKLIST_FEED = 0x41544C59_4644  # "ATLY" "FD"
    # TAXII's date_added, allocated per reader and collection (exchange.taxii.ledger): taken
    # with `xact_lock_on`, so one reader's collection waits only for itself.
    TAXII_LEDGER = 0x41544C59_5458  # "ATLY" "TX"
    # One poll at a time per member's TAXII source (exchange.sources), held with the source's
    # id across the poll's several transactions: see `try_session_lock`.
    TAXII_SOURCE_POLL = 0x41544C59_5450  # "ATLY" "TP"
    # One STIX id of one member at a time (exchange.import_work), with `xact_lock_on_all`: two
    # import jobs carrying versions of one indicator must not both find it new.
    STIX_IMPORT = 0x41544C59_5349  # "ATLY" "SI"


def xact_lock(lock: Lock) -> None:
    """Takes `lock` exclusively until the current transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(lock)])


@contextmanager
def try_session_lock(lock: Lock, item: int) -> Iterator[bool]:
    """Tries to take `lock` for one `item` (a row's id) without waiting; yields whether it got
    it. Held by the session, not a transaction, so it spans work that commits several times
    (and HTTP between them); released on exit, or by PostgreSQL if the process dies. The
    two-integer form keeps these keys apart from `xact_lock`'s single 64-bit keys."""
    # The lock's low 32 bits name the family (they fit a signed int4); the item its member.
    family, member = int(lock) & 0x7FFFFFFF, int(item) % 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [family, member])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [family, member])


def xact_lock_on(lock: Lock, key: str) -> None:
    """Takes `lock` for `key` alone (one reader's collection, say) until the transaction ends.
    The two-integer form, as `try_session_lock`: the lock's family, then a hash of `key`; two
    keys sharing a hash only wait for each other, which is safe."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [int(lock) & 0x7FFFFFFF, key]
        )


def xact_lock_on_all(lock: Lock, keys: list[str]) -> None:
    """`xact_lock_on` for several keys in one statement, taken in one order for everyone (their
    hashes', ascending), so two transactions locking overlapping sets never deadlock."""
    if not keys:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, h) FROM"
            " (SELECT DISTINCT hashtext(k) AS h FROM unnest(%s::text[]) AS k ORDER BY h) AS s",
            [int(lock) & 0x7FFFFFFF, list(keys)],
        )
