"""Reads for transport pages and the API. Each takes the acting user and applies who-sees-what."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone

from scheduler.errors import NotFound
from transport.access import coordinator_program, driver_of
from transport.fund.models import Subsidy, SubsidyStatus
from transport.models import (
    LIVE_RIDE_STATUSES,
    Driver,
    DriverAvailability,
    PlanRun,
    RideRequest,
    RideStatus,
    Stop,
    Trip,
)
from transport.planner import requests_of_day
from transport.programs import facilities_q, rides_q, trips_q
from visits.access import household_of
from visits.models import Booking, Facility

RUN_STALE = dt.timedelta(minutes=10)


@dataclass
class Board:
    day: dt.date
    facility: Facility | None
    requests: list[RideRequest]
    unassigned: list[RideRequest]
    trips: list[Trip]
    last_run: PlanRun | None
    facilities: list[Facility]

    @property
    def running(self) -> bool:
        """A run is waiting or planning. One older than RUN_STALE (a worker that died, or
        none running) no longer blocks the button, so the coordinator can plan again."""
        run = self.last_run
        if run is None or run.status not in ("queued", "running"):
            return False
        return timezone.now() - (run.started_at or run.created_at) < RUN_STALE


def _trips_with_stops(qs: QuerySet[Trip]) -> QuerySet[Trip]:
    stops = Stop.objects.select_related(
        "request__booking__household", "request__booking__session__facility").prefetch_related(
        "request__booking__visitors").order_by("position")
    return qs.select_related("driver__user", "vehicle").prefetch_related(
        Prefetch("stops", queryset=stops))


def board_for_day(*, user: AbstractBaseUser, day: dt.date,
                  facility_id: int | None = None) -> Board:
    """The coordinator's day: her program's live requests, its trips, its last planning run.
    Another program's facility is not found."""
    program_id = coordinator_program(user)
    served = Facility.objects.filter(facilities_q(program_id))
    facility = None
    if facility_id is not None:
        facility = served.filter(pk=facility_id).first()
        if facility is None:
            raise NotFound()
    requests = requests_of_day(day, facility_id, program_id=program_id)
    trips = list(_trips_with_stops(Trip.objects.filter(trips_q(program_id), day=day)))
    if facility_id is not None:
        ids = {r.pk for r in requests}
        trips = [t for t in trips if not t.stops.all() or any(
            s.request_id in ids for s in t.stops.all())]
    # The travel fund's ride seats, so each ride shows what is paid for it (one query).
    prefetch_related_objects(requests, Prefetch("subsidies", to_attr="seats", queryset=(
        Subsidy.objects.filter(status=SubsidyStatus.GRANTED).select_related("fund"))))
    # Whom a pin names, so the board says "pinned to Joe's trip" (a query each, if any).
    prefetch_related_objects(requests, "pinned_trip__driver__user", "pinned_driver__user")
    runs = PlanRun.objects.filter(day=day, facility_id=facility_id, program_id=program_id)
    return Board(
        day=day, facility=facility, requests=requests,
        unassigned=[r for r in requests if r.status != RideStatus.PLANNED],
        trips=trips, last_run=runs.first(), facilities=list(served),
    )


@dataclass
class DayState:
    """One day of the coordinator's week: what was asked, what is planned, what needs her."""

    day: dt.date
    asked: int = 0
    planned: int = 0
    unserved: int = 0
    waiting: int = 0  # asked since the last plan
    trips: int = 0
    run_status: str = ""

    @property
    def state(self) -> str:
        """The one word the week shows (most urgent first): planning, failed, attention,
        to_plan, planned, quiet."""
        if self.run_status in ("queued", "running"):
            return "planning"
        if self.run_status == "failed" and self.asked:
            return "failed"
        if self.unserved:
            return "attention"
        if self.waiting:
            return "to_plan"
        return "planned" if self.asked else "quiet"


