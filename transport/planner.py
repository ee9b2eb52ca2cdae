"""Plan a day's rides: read the open requests and the drivers, solve, write trips and stops.

The solve runs outside any transaction (it takes seconds); the write then locks the day's
requests and replaceable trips, checks nothing changed meanwhile (a pin, a cancellation, a
driver who set off) and writes everything in one transaction, or plans again.

Scope: the day's live ride requests (optionally of one facility). Trips already under way
are left alone with the legs they carry. Planned trips that carry only in-scope requests are
replaced, except trips with a request pinned to them: those rows stay (with their driver and
vehicle) and the solver must put the pinned requests on them. A one-facility run also takes
in the other facilities' planned trips, their legs held on the same driver at the same times
(drivers are shared; each has one trip a day, which may visit several prisons). Another run
that wrote trips meanwhile (or the one-trip-per-driver constraint) means: read and plan again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from transport import notify
from transport.models import (
    LIVE_RIDE_STATUSES,
    Driver,
    DriverAvailability,
    PlanRun,
    RideRequest,
    RideStatus,
    Stop,
    StopKind,
    Trip,
    TripStatus,
    UnservedReason,
)
from transport.planning import Built, DriverInput, RideInput, Rules, build_problem
from transport.programs import rides_q, trips_q
from transport.travel import Point, TravelTimes, travel_times
from visits.models import ACTIVE_STATUSES

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 3
# `requests_of_day` without a program: every program's rides (the day's bookkeeping).
ANY_PROGRAM = object()


class PlanStale(Exception):
    """Something in scope changed while the solver ran; read again and re-plan."""


def rules_from_settings() -> Rules:
    return Rules(
        check_in=settings.TRANSPORT_CHECK_IN_MINUTES,
        arrival_window=settings.TRANSPORT_ARRIVAL_WINDOW_MINUTES,
        return_after=settings.TRANSPORT_RETURN_AFTER_MINUTES,
        return_wait=settings.TRANSPORT_RETURN_WAIT_MINUTES,
        max_ride_factor=settings.TRANSPORT_MAX_RIDE_FACTOR,
        max_ride_cap=settings.TRANSPORT_MAX_RIDE_MINUTES,
        stop_minutes=settings.TRANSPORT_STOP_MINUTES,
    )


def session_day(request: RideRequest) -> dt.date:
    session = request.booking.session
    return session.starts_at.astimezone(session.facility.tz).date()


def requests_of_day(day: dt.date, facility_id: int | None = None, *,
                    program_id: int | None | object = ANY_PROGRAM) -> list[RideRequest]:
    """Live ride requests whose visit is on `day` in its facility's time zone (of one
    program, if given: None is the unnamed program)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    qs = RideRequest.objects.filter(
        status__in=LIVE_RIDE_STATUSES,
        booking__session__starts_at__gte=start,
        booking__session__starts_at__lt=start + dt.timedelta(hours=52),
    ).select_related("booking__session__facility", "booking__household__caregiver")
    if facility_id is not None:
        qs = qs.filter(booking__session__facility_id=facility_id)
    if program_id is not ANY_PROGRAM:
        qs = qs.filter(rides_q(program_id))  # type: ignore[arg-type]
    return [r for r in qs.order_by("pk") if session_day(r) == day]


@dataclass
class Scope:
    """What one planning run may change, as read before solving."""

    day: dt.date
    facility_id: int | None
    requests: list[RideRequest]
    replaceable: list[Trip]  # planned trips carrying only in-scope requests
    kept: dict[int, Trip]  # driver id -> replaceable trip that has a pin (the row stays)
    frozen: set[tuple[int, str]]  # (request, leg) on trips this run may not touch
    busy_drivers: set[int]
    busy_vehicles: set[int]
    snapshot: dict[int, tuple] = field(default_factory=dict)
    # Another facility's legs on a shared driver's planned trip: (request, leg) -> driver,
    # and their planned (pickup, drop-off) times, which this run keeps.
    guests: dict[tuple[int, str], int] = field(default_factory=dict)
    guest_times: dict[tuple[int, str], tuple[dt.datetime, dt.datetime]] = field(
        default_factory=dict)
    own_ids: frozenset[int] = frozenset()  # the requests this run was asked to plan
    day_trips: frozenset[int] = frozenset()  # every trip of the program's day when read
    # The program planned: its rides, its drivers and vehicles only (None: the unnamed one).
    program_id: int | None = None
    # driver id -> the windows she was planned on (`driver_inputs`), checked before writing.
    windows: dict[int, frozenset[int]] = field(default_factory=dict)


