"""Free text about people is encrypted at rest: the columns become text holding Fernet tokens and every
existing row is rewritten encrypted; the plain index on links goes. PIN failures are counted per code.
The database cache table (shared rate-limit counters) is created here so that `migrate` prepares it."""

from django.core.management import call_command
from django.db import migrations, models

import hotline.web.encryptedfields

ENCRYPTED = {
    "Report": ("description", "offender_name", "offender_profile_url", "contact"),
    "ReportURL": ("url",),
    "StatusChange": ("public_note",),
    "ReporterNote": ("text",),
}


def encrypt_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Read each value (a row not yet encrypted reads as it is) and write it back (encrypted)."""
    for name, fields in ENCRYPTED.items():
        model = apps.get_model("reports", name)
        for row in model.objects.values("pk", *fields).iterator():
            values = {f: row[f] for f in fields if row[f]}
            if values:
                model.objects.filter(pk=row["pk"]).update(**values)


def create_cache_table(apps, schema_editor):  # type: ignore[no-untyped-def]
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = (('reports', '0004_nationality_from_a_list'),)

    operations = (
        migrations.RemoveIndex(
            model_name='reporturl',
            name='reporturl_url',
        ),
        migrations.AddField(
            model_name='report',
            name='pin_failures',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='report',
            name='pin_locked_until',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='report',
            name='contact',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='report',
            name='description',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=10000),
        ),
        migrations.AlterField(
            model_name='report',
            name='offender_name',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='report',
            name='offender_profile_url',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=2000, url=True),
        ),
        migrations.AlterField(
            model_name='report',
            name='status',
            field=models.CharField(choices=[('received', 'Received'), ('in_review', 'Being reviewed'), ('assessed', 'Assessed'), ('forwarded', 'Forwarded to the police or the platform'), ('removed', 'Content removed'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn by the reporter')], default='received', max_length=16),
        ),
        migrations.AlterField(
            model_name='reporternote',
            name='text',
            field=hotline.web.encryptedfields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name='reporturl',
            name='url',
            field=hotline.web.encryptedfields.EncryptedTextField(max_length=2000, url=True),
        ),
        migrations.AlterField(
            model_name='statuschange',
            name='public_note',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='statuschange',
            name='status',
            field=models.CharField(choices=[('received', 'Received'), ('in_review', 'Being reviewed'), ('assessed', 'Assessed'), ('forwarded', 'Forwarded to the police or the platform'), ('removed', 'Content removed'), ('closed', 'Closed'), ('withdrawn', 'Withdrawn by the reporter')], max_length=16),
        ),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    )
