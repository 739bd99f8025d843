"""Targets get a public, name-based identifier (`Target.uid`, see `reports.models.target_uid`).

Filled in SQL so that a hub with millions of targets migrates in one statement; the expression
is the same as the Python function's (tested in reports/tests/test_derived_data.py)."""

from django.db import migrations, models

FILL = """
UPDATE reports_target
   SET uid = substr(encode(sha256(convert_to('atalaya-target:' || kind || ':' || value, 'UTF8')),
                           'hex'), 1, 32)::uuid
 WHERE uid IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_target_key_id_indexes")]

    operations = [
        migrations.AddField(
            model_name="target",
            name="uid",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="target",
            name="uid",
            field=models.UUIDField(editable=False, unique=True),
        ),
    ]