def _trips_of_day(day: dt.date, program_id: int | None) -> list[Trip]:
    """The program's trips: another program's drivers and vehicles are never ours to plan."""
    return list(Trip.objects.filter(trips_q(program_id), day=day).prefetch_related("stops"))


def read_scope(day: dt.date, facility_id: int | None, program_id: int | None = None) -> Scope:
    own = requests_of_day(day, facility_id, program_id=program_id)
    trips = _trips_of_day(day, program_id)
    requests, guests = _with_guests(day, own, trips) if facility_id is not None else (own, {})
    ids = {r.pk for r in requests}
    replaceable, frozen, busy_drivers, busy_vehicles = [], set(), set(), set()
    for trip in trips:
        carried = {s.request_id for s in trip.stops.all()}
        if trip.status == TripStatus.PLANNED and carried <= ids:
            replaceable.append(trip)
            continue
        busy_drivers.add(trip.driver_id)
        busy_vehicles.add(trip.vehicle_id)
        frozen |= {(s.request_id, s.leg) for s in trip.stops.all()}
    pinned_trip_ids = {r.pinned_trip_id for r in requests if r.pinned_trip_id}
    guest_drivers = set(guests.values())
    # A pinned trip keeps its row, and so does a shared driver's: her trip stays her trip.
    kept = {t.driver_id: t for t in replaceable
            if t.pk in pinned_trip_ids or t.driver_id in guest_drivers}
    scope = Scope(day, facility_id, requests, replaceable, kept, frozen, busy_drivers,
                  busy_vehicles, guests=guests, guest_times=_leg_times(trips, guests),
                  own_ids=frozenset(r.pk for r in own), day_trips=frozenset(t.pk for t in trips),
                  program_id=program_id)
    scope.snapshot = _snapshot(requests, replaceable)
    return scope


def _leg_times(trips: list[Trip], legs: dict[tuple[int, str], int],
               ) -> dict[tuple[int, str], tuple[dt.datetime, dt.datetime]]:
    """(request, leg) -> (pickup, drop-off) as planned, for the given legs."""
    times: dict[tuple[int, str], dict[str, dt.datetime]] = defaultdict(dict)
    for trip in trips:
        for stop in trip.stops.all():
            if (stop.request_id, stop.leg) in legs:
                times[(stop.request_id, stop.leg)][stop.kind] = stop.planned_at
    return {key: (kinds[StopKind.PICKUP], kinds[StopKind.DROPOFF]) for key, kinds in times.items()
            if StopKind.PICKUP in kinds and StopKind.DROPOFF in kinds}


def _with_guests(day: dt.date, own: list[RideRequest],
                 trips: list[Trip]) -> tuple[list[RideRequest], dict[tuple[int, str], int]]:
    """A one-facility run may give its rides to drivers other facilities' rides already
    have: their planned trips are planned again with those rides held on the same driver at
    the times their families were told (`_leg_times`), so the rest of the day stays as it
    was and a shared driver still has one trip."""
    ids = {r.pk for r in own}
    guests = {(s.request_id, s.leg): trip.driver_id for trip in trips
              if trip.status == TripStatus.PLANNED for s in trip.stops.all()
              if s.request_id not in ids}
    wanted = {request_id for request_id, _leg in guests}
    others = [r for r in requests_of_day(day) if r.pk in wanted] if wanted else []
    return own + others, guests


def _snapshot(requests: list[RideRequest], trips: list[Trip]) -> dict:
    state = {("r", r.pk): (r.status, r.pinned_trip_id, r.pinned_driver_id, r.updated_at)
             for r in requests}
    state.update({("t", t.pk): (t.status, t.updated_at) for t in trips})
    return state


