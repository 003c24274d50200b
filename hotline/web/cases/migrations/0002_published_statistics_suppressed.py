"""Snapshots published before suppression are rewritten as they would be published now: nationalities
folded to codes (typed text becomes "other") and every count below 5 suppressed."""

from django.db import migrations


def rewrite(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hotline.web.cases.stats import rewrite_snapshot

    PublishedStatistics = apps.get_model("cases", "PublishedStatistics")
    for snapshot in PublishedStatistics.objects.all():
        data = rewrite_snapshot(snapshot.data)
        if data != snapshot.data:
            PublishedStatistics.objects.filter(pk=snapshot.pk).update(data=data)


class Migration(migrations.Migration):
    dependencies = (("cases", "0001_initial"), ("reports", "0004_nationality_from_a_list"))

    operations = (migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=False),)
