"""The table of the "ratelimit" cache (settings.CACHES; kernel/ratelimit.py).

Created here so that `migrate` is all a deployment runs; `createcachetable` skips a table that
exists, and the test runner's own call to it finds this one."""

from django.core.management import call_command
from django.db import migrations

TABLE = "hub_ratelimit_cache"


def create(apps, schema_editor):
    call_command("createcachetable", TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("hub", "0006_event_type_labels")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
