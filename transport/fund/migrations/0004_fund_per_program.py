"""Funds per program. Every existing ledger entry, donation, monthly gift and subsidy goes
to one fund, the default program's: the only program if there is exactly one, else the
unnamed program (coordinators made before programs existed). Rows only change which fund
they name; no amount changes, so every balance stays exact to the cent.
"""

import django.db.models.deletion
import django.db.models.functions.comparison
from django.db import migrations, models


def assign_to_default_program(apps, schema_editor):
    Fund = apps.get_model("fund", "Fund")
    Program = apps.get_model("transport", "Program")
    funds = list(Fund.objects.order_by("pk"))
    if not funds:
        return
    programs = list(Program.objects.values_list("pk", flat=True)[:2])
    default = programs[0] if len(programs) == 1 else None
    main = next((f for f in funds if f.slug == "travel"), funds[0])
    others = [f.pk for f in funds if f.pk != main.pk]
    # Historical models have plain managers: the ledger's append-only guard is not in the
    # way, and only the fund column changes.
    for name in ("LedgerEntry", "Donation", "MonthlyGift", "Subsidy"):
        apps.get_model("fund", name).objects.filter(fund_id__in=others).update(fund_id=main.pk)
    Fund.objects.filter(pk__in=others).delete()
    Fund.objects.filter(pk=main.pk).update(
        program_id=default, slug=f"program-{default}" if default else main.slug)


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
        migrations.RunPython(assign_to_default_program, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='fund',
            constraint=models.UniqueConstraint(django.db.models.functions.comparison.Coalesce('program', models.Value(0)), name='one_fund_per_program'),
        ),
    ]
