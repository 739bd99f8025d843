"""Answers per target (issue 14): an ISP may answer each target of an order, blocked or
impossible with a reason. An order an ISP confirmed as a whole before this migration reads as
every target in force blocked, as a confirmation made after it does."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


BACKFILL = """
INSERT INTO enforcement_targetanswer (compliance_id, target_id, state, reason, detail, answered_at)
SELECT c.id, t.id, 'implemented', '', '', COALESCE(c.implemented_at, c.notified_at)
FROM enforcement_compliance c
JOIN enforcement_ordertarget t ON t.order_id = c.order_id AND t.lifted_at IS NULL
WHERE c.state = 'implemented'
ON CONFLICT DO NOTHING
"""


class Migration(migrations.Migration):

    dependencies = [
        ('enforcement', '0006_unblock_request_reference'),
        ('members', '0006_agreement_declined'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='compliancestep',
            name='target',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='enforcement.ordertarget'),
        ),
        migrations.AlterField(
            model_name='compliance',
            name='state',
            field=models.CharField(choices=[('notified', 'Notified'), ('acknowledged', 'Acknowledged'), ('implemented', 'Implemented'), ('rejected', 'Rejected'), ('per_target', 'Answered per target')], default='notified', max_length=15),
        ),
        migrations.AlterField(
            model_name='compliancestep',
            name='state',
            field=models.CharField(choices=[('notified', 'Notified'), ('acknowledged', 'Acknowledged'), ('implemented', 'Implemented'), ('rejected', 'Rejected'), ('per_target', 'Answered per target'), ('impossible', 'Impossible')], max_length=15),
        ),
        migrations.CreateModel(
            name='TargetAnswer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('implemented', 'Blocked'), ('impossible', 'Impossible')], max_length=15)),
                ('reason', models.CharField(blank=True, choices=[('not_technically_possible', 'Not technically possible'), ('shared_address', 'Shared address (would block other sites)'), ('other', 'Other')], default='', max_length=30)),
                ('detail', models.TextField(blank=True, default='')),
                ('answered_at', models.DateTimeField()),
                ('by_key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='members.apikey')),
                ('by_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('compliance', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='target_answers', to='enforcement.compliance')),
                ('target', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='enforcement.ordertarget')),
            ],
            options={
                'indexes': [models.Index(fields=['target'], name='target_answer_target')],
                'constraints': [models.UniqueConstraint(fields=('compliance', 'target'), name='one_answer_per_target')],
            },
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