# --- inputs for the problem ------------------------------------------------------------


def _ride_input(request: RideRequest, scope: Scope) -> RideInput | None:
    legs = tuple(leg for leg in request.legs if (request.pk, leg) not in scope.frozen)
    if not legs:
        return None
    session = request.booking.session
    facility = session.facility
    has_location = facility.latitude is not None and facility.longitude is not None
    return RideInput(
        request_id=request.pk, legs=legs,
        home=Point(request.pickup_latitude, request.pickup_longitude),
        home_label=request.pickup_label,
        facility=Point(facility.latitude, facility.longitude) if has_location else None,
        facility_label=facility.name, load=request.load,
        earliest_pickup=request.earliest_pickup,
        session_starts=session.starts_at, session_ends=session.ends_at,
        pinned_driver_id=_pinned_driver(request, scope.day),
        leg_drivers=tuple((leg, driver) for (rid, leg), driver in sorted(scope.guests.items())
                          if rid == request.pk and leg in legs),
        held_times=tuple((leg, *times) for (rid, leg), times in sorted(scope.guest_times.items())
                         if rid == request.pk and leg in legs),
    )


def _pinned_driver(request: RideRequest, day: dt.date) -> int | None:
    """The driver a pin names: its trip's (kept by the plan), else the one pinned for the day
    (who may have no trip yet: the solver puts the ride on her vehicle)."""
    trip = request.pinned_trip
    if trip is not None and trip.day == day:
        return trip.driver_id
    return request.pinned_driver_id


def _day_bounds(scope: Scope) -> tuple[dt.datetime, dt.datetime]:
    zones = {r.booking.session.facility.tz for r in scope.requests} or {dt.UTC}
    starts = [dt.datetime.combine(scope.day, dt.time(), tzinfo=tz) for tz in zones]
    return min(starts), max(starts) + dt.timedelta(days=1)


def _capacity(vehicle) -> tuple[int, int, int]:
    return (vehicle.seats, vehicle.child_seats, vehicle.wheelchair_places)


def _vehicle_for(availability: DriverAvailability, scope: Scope, taken: set[int]):
    """The kept trip's vehicle, the one she named for the day, or her largest free one."""
    kept = scope.kept.get(availability.driver_id)
    if kept is not None:
        return kept.vehicle
    choices = [availability.vehicle] if availability.vehicle else list(
        availability.driver.vehicles.filter(active=True))
    free = [v for v in choices if v and v.active and v.pk not in taken
            and v.program_id == scope.program_id]
    return max(free, key=lambda v: (_capacity(v), -v.pk), default=None)


def _merged_windows(windows: list[DriverAvailability]) -> list[DriverAvailability]:
    """A driver's windows of the day, overlapping ones joined (she is free over their union);
    disjoint ones stay apart, each its own route from home and back."""
    merged: list[DriverAvailability] = []
    for window in sorted(windows, key=lambda w: (w.starts_at, w.pk)):
        last = merged[-1] if merged else None
        if last is not None and window.starts_at < last.ends_at:
            last.ends_at = max(last.ends_at, window.ends_at)
        else:
            merged.append(window)
    return merged


def driver_inputs(scope: Scope) -> list[DriverInput]:
    """One route per window of each available driver, from her home base and back; her
    windows of one day share one vehicle (written as one trip, `_replace_trips`)."""
    start, end = _day_bounds(scope)
    windows = (
        DriverAvailability.objects.filter(starts_at__lt=end, ends_at__gt=start,
                                          driver__active=True,
                                          driver__program_id=scope.program_id)
        .exclude(driver_id__in=scope.busy_drivers)
        .select_related("driver", "vehicle").order_by("driver_id", "starts_at")
    )
    by_driver: dict[int, list[DriverAvailability]] = defaultdict(list)
    for window in windows:
        by_driver[window.driver_id].append(window)
    scope.windows = {d: frozenset(w.pk for w in ws) for d, ws in by_driver.items()}
    taken = set(scope.busy_vehicles) | {t.vehicle_id for t in scope.kept.values()}
    out = []
    for driver_id in sorted(by_driver):
        day_windows = _merged_windows(by_driver[driver_id])
        longest = max(day_windows, key=lambda w: (w.ends_at - w.starts_at, -w.pk))
        driver: Driver = longest.driver
        vehicle = _vehicle_for(longest, scope, taken)
        if vehicle is None or not driver.has_location:
            continue
        taken.add(vehicle.pk)
        out.extend(DriverInput(
            driver_id=driver.pk, vehicle_id=vehicle.pk,
            home=Point(driver.latitude, driver.longitude),
            home_label=driver.home_base or str(driver), capacity=_capacity(vehicle),
            starts=window.starts_at, ends=window.ends_at,
        ) for window in day_windows)
    return out


