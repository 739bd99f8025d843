import uuid

import django.contrib.postgres.functions
from django.db import migrations, models


class Migration(migrations.Migration):
    """Each organisation's STIX identity id. The database default gives every existing row a
    UUID of its own (gen_random_uuid() is evaluated per row)."""

    dependencies = [("members", "0006_agreement_declined")]

    operations = [
        migrations.AddField(
            model_name="organization",
            name="stix_id",
            field=models.UUIDField(
                db_default=django.contrib.postgres.functions.RandomUUID(),
                default=uuid.uuid4,
                editable=False,
                unique=True,
                verbose_name="STIX identity",
            ),
        ),
    ]
