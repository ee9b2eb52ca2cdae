"""A closure of some units now also keeps their residents out of the facility-wide sessions
of those days (the session stays open for the other units). Closures made before are
marked on their facility-wide sessions here, so those residents cannot book them."""

import datetime as dt

from django.db import migrations, models


def mark_unit_closures(apps, schema_editor):
    from visits.calendar import local_midnight_utc  # plain arithmetic on zones, no models

    Closure = apps.get_model("visits", "Closure")
    Session = apps.get_model("visits", "Session")
    for closure in Closure.objects.filter(units__isnull=False).distinct().select_related(
            "facility"):
        zone = closure.facility.time_zone
        shared = Session.objects.filter(
            facility_id=closure.facility_id, unit__isnull=True,
            starts_at__gte=local_midnight_utc(closure.starts_on, zone),
            starts_at__lt=local_midnight_utc(closure.ends_on + dt.timedelta(days=1), zone))
        units = list(closure.units.all())
        for session in shared:
            session.closed_units.add(*units)
        shared.update(has_closed_units=True)


class Migration(migrations.Migration):

    dependencies = [
        ('visits', '0016_approval_decisions_kept'),
    ]

    operations = [
        migrations.AddField(
            model_name='session',
            name='closed_units',
            field=models.ManyToManyField(blank=True, related_name='closed_sessions', to='visits.housingunit', verbose_name='units closed that day'),
        ),
        migrations.AddField(
            model_name='session',
            name='has_closed_units',
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(mark_unit_closures, migrations.RunPython.noop),
    ]