def drivers_without_trip(day: dt.date, *, program_id: int | None = None) -> list[Driver]:
    """Drivers of the program free around `day` who have no trip on it yet: a ride can be
    pinned to them (the pin itself checks her window in the facility's zone)."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=12)
    free = DriverAvailability.objects.filter(starts_at__lt=start + dt.timedelta(hours=48),
                                             ends_at__gt=start).values("driver_id")
    return list(Driver.objects.filter(pk__in=free, program_id=program_id, active=True)
                .exclude(trips__day=day)
                .select_related("user").order_by("user__first_name", "pk"))


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def week_for(*, user: AbstractBaseUser, day: dt.date,
             facility_id: int | None = None) -> list[DayState]:
    """The seven days (Monday first) of `day`'s week, each with its rides' state, in three
    queries whatever the number of rides (a week has hundreds)."""
    program_id = coordinator_program(user)
    monday = week_start(day)
    days = {monday + dt.timedelta(days=i): DayState(monday + dt.timedelta(days=i))
            for i in range(7)}
    _count_rides(days, monday, facility_id, program_id)
    for trip_day in Trip.objects.filter(trips_q(program_id), day__in=list(days)).values_list(
            "day", flat=True):
        days[trip_day].trips += 1
    runs = PlanRun.objects.filter(day__in=list(days), facility_id=facility_id,
                                  program_id=program_id).order_by(
        "day", "-created_at", "-id").values_list("day", "status", "started_at", "created_at")
    for run_day, status, started, created in runs:
        if days[run_day].run_status:
            continue  # the day's latest run decides
        waited = timezone.now() - (started or created)
        stuck = status in ("queued", "running") and waited >= RUN_STALE
        days[run_day].run_status = "stalled" if stuck else status
    return list(days.values())


def _count_rides(days: dict[dt.date, DayState], monday: dt.date,
                 facility_id: int | None, program_id: int | None) -> None:
    """Each live ride on its visit's local day (a facility's zone decides the day)."""
    start = dt.datetime.combine(monday, dt.time(), tzinfo=dt.UTC) - dt.timedelta(hours=14)
    rows = RideRequest.objects.filter(
        rides_q(program_id), status__in=LIVE_RIDE_STATUSES, booking__session__starts_at__gte=start,
        booking__session__starts_at__lt=start + dt.timedelta(days=7, hours=28))
    if facility_id is not None:
        rows = rows.filter(booking__session__facility_id=facility_id)
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for status, starts_at, zone in rows.values_list(
            "status", "booking__session__starts_at", "booking__session__facility__time_zone"):
        tz = zones.setdefault(zone, zoneinfo.ZoneInfo(zone))
        state = days.get(starts_at.astimezone(tz).date())
        if state is None:
            continue
        state.asked += 1
        state.planned += status == RideStatus.PLANNED
        state.unserved += status == RideStatus.UNSERVED
        state.waiting += status == RideStatus.OPEN


def trips_for_driver(*, user: AbstractBaseUser, day: dt.date | None = None) -> list[Trip]:
    """The driver's own trips: one day, or from today on."""
    driver: Driver = driver_of(user)
    qs = Trip.objects.filter(driver=driver)
    qs = qs.filter(day=day) if day else qs.filter(day__gte=today_for(user))
    return list(_trips_with_stops(qs))


def trips_for_feed(*, driver: Driver, days_back: int = 7) -> list[Trip]:
    since = today_for(driver.user) - dt.timedelta(days=days_back)
    return list(_trips_with_stops(Trip.objects.filter(driver=driver, day__gte=since)))


def rides_for_household(*, user: AbstractBaseUser, live_only: bool = False) -> QuerySet:
    household = household_of(user)
    qs = RideRequest.objects.filter(booking__household=household).select_related(
        "booking__session__facility").prefetch_related("stops")
    if live_only:
        qs = qs.filter(status__in=LIVE_RIDE_STATUSES)
    return qs.order_by("-booking__session__starts_at", "-pk")


def booking_for_ride(*, user: AbstractBaseUser, booking_id: int) -> Booking:
    booking = Booking.objects.select_related("session__facility").filter(
        pk=booking_id, household=household_of(user)).first()
    if booking is None:
        raise NotFound()
    return booking


def next_busy_day(*, user: AbstractBaseUser) -> dt.date:
    """The first day from today with a ride asked for or a trip planned (else today): a
    coordinator opening the board sees the work ahead, not an empty today."""
    today = today_for(user)
    program_id = coordinator_program(user)
    days = []
    trip_day = (
        Trip.objects.filter(trips_q(program_id), day__gte=today).order_by("day")
        .values_list("day", flat=True).first()
    )
    if trip_day is not None:
        days.append(trip_day)
    ride = (
        RideRequest.objects.filter(
            rides_q(program_id), status__in=LIVE_RIDE_STATUSES,
            booking__session__starts_at__gte=timezone.now()
        )
        .select_related("booking__session__facility")
        .order_by("booking__session__starts_at")
        .first()
    )
    if ride is not None:
        session = ride.booking.session
        days.append(session.starts_at.astimezone(session.facility.tz).date())
    return max(min(days), today) if days else today


def time_zone_of(user: AbstractBaseUser) -> str:
    """The zone the user reads her own times in (her notification settings)."""
    from notifications.preferences import preference_of

    return preference_of(user).time_zone


def today_for(user: AbstractBaseUser) -> dt.date:
    """Today where the user is (her notification time zone): a driver in Chicago at 8 p.m.
    still means today, although it is tomorrow in UTC."""
    from notifications.preferences import preference_of

    return timezone.now().astimezone(zoneinfo.ZoneInfo(preference_of(user).time_zone)).date()


def stop_day_today(stop: Stop) -> dt.date:
    """Today where the stop's facility is: a trip's day is the visit's local day."""
    return timezone.now().astimezone(stop.request.booking.session.facility.tz).date()


def first_names(request: RideRequest) -> list[str]:
    """Who rides, as a driver may see them: first names only."""
    return [v.first_name for v in request.booking.visitors.all()]
