from django.contrib.postgres.operations import CreateExtension
from django.db import migrations, models

# reports.stix.export.sco_id, in SQL: UUIDv5 in STIX's SCO namespace over the compact JSON of
# {"value": value}. PostgreSQL's to_json escapes a string as Python's json.dumps does with
# ensure_ascii=False (", \, \b \f \n \r \t, other control characters as \u00xx), which
# reports/tests/test_stix_export.py checks on values that need escaping.
SCO_ID = (
    "uuid_generate_v5('00abedb4-aa42-466c-9c01-fed23315a9b7'::uuid,"
    " '{\"value\":' || to_json(VALUE)::text || '}')"
)

TRIGGER = f"""
CREATE FUNCTION reports_indicator_sco_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sco_id := {SCO_ID.replace("VALUE", "NEW.value")};
    RETURN NEW;
END
$$;
CREATE TRIGGER reports_indicator_sco_id BEFORE INSERT OR UPDATE OF value ON reports_indicator
FOR EACH ROW EXECUTE FUNCTION reports_indicator_sco_id();
UPDATE reports_indicator SET sco_id = {SCO_ID.replace("VALUE", "value")};
"""  # noqa: S608 - constants only

UNDO = """
DROP TRIGGER reports_indicator_sco_id ON reports_indicator;
DROP FUNCTION reports_indicator_sco_id();
"""


class Migration(migrations.Migration):
    """The observable's id of each indicator, indexed, so that TAXII finds an observable's
    reports without reading the whole collection (docs/taxii.md, "Server"). A trigger writes
    it, since indicators are written by COPY naming their columns (reports.services, bench/);
    existing rows are filled here."""

    dependencies = [("reports", "0009_stix_ids")]

    operations = [
        CreateExtension("uuid-ossp"),
        migrations.AddField(
            model_name="indicator",
            name="sco_id",
            field=models.UUIDField(db_index=True, editable=False, null=True),
        ),
        migrations.RunSQL(TRIGGER, UNDO),
    ]
