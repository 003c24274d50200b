"""The workspace at scale: the queue's order as an indexed column computed by the database
(the larger of the report's own priority and the one linked reports lend it), indexed over open reports
only; indexes for the counts above the queue, date ranges and the statistics' status counts."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = (
        ("reports", "0005_encrypted_at_rest_pin_lockout"),
    )

    operations = (
        migrations.AddField(
            model_name="report",
            name="linked_priority",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="report",
            name="queue_priority",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.comparison.Greatest("priority", "linked_priority"),
                output_field=models.PositiveSmallIntegerField()),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("status__in", ("received", "in_review", "assessed", "forwarded"))),
                fields=["-queue_priority", "created_at", "id"], name="report_open_queue"),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["status", "risk"], name="report_status_risk"),
        ),
        migrations.AddIndex(
            model_name="report",
            index=models.Index(fields=["created_at"], name="report_created"),
        ),
        migrations.AddIndex(
            model_name="statuschange",
            index=models.Index(fields=["status", "report"], name="statuschange_status_report"),
        ),
    )
