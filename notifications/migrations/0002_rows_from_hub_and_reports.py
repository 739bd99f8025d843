"""Brings the outbox (hub's Event) and the inbox, subscriptions, endpoints and deliveries
(reports') into this app, ids kept, on a database that had them; on a new one there is nothing
to copy. The old tables are dropped by hub 0008 and reports 0007, which run after this.

Written in SQL against the old tables by name, guarded by their existence, so that this app's
history depends on no app above it (ARCHITECTURE.md, "Layers")."""

from django.db import migrations

COPY = [
    (
        "hub_event",
        "notifications_event",
        "id, type, actor_org_id, subject_ids, data, urgent, created_at, processed_at",
        # What an event was about: its reports, else its agreement, else its order.
        """id, type, actor_org_id,
        CASE WHEN cardinality(report_ids) > 0 THEN report_ids
             WHEN agreement_id IS NOT NULL THEN ARRAY[agreement_id]::bigint[]
             WHEN order_id IS NOT NULL THEN ARRAY[order_id]::bigint[]
             ELSE '{}'::bigint[] END,
        data, urgent, created_at, processed_at""",
    ),
    (
        "reports_notificationsettings",
        "notifications_notificationsettings",
        "id, organization_id, categories, jurisdictions, urgent_only, email_enabled, "
        "email_digest, email_last_digest_at",
        None,
    ),
    (
        "reports_webhookendpoint",
        "notifications_webhookendpoint",
        "id, organization_id, url, description, events, secret, active, consecutive_failures, "
        "disabled_reason, created_at",
        None,
    ),
    (
        "reports_notification",
        "notifications_notification",
        "id, organization_id, event_id, subject_id, created_at, read_at, emailed_at",
        "id, organization_id, event_id, report_id, created_at, read_at, emailed_at",
    ),
    (
        "reports_webhookdelivery",
        "notifications_webhookdelivery",
        "id, endpoint_id, event_id, msg_id, event_type, state, urgent, attempts, "
        "next_attempt_at, claimed_until, last_status_code, last_error, last_response, "
        "delivered_at, created_at",
        None,
    ),
]


def copy_rows(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for old, new, columns, select in COPY:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [old])
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(f"INSERT INTO {new} ({columns}) SELECT {select or columns} FROM {old}")
            # New rows carry on from the copied ids.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{new}', 'id'), "
                f"COALESCE((SELECT max(id) FROM {new}), 0) + 1, false)"
            )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(copy_rows, migrations.RunPython.noop)]