# --- solving and reading the answer -----------------------------------------------------


@dataclass
class StopPlan:
    request_id: int
    leg: str
    kind: str
    label: str
    point: Point
    at: dt.datetime


@dataclass
class RoutePlan:
    driver: DriverInput
    stops: list[StopPlan]
    starts: dt.datetime
    ends: dt.datetime
    minutes: float


@dataclass
class PlanResult:
    routes: list[RoutePlan]
    unserved: dict[tuple[int, str], tuple[str, str]]  # (request, leg) -> (reason, detail)
    legs: int = 0  # legs asked for, served or not
    seconds: float = 0.0


def _route_plan(built: Built, route, unserved: dict) -> RoutePlan | None:
    """The solver's route as stops; legs it split or put on the wrong vehicle are dropped."""
    driver = built.drivers[route.vehicle]
    stops, travel = [], 0.0
    for prev, node in zip(route.nodes, route.nodes[1:], strict=False):
        travel += built.problem.travel[prev][node]
    for node, minutes in zip(route.nodes, route.times, strict=True):
        info = built.nodes[node]
        if info.kind != "depot":
            stops.append(StopPlan(info.request_id, info.leg, info.kind, info.label,
                                  info.point, built.at(minutes)))
    stops = _whole_legs(stops, unserved)
    if not stops:
        return None
    return RoutePlan(driver, stops, built.at(route.times[0]), built.at(route.times[-1]), travel)


def _whole_legs(stops: list[StopPlan], unserved: dict) -> list[StopPlan]:
    kinds: dict[tuple[int, str], list[str]] = defaultdict(list)
    for stop in stops:
        kinds[(stop.request_id, stop.leg)].append(stop.kind)
    broken = {key for key, seen in kinds.items() if seen != [StopKind.PICKUP, StopKind.DROPOFF]}
    for key in broken:
        logger.error("solver returned leg %s without a pickup before its drop-off", key)
        unserved[key] = (UnservedReason.NO_ROOM, "inconsistent route from the solver")
    return [s for s in stops if (s.request_id, s.leg) not in broken]


def solve_built(built: Built, *, time_limit: float, seed: int = 0) -> PlanResult:
    from transport.routing.solver import solve  # the solver module loads OR-Tools

    unserved = {key: (reason, "") for key, reason in built.unserved.items()}
    legs = len(built.legs) + len(built.unserved)
    if not built.problem.requests:
        return PlanResult(routes=[], unserved=unserved, legs=legs)
    solution = solve(built.problem, time_limit=time_limit, seed=seed)
    for index, why in solution.unserved.items():
        unserved[built.legs[index]] = (UnservedReason.NO_ROOM, str(why)[:300])
    routes = [plan for route in solution.routes
              if (plan := _route_plan(built, route, unserved)) is not None]
    _check_pins(built, routes, unserved)
    return PlanResult(routes=routes, unserved=unserved, legs=legs, seconds=solution.seconds)


def _check_pins(built: Built, routes: list[RoutePlan], unserved: dict) -> None:
    """A pinned leg the solver put on another vehicle is reported, never silently moved."""
    for index, vehicle in built.problem.pinned.items():
        key = built.legs[index]
        wanted = built.drivers[vehicle].driver_id
        for route in routes:
            if route.driver.driver_id != wanted and any(
                    (s.request_id, s.leg) == key for s in route.stops):
                route.stops = [s for s in route.stops if (s.request_id, s.leg) != key]
                unserved[key] = (UnservedReason.NO_ROOM, "solver ignored the pin")


