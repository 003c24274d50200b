"""Case-work free text is encrypted at rest (forwarding names and references, removed links, what a
link matched), and the duplicate-link index holds keyed hashes instead of readable links and accounts."""

from django.db import migrations

import hotline.web.encryptedfields

ENCRYPTED = {"Forwarding": ("recipient_name", "reference"), "Removal": ("url",), "ReportLink": ("detail",)}


def encrypt_rows(apps, schema_editor):  # type: ignore[no-untyped-def]
    for name, fields in ENCRYPTED.items():
        model = apps.get_model("cases", name)
        for row in model.objects.values("pk", *fields).iterator():
            values = {f: row[f] for f in fields if row[f]}
            if values:
                model.objects.filter(pk=row["pk"]).update(**values)


def hash_link_keys(apps, schema_editor):  # type: ignore[no-untyped-def]
    """A readable key ("url:…", "name:…") becomes its keyed hash ("<key id>$<hex>")."""
    from hotline.web import keys

    LinkKey = apps.get_model("cases", "LinkKey")
    for pk, key in LinkKey.objects.values_list("pk", "key").iterator():
        if key.startswith(("url:", "name:", "phone:")):
            LinkKey.objects.filter(pk=pk).update(key=keys.keyed_hash("link", key))


class Migration(migrations.Migration):

    dependencies = (('cases', '0002_published_statistics_suppressed'), ('reports', '0005_encrypted_at_rest_pin_lockout'))

    operations = (
        migrations.AlterField(
            model_name='forwarding',
            name='recipient_name',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='forwarding',
            name='reference',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='removal',
            name='url',
            field=hotline.web.encryptedfields.EncryptedTextField(max_length=2000, url=True),
        ),
        migrations.AlterField(
            model_name='reportlink',
            name='detail',
            field=hotline.web.encryptedfields.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(hash_link_keys, migrations.RunPython.noop, elidable=False),
    )
