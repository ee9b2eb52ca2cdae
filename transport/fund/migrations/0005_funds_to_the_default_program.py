"""Funds per program. Every existing ledger entry, donation, monthly gift and subsidy goes
to one fund, the default program's: the only program if there is exactly one, else the
unnamed program (coordinators made before programs existed). Rows only change which fund
they name; no amount changes, so every balance stays exact to the cent.

A migration of its own, between the new column and the unique index (one fund a program):
PostgreSQL refuses to build an index on a table in the transaction that moved its rows
(their foreign-key checks are still pending).
"""

from django.db import migrations


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
        ('fund', '0004_fund_program'),
    ]

    operations = [
        migrations.RunPython(assign_to_default_program, migrations.RunPython.noop),
    ]
