"""Advisory locks are named in one place, and unrelated ones never wait for each other.

A blocklist poll once stalled for up to 890 ms behind bulk deduplication: the cluster-merge
lock and the blocklists' lock shared one key."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection, transaction

from enforcement.selectors import feed_read_moment
from kernel.locks import Lock, xact_lock


def test_every_lock_has_a_key_of_its_own():
    assert len({int(lock) for lock in Lock}) == len(Lock)


@pytest.mark.django_db(transaction=True)
def test_a_blocklist_read_does_not_wait_for_a_cluster_merge():
    """A second connection holds the cluster-merge lock, as a worker merging clusters does;
    reading a blocklist's "as of" moment must not wait for it (it would hit the statement
    timeout if the two locks shared a key)."""
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    with psycopg.connect(**dsn) as worker:
        worker.execute("BEGIN")
        worker.execute("SELECT pg_advisory_xact_lock(%s)", [int(Lock.CLUSTER_MERGE)])
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '500ms'")
            feed_read_moment()  # raises (lock timeout) if it waited for the merge lock
        worker.execute("ROLLBACK")


@pytest.mark.django_db(transaction=True)
def test_a_lock_is_held_until_the_transaction_ends():
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    with transaction.atomic():
        xact_lock(Lock.CLUSTER_MERGE)
        with psycopg.connect(**dsn, autocommit=True) as other:
            taken = other.execute(
                "SELECT pg_try_advisory_lock(%s)", [int(Lock.CLUSTER_MERGE)]
            ).fetchone()[0]
    assert taken is False
