"""PostgreSQL advisory locks, named in one place.

Each lock has its own key, so two unrelated critical sections never wait for each other (a
blocklist poll once stalled behind bulk deduplication because both used one key). Keys are
64-bit integers; each is the text "ATLY" followed by a two-letter code of its own, so a key
seen in `pg_locks` says whose it is.
"""

from __future__ import annotations

import enum

from django.db import connection


class Lock(enum.IntEnum):
    # Cluster merges (reports.dedup): serialising them keeps two workers from each merging half
    # of the same clusters.
    CLUSTER_MERGE = 0x41544C59_434C  # "ATLY" "CL"
    # Writes to ISPs' blocklists against the "as of" moment of their reads (enforcement.selectors).
    BLOCKLIST_FEED = 0x41544C59_4644  # "ATLY" "FD"


def xact_lock(lock: Lock) -> None:
    """Takes `lock` exclusively until the current transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int(lock)])
