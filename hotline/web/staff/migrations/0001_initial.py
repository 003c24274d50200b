"""The staff second factor, taken over from the reports app with its rows: the model enters this app's
state on the table the reports app created (on a fresh database as on an existing one), then the table
is renamed to this app's name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = (
        ('reports', '0003_second_factor_moves_to_staff'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    )

    operations = (
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='StaffSecondFactor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name='ID')),
                        ('secret_encrypted', models.BinaryField()),
                        ('confirmed', models.BooleanField(default=False)),
                        ('last_step', models.BigIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE,
                                                      related_name='second_factor',
                                                      to=settings.AUTH_USER_MODEL)),
                    ],
                    options={'db_table': 'reports_staffsecondfactor'},
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='staffsecondfactor', table=None),
    )
