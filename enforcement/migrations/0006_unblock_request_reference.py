"""Unblock requests get a reference the requester follows them by (random: it must not tell how
many requests there are, as the primary key would), a `routed_at` for the sweeper that routes
them to confidential orders' issuers, and the later requests a review also answers.

Requests filed before were routed when filed: `routed_at` is their filing time."""

import secrets

from django.db import migrations, models

# Crockford's base 32: no I, L, O or U to misread. The same as enforcement.unblock's.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _reference() -> str:
    code = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"UR-{code[:4]}-{code[4:]}"


def fill(apps, schema_editor):
    UnblockRequest = apps.get_model("enforcement", "UnblockRequest")
    taken = set()
    for request in UnblockRequest.objects.filter(reference__isnull=True).iterator():
        reference = _reference()
        while reference in taken:
            reference = _reference()
        taken.add(reference)
        request.reference = reference
        request.routed_at = request.created_at
        request.save(update_fields=["reference", "routed_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("enforcement", "0005_unblock_request_language"),
    ]

    operations = [
        migrations.AddField(
            model_name="unblockrequest",
            name="reference",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.AddField(
            model_name="unblockrequest",
            name="routed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="unblockreview",
            name="repeated_by",
            field=models.ManyToManyField(
                blank=True, related_name="repeated_reviews", to="enforcement.unblockrequest"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="unblockrequest",
            name="reference",
            field=models.CharField(max_length=16, unique=True),
        ),
    ]
