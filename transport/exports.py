"""Rows for the coordinators' spreadsheet of rides over visit dates.

Read by visit date (the facility's local day of the session), like the liaisons' visits
export and the fund's grants export, so the three files of one month line up.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet

from transport.access import coordinator_program
from transport.models import RideRequest
from transport.programs import rides_q
from transport.travel import Point, haversine_km
from visits.calendar import local_date

KM_PER_MILE = 1.609344
# Visits are in a facility's own zone; a day's window is widened by the widest offsets
# (UTC-12 to UTC+14) and then each row is kept by its facility's local date.
ZONE_SLACK = dt.timedelta(hours=14)

RIDES_HEADER = ("visit_date", "facility", "ride", "status", "to_facility", "home", "legs",
                "riders", "adults", "children", "child_seats", "wheelchair_places",
                "legs_planned", "miles", "pickup_place")


def in_visit_days(rows: QuerySet, path: str, first: dt.date, last: dt.date) -> QuerySet:
    start = dt.datetime.combine(first, dt.time(), dt.UTC) - ZONE_SLACK
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC) + ZONE_SLACK
    return rows.filter(**{f"{path}__gte": start, f"{path}__lt": end})


def visit_day(session) -> dt.date:
    return local_date(session.starts_at, session.facility.time_zone)


def _miles_one_way(ride: RideRequest) -> float | None:
    facility = ride.booking.session.facility
    if facility.latitude is None or facility.longitude is None:
        return None
    km = haversine_km(Point(ride.pickup_latitude, ride.pickup_longitude),
                      Point(facility.latitude, facility.longitude))
    return km * settings.TRANSPORT_ROAD_FACTOR / KM_PER_MILE


def ride_rows(*, user: AbstractBaseUser, first: dt.date, last: dt.date) -> list[tuple]:
    """One row per ride request of the coordinator's program for a visit in [first, last]."""
    program_id = coordinator_program(user)
    rides = in_visit_days(RideRequest.objects.filter(rides_q(program_id)),
                          "booking__session__starts_at", first, last)
    rides = (rides.select_related("booking__session__facility")
             .annotate(planned=Count("stops__trip", distinct=True, filter=Q(stops__isnull=False)))
             .order_by("booking__session__starts_at", "id"))
    rows = []
    for ride in rides:
        day = visit_day(ride.booking.session)
        if not first <= day <= last:
            continue
        legs = int(ride.outbound) + int(ride.return_trip)
        one_way = _miles_one_way(ride)
        rows.append((
            day.isoformat(), ride.booking.session.facility.name, ride.pk,
            ride.get_status_display(), int(ride.outbound), int(ride.return_trip), legs,
            ride.adults + ride.children, ride.adults, ride.children, ride.child_seats,
            ride.wheelchair_places, ride.planned,
            "" if one_way is None else f"{one_way * legs:.1f}", ride.pickup_label,
        ))
    return rows
