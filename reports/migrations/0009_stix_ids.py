import uuid

import django.contrib.postgres.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    """The STIX ids of reports and indicators. The database default gives every existing row a
    UUID of its own (gen_random_uuid() is evaluated per row)."""

    dependencies = [("reports", "0008_indicator_note")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="stix_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                unique=True,
            ),
        ),
        migrations.AddField(
            model_name="indicator",
            name="stix_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                unique=True,
            ),
        ),
    ]
