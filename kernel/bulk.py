"""Bulk writes with PostgreSQL COPY (psycopg 3), for the paths that store thousands of rows.

A bulk submission of 500 reports writes about 2,500 rows; as one multi-row INSERT per table,
building the query and binding its parameters cost more than PostgreSQL's own work (see
BENCHMARKS.md, "Ingest"). COPY streams the rows instead, in the caller's transaction, and
the database still checks every constraint (keys, foreign keys, checks) on every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection, models


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys from the model's sequence, in ascending order."""
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (tuples of database values, in the order of `fields`, which are attnames)
    into the model's table."""
    opts = model._meta
    # get_field() knows attnames too ("report_id" is the column of "report").
    columns = ", ".join(connection.ops.quote_name(opts.get_field(name).column) for name in fields)
    table = connection.ops.quote_name(opts.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def copy_objects(objs: Sequence[models.Model]) -> None:
    """COPY unsaved model instances, primary keys included (see `reserve_ids`)."""
    if not objs:
        return
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields]
    copy_rows(
        model,
        [f.attname for f in fields],
        ([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] for obj in objs),
    )
    for obj in objs:  # as bulk_create leaves them: saved, in this database
        obj._state.adding = False
        obj._state.db = connection.alias
