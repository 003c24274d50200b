"""Offender nationality becomes a code from a list: existing free text is mapped to its code ("other"
when it names no known country), so that no typed text is left to reach the statistics."""

from django.db import migrations, models

import hotline.web.reports.nationality


def to_codes(apps, schema_editor):  # type: ignore[no-untyped-def]
    from hotline.web.reports.nationality import from_text

    Report = apps.get_model("reports", "Report")
    for pk, text in Report.objects.values_list("pk", "offender_nationality").iterator():
        code = from_text(text or "")
        if code != text:
            Report.objects.filter(pk=pk).update(offender_nationality=code)


class Migration(migrations.Migration):
    dependencies = (("reports", "0003_second_factor_moves_to_staff"),)

    operations = (
        migrations.RunPython(to_codes, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="report",
            name="offender_nationality",
            field=models.CharField(blank=True, default="unknown", max_length=8,
                                   validators=[hotline.web.reports.nationality.validate]),
        ),
    )
