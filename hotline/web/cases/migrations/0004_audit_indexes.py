"""The audit page's filters (by action or person, newest first); the reports' copy of the priority that
linked reports lend them (the queue orders by it) filled from the cases."""

from django.conf import settings
from django.db import migrations, models


def copy_linked_priority(apps, schema_editor):  # type: ignore[no-untyped-def]
    case_model, report_model = apps.get_model("cases", "Case"), apps.get_model("reports", "Report")
    for report_id, value in case_model.objects.filter(linked_priority__gt=0).values_list("report_id", "linked_priority"):
        report_model.objects.filter(pk=report_id).update(linked_priority=value)


class Migration(migrations.Migration):

    dependencies = (
        ("cases", "0003_encrypted_at_rest_keyed_link_keys"),
        ("reports", "0006_workspace_queue_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    )

    operations = (
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["action", "-at"], name="auditevent_action_at"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["user", "-at"], name="auditevent_user_at"),
        ),
        migrations.RunPython(copy_linked_priority, migrations.RunPython.noop),
    )
