"""An independent check of planned trips, from the stored rows alone.

It does not ask the planner or the solver anything: it recomputes driving times from the
stops' coordinates (its own haversine, the settings' road factor and speed) and walks each
trip in order, checking seats, child seats and wheelchair places on board, the driver's
window, time between stops, the families' windows and their time in the car.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings

from transport.models import DriverAvailability, Stop, Trip

TOLERANCE = dt.timedelta(seconds=61)  # planned times are kept to the second


def drive(a: tuple[float, float], b: tuple[float, float]) -> dt.timedelta:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    km = 2 * 6371.0088 * math.asin(math.sqrt(h))
    minutes = km * settings.TRANSPORT_ROAD_FACTOR / settings.TRANSPORT_AVERAGE_KMH * 60
    return dt.timedelta(minutes=minutes)


def _where(stop: Stop) -> tuple[float, float]:
    return (stop.latitude, stop.longitude)


def check_trip(trip: Trip) -> list[str]:
    problems: list[str] = []
    stops = list(Stop.objects.filter(trip=trip).select_related(
        "request__booking__session").order_by("position"))
    if not stops:
        return problems
    problems += _check_loads(trip, stops)
    problems += _check_times(trip, stops)
    problems += _check_windows(stops)
    return problems


def _check_loads(trip: Trip, stops: list[Stop]) -> list[str]:
    problems, on_board, seen = [], [0, 0, 0], set()
    capacity = (trip.vehicle.seats, trip.vehicle.child_seats, trip.vehicle.wheelchair_places)
    for stop in stops:
        r = stop.request
        load = (r.adults + r.children - r.wheelchair_places, r.child_seats, r.wheelchair_places)
        sign = 1 if stop.kind == "pickup" else -1
        if stop.kind == "dropoff" and (r.pk, stop.leg) not in seen:
            problems.append(f"trip {trip.pk}: drop-off of {r.pk}/{stop.leg} before its pickup")
        seen.add((r.pk, stop.leg))
        on_board = [n + sign * x for n, x in zip(on_board, load, strict=True)]
        for name, n, cap in zip(("seats", "child seats", "wheelchairs"), on_board, capacity,
                                strict=True):
            if n > cap:
                problems.append(f"trip {trip.pk}: {n} {name} used at stop {stop.position}, "
                                f"vehicle has {cap}")
    if any(on_board):
        problems.append(f"trip {trip.pk}: riders left on board at the end: {on_board}")
    return problems


def _windows(trip: Trip) -> list[tuple[dt.datetime, dt.datetime]]:
    """The driver's availability around the trip, overlapping windows joined."""
    rows = DriverAvailability.objects.filter(
        driver=trip.driver, starts_at__lt=trip.ends_at, ends_at__gt=trip.starts_at,
    ).order_by("starts_at")
    merged: list[list[dt.datetime]] = []
    for row in rows:
        if merged and row.starts_at < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], row.ends_at)
        else:
            merged.append([row.starts_at, row.ends_at])
    return [(a, b) for a, b in merged]


def _check_times(trip: Trip, stops: list[Stop]) -> list[str]:
    """Each stop lies in one of her windows; in each window she leaves home after it opens,
    keeps drive times between stops, is home before it closes and carries nobody across."""
    problems = []
    windows = _windows(trip)
    groups: dict[int, list[Stop]] = {}
    for stop in stops:
        inside = [i for i, (a, b) in enumerate(windows)
                  if a - TOLERANCE <= stop.planned_at <= b + TOLERANCE]
        if not inside:
            problems.append(f"trip {trip.pk}: {trip.starts_at}–{trip.ends_at} outside her "
                            f"windows (stop {stop.position})")
            continue
        groups.setdefault(inside[0], []).append(stop)
    for index, group in groups.items():
        problems += _check_window(trip, group, *windows[index])
    return problems


def _check_window(trip: Trip, stops: list[Stop], opens: dt.datetime,
                  closes: dt.datetime) -> list[str]:
    problems = []
    service = dt.timedelta(minutes=settings.TRANSPORT_STOP_MINUTES)
    home = (trip.driver.latitude, trip.driver.longitude)
    if max(opens, trip.starts_at) + drive(home, _where(stops[0])) > \
            stops[0].planned_at + TOLERANCE:
        problems.append(f"trip {trip.pk}: cannot reach the first stop in time")
    for a, b in zip(stops, stops[1:], strict=False):
        if a.planned_at + service + drive(_where(a), _where(b)) > b.planned_at + TOLERANCE:
            problems.append(f"trip {trip.pk}: stop {b.position} planned too soon after "
                            f"stop {a.position}")
    last = stops[-1]
    if last.planned_at + service + drive(_where(last), home) > \
            min(closes, trip.ends_at) + TOLERANCE:
        problems.append(f"trip {trip.pk}: back home later than planned")
    ends = [(s.request_id, s.leg, s.kind) for s in stops]
    for request_id, leg, kind in ends:
        other = "dropoff" if kind == "pickup" else "pickup"
        if (request_id, leg, other) not in ends:
            problems.append(f"trip {trip.pk}: ride {request_id}/{leg} spans her time away")
    return problems


def _max_ride(stop: Stop) -> dt.timedelta:
    r = stop.request
    facility = r.booking.session.facility
    direct = drive((r.pickup_latitude, r.pickup_longitude), (facility.latitude,
                                                            facility.longitude))
    cap = dt.timedelta(minutes=settings.TRANSPORT_MAX_RIDE_MINUTES)
    return min(direct * settings.TRANSPORT_MAX_RIDE_FACTOR, cap)


def _check_windows(stops: list[Stop]) -> list[str]:
    problems = []
    service = dt.timedelta(minutes=settings.TRANSPORT_STOP_MINUTES)
    pickups = {(s.request_id, s.leg): s for s in stops if s.kind == "pickup"}
    for stop in stops:
        r, session = stop.request, stop.request.booking.session
        check_in = session.starts_at - dt.timedelta(minutes=settings.TRANSPORT_CHECK_IN_MINUTES)
        leave = session.ends_at + dt.timedelta(minutes=settings.TRANSPORT_RETURN_AFTER_MINUTES)
        if stop.kind == "pickup" and stop.leg == "outbound" and \
                stop.planned_at + TOLERANCE < r.earliest_pickup:
            problems.append(f"ride {r.pk}: picked up before {r.earliest_pickup}")
        if stop.kind == "dropoff" and stop.leg == "outbound" and \
                stop.planned_at > check_in + TOLERANCE:
            problems.append(f"ride {r.pk}: arrives {stop.planned_at}, after check-in {check_in}")
        if stop.kind == "pickup" and stop.leg == "return" and \
                stop.planned_at + TOLERANCE < leave:
            problems.append(f"ride {r.pk}: ride home leaves before the visit ends")
        if stop.kind == "dropoff":
            pickup = pickups[(stop.request_id, stop.leg)]
            ride = stop.planned_at - (pickup.planned_at + service)
            if ride > _max_ride(stop) + TOLERANCE:
                problems.append(f"ride {r.pk}/{stop.leg}: {ride} in the car, "
                                f"more than {_max_ride(stop)}")
    return problems


def check_day(day: dt.date) -> list[str]:
    """Every violation in every trip of the day (an empty list when all holds)."""
    problems: list[str] = []
    for trip in Trip.objects.filter(day=day).select_related("driver", "vehicle"):
        problems += check_trip(trip)
    return problems
