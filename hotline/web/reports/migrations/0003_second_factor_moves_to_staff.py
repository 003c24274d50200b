"""The staff second factor moved to the staff app: forget the model here, keep its table and rows
(staff 0001 takes them over and renames the table)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = (
        ('reports', '0002_staffsecondfactor'),
    )

    operations = (
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='StaffSecondFactor')],
            database_operations=[],
        ),
    )