# --- the whole run --------------------------------------------------------------------


@dataclass
class PlanOutcome:
    legs: int
    drivers: int
    planned: int  # ride requests with every leg planned
    unserved: int  # legs not planned
    trips: int
    seconds: float
    unserved_ids: tuple[int, ...] = ()  # ride requests with a leg not planned


def plan_day(*, day: dt.date, facility_id: int | None = None, program_id: int | None = None,
             run: PlanRun | None = None,
             time_limit: float | None = None, travel: TravelTimes | None = None,
             on_solving: Callable[[int, int], None] | None = None) -> PlanOutcome:
    """Plan the program's open rides of the day with its drivers and write the trips; tries
    again if the day changed meanwhile.

    Raises PlanStale if the day kept changing for MAX_ATTEMPTS reads.
    """
    travel = travel or travel_times()
    limit = settings.TRANSPORT_SOLVER_SECONDS if time_limit is None else time_limit
    cancel_rides_of_dropped_bookings(day)
    for _attempt in range(MAX_ATTEMPTS):
        scope = read_scope(day, facility_id, program_id)
        rides = [r for req in scope.requests if (r := _ride_input(req, scope)) is not None]
        drivers = driver_inputs(scope)
        built = build_problem(rides, drivers, rules=rules_from_settings(), travel=travel)
        if on_solving is not None:
            on_solving(len(built.legs) + len(built.unserved), len({d.driver_id for d in drivers}))
        result = solve_built(built, time_limit=limit)
        try:
            return write_plan(scope, result, drivers=len({d.driver_id for d in drivers}),
                              run=run)
        except PlanStale:
            logger.info("day %s changed while planning; planning again", day)
        except IntegrityError:
            # Another run committed a trip for one of our drivers between our check and our
            # write (one trip per driver a day): its plan is the day's now; plan around it.
            logger.info("day %s: another run took a driver meanwhile; planning again", day)
    raise PlanStale()


def _lock_and_check(scope: Scope) -> None:
    requests = list(RideRequest.objects.select_for_update().filter(
        pk__in=[r.pk for r in scope.requests]).order_by("pk"))
    trips = list(Trip.objects.select_for_update().filter(
        pk__in=[t.pk for t in scope.replaceable]).order_by("pk"))
    if _snapshot(requests, trips) != scope.snapshot or len(requests) != len(scope.requests):
        raise PlanStale()
    if len(trips) != len(scope.replaceable):
        raise PlanStale()
    fresh = {r.pk for r in requests_of_day(scope.day, scope.facility_id,
                                           program_id=scope.program_id)}
    if fresh != scope.own_ids:  # a ride was asked for meanwhile
        raise PlanStale()
    # Another run (another facility's) wrote a trip since we read: its driver may be ours.
    trips = Trip.objects.filter(trips_q(scope.program_id), day=scope.day)
    if set(trips.values_list("pk", flat=True)) != scope.day_trips:
        raise PlanStale()


def _check_windows(scope: Scope, result: PlanResult) -> None:
    """PlanStale if a driver given a trip removed a window while we solved. Her row is
    locked first, as `staff.availability_remove` locks it: either her removal waits for
    this plan (and then sees her trip, and refuses), or this plan sees the window gone."""
    drivers = sorted({route.driver.driver_id for route in result.routes})
    if not drivers:
        return
    list(Driver.objects.select_for_update().filter(pk__in=drivers).order_by("pk")
         .values_list("pk", flat=True))
    used = {pk for driver_id in drivers for pk in scope.windows.get(driver_id, ())}
    if DriverAvailability.objects.filter(pk__in=used).count() != len(used):
        raise PlanStale()


