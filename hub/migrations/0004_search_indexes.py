"""Indexes for the portal's search box (hub/search.py), which reads across apps: full-text on
report titles and descriptions, trigram on target values (domain and URL fragments)."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The expression must be exactly the one Django's SearchVector("title", "description",
# config="simple") compiles to, or the planner will not use the index.
REPORT_FTS = (
    "to_tsvector('simple'::regconfig, "
    "COALESCE(\"title\", '') || ' ' || COALESCE(\"description\", ''))"
)


class Migration(migrations.Migration):
    dependencies = [
        ("hub", "0003_event_order"),
        ("reports", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS report_search_fts ON reports_report USING gin ({REPORT_FTS})",
            "DROP INDEX IF EXISTS report_search_fts",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS target_value_trgm ON reports_target "
            "USING gin (value gin_trgm_ops)",
            "DROP INDEX IF EXISTS target_value_trgm",
        ),
    ]
