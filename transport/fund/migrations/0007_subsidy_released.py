"""A grant whose visit moved to one the fund does not pay for is released, with the reason."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('fund', '0006_one_fund_per_program'),
    ]

    operations = [
        migrations.AddField(
            model_name='subsidy',
            name='release_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name='why it was released'),
        ),
        migrations.AlterField(
            model_name='subsidy',
            name='status',
            field=models.CharField(choices=[('granted', 'granted'), ('reversed', 'reversed'), ('released', 'released')], default='granted', max_length=10),
        ),
    ]