def write_plan(scope: Scope, result: PlanResult, *, drivers: int = 0,
               run: PlanRun | None = None) -> PlanOutcome:
    """Replace the scope's trips with the result, in one transaction (PlanStale if changed)."""
    with transaction.atomic():
        _lock_and_check(scope)
        _check_windows(scope, result)
        before = notify.trip_signatures(scope.replaceable)
        trips = _replace_trips(scope, result, run)
        planned = _update_requests(scope, result)
        notify.drivers_of_changed_trips(scope.day, before, trips)
        notify.families_of_planned_rides(scope.requests)
    return PlanOutcome(legs=result.legs, drivers=drivers, planned=planned,
                       unserved=len(result.unserved), trips=len(trips), seconds=result.seconds,
                       unserved_ids=tuple(sorted({rid for rid, _leg in result.unserved})))


def _routes_by_driver(routes: list[RoutePlan]) -> list[RoutePlan]:
    """A driver with two windows in a day gets two routes; she drives one trip (one per
    driver a day): the routes joined in time order, since her windows never overlap."""
    joined: dict[int, RoutePlan] = {}
    for route in sorted(routes, key=lambda r: r.starts):
        first = joined.get(route.driver.driver_id)
        if first is None:
            joined[route.driver.driver_id] = RoutePlan(
                route.driver, list(route.stops), route.starts, route.ends, route.minutes)
            continue
        first.stops.extend(route.stops)
        first.ends = max(first.ends, route.ends)
        first.minutes += route.minutes
    return list(joined.values())


def _replace_trips(scope: Scope, result: PlanResult, run: PlanRun | None) -> list[Trip]:
    kept_ids = {t.pk for t in scope.kept.values()}
    Trip.objects.filter(pk__in=[t.pk for t in scope.replaceable]).exclude(
        pk__in=kept_ids).delete()
    Stop.objects.filter(trip_id__in=kept_ids).delete()
    trips = []
    for route in _routes_by_driver(result.routes):
        trip = scope.kept.get(route.driver.driver_id) or Trip(
            day=scope.day, driver_id=route.driver.driver_id, vehicle_id=route.driver.vehicle_id)
        trip.starts_at, trip.ends_at = route.starts, route.ends
        trip.driving_minutes, trip.plan_run = route.minutes, run
        trip.save()
        Stop.objects.bulk_create([
            Stop(trip=trip, position=i, request_id=s.request_id, leg=s.leg, kind=s.kind,
                 label=s.label, latitude=s.point.latitude, longitude=s.point.longitude,
                 planned_at=s.at)
            for i, s in enumerate(route.stops, start=1)
        ])
        trips.append(trip)
    used = {t.pk for t in trips}
    for trip in scope.kept.values():
        if trip.pk not in used:  # its pinned ride could not be planned: an empty trip stays
            Trip.objects.filter(pk=trip.pk).update(starts_at=None, ends_at=None,
                                                   driving_minutes=0, updated_at=timezone.now())
            trips.append(trip)
    return trips


def _update_requests(scope: Scope, result: PlanResult) -> int:
    planned = 0
    for request in scope.requests:
        missing = [result.unserved[(request.pk, leg)] for leg in request.legs
                   if (request.pk, leg) in result.unserved]
        if missing:
            reason, detail = missing[0]
            fields = {"status": RideStatus.UNSERVED, "unserved_reason": reason,
                      "unserved_detail": detail}
        else:
            planned += 1
            fields = {"status": RideStatus.PLANNED, "unserved_reason": "", "unserved_detail": ""}
        RideRequest.objects.filter(pk=request.pk).update(updated_at=timezone.now(), **fields)
    return planned


def cancel_rides_of_dropped_bookings(day: dt.date) -> int:
    """A booking cancelled or declined since its ride was asked for takes its ride with it."""
    dropped = [r.pk for r in requests_of_day(day)
               if r.booking.status not in ACTIVE_STATUSES]
    if not dropped:
        return 0
    with transaction.atomic():
        Stop.objects.filter(request_id__in=dropped, status="planned").delete()
        return RideRequest.objects.filter(
            Q(pk__in=dropped), status__in=LIVE_RIDE_STATUSES
        ).update(status=RideStatus.CANCELLED, updated_at=timezone.now())
