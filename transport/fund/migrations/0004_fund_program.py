"""Funds per program: a fund names its program (empty: the unnamed program's)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fund', '0003_subsidy_ride_seat_links_the_ride'),
        ('transport', '0006_program_facilities_plan_run_program'),
    ]

    operations = [
        migrations.AddField(
            model_name='fund',
            name='program',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='funds', to='transport.program', verbose_name='program'),
        ),
    ]
