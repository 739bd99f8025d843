"""TAXII's `date_added` per reader and collection (exchange.CollectionEntry; docs/taxii.md).

`ledger_refresh` brings a reader's entries for one collection in line with what the policy
lets it see now, in one statement: entries for reports newly visible, fresh entries for
reports changed since (another `modified`) or whose reporter is now disclosed or withheld,
and no entry for a report no longer visible (so that, visible again later, it comes with a
fresh `date_added` that a client syncing with `added_after` receives).

`date_added` is strictly increasing per reader and collection: each refresh allocates after
the greatest value it has ever handed out, a microsecond apart in report id order, under an
advisory lock per (reader, collection) so two requests never allocate the same values or
interleave. A refresh is the only writer of a reader's entries.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from exchange.models import CollectionEntry
from kernel.locks import Lock, xact_lock_on
from members.models import Organization

from .collections import Collection, reports_in

# The common objects (the hub's identity, the extension-definition, the TLP markings) are in
# every collection before any report, at one fixed moment: a client gets them first, and once.
COMMON_DATE_ADDED = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def _visible_rows(reader: Organization, collection: Collection) -> tuple[str, tuple]:
    """SQL of (report id, version, identity disclosed) for what `reader` sees in the
    collection now, and its parameters."""
    reports = reports_in(reader, collection).with_disclosure(reader)
    rows = reports.order_by().values_list("id", "updated_at", "identity_disclosed")
    return rows.query.sql_with_params()


def ledger_refresh(*, reader: Organization, collection: Collection) -> None:
    table = CollectionEntry._meta.db_table
    visible_sql, visible_params = _visible_rows(reader, collection)
    # Written out rather than `IS NOT DISTINCT FROM`, which no index serves.
    if collection.agreement_id is None:
        same = "e.reader_id = %s AND e.agreement_id IS NULL"
        key = [reader.pk]
    else:
        same = "e.reader_id = %s AND e.agreement_id = %s"
        key = [reader.pk, collection.agreement_id]
    sql = f"""
        WITH v (report_id, version, disclosed) AS MATERIALIZED ({visible_sql}),
        gone AS (
            DELETE FROM {table} e WHERE {same}
            AND e.report_id NOT IN (SELECT v.report_id FROM v)
        ),
        base AS (
            SELECT greatest(clock_timestamp(), max(e.date_added)) AS t FROM {table} e
            WHERE {same}
        )
        INSERT INTO {table}
            (reader_id, agreement_id, report_id, version, identity_disclosed, date_added)
        SELECT %s, %s, v.report_id, v.version, v.disclosed,
            base.t + row_number() OVER (ORDER BY v.report_id) * interval '1 microsecond'
        FROM v CROSS JOIN base
        LEFT JOIN {table} e ON {same} AND e.report_id = v.report_id
        WHERE e.id IS NULL OR e.version <> v.version OR e.identity_disclosed <> v.disclosed
        ON CONFLICT ON CONSTRAINT one_entry_per_collection_report DO UPDATE SET
            version = EXCLUDED.version,
            identity_disclosed = EXCLUDED.identity_disclosed,
            date_added = EXCLUDED.date_added
    """  # noqa: S608 - table and column names only; every value is a parameter
    params = [
        *visible_params,
        *key,
        *key,
        reader.pk,
        collection.agreement_id,
        *key,
    ]
    with transaction.atomic():
        # Two refreshes of one reader's collection must not both allocate after the same
        # maximum (the unique constraint would refuse the second) nor commit out of order.
        xact_lock_on(Lock.TAXII_LEDGER, f"{reader.pk}:{collection.agreement_id or 0}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
