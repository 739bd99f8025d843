"""Brings the `Idempotency-Key` records from hub's table, ids kept, on a database that had them
(a retry across the upgrade is still replayed, not run twice); on a new one there is nothing
to copy. Hub 0009, which runs after this, drops the old table. Written in SQL against the old
table by name, guarded by its existence, so that the kernel's history depends on no app."""

from django.db import migrations

COLUMNS = "id, organization_id, key, fingerprint, status_code, body, created_at"


def copy_rows(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('hub_idempotencyrecord') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return
        cursor.execute(
            f"INSERT INTO kernel_idempotencyrecord ({COLUMNS}) "
            f"SELECT {COLUMNS} FROM hub_idempotencyrecord"
        )
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('kernel_idempotencyrecord', 'id'), "
            "COALESCE((SELECT max(id) FROM kernel_idempotencyrecord), 0) + 1, false)"
        )


class Migration(migrations.Migration):
    dependencies = [("kernel", "0001_initial")]

    operations = [migrations.RunPython(copy_rows, migrations.RunPython.noop)]
