"""One fund a program, and a single one for the unnamed program (NULL counted as 0)."""

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fund', '0005_funds_to_the_default_program'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='fund',
            constraint=models.UniqueConstraint(django.db.models.functions.comparison.Coalesce('program', models.Value(0)), name='one_fund_per_program'),
        ),
    ]
