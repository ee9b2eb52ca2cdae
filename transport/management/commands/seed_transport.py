"""Seed the rides demo after `seed_demo`: vehicles, drivers and their availability, visits
booked for the demo families with rides asked for, and the day planned.

Safe to run again: it reuses what is there. Bookings go through the visits services (as the
caregivers), so every visiting rule applies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from scheduler.errors import DomainError
from transport.models import (
    LIVE_RIDE_STATUSES,
    Driver,
    DriverAvailability,
    PickupPoint,
    PlanRun,
    RideRequest,
    Vehicle,
)
from transport.services import (
    DEMO_PROGRAM,
    RideAsk,
    plan_run_execute,
    program_ensure,
    ride_request_create,
)
from visits.models import LIVE_STATUSES, Booking, Facility, Household, Session, VisitKind
from visits.services import booking_create

DEMO_PASSWORD = "visit-demo-2026"
LAKEVIEW = "Lakeview Women's Correctional Center"
HIGH_DESERT = "High Desert State Prison"

VEHICLES = [  # name, seats, child seats, wheelchair places
    ("Blue minivan", 6, 2, 0),
    ("White van (ramp)", 7, 3, 1),
    ("Grey sedan", 4, 1, 0),
]
DRIVERS = [  # username, first, last, home base, lat, lon, vehicle names
    ("driver", "Joe", "Miller", "Springfield, IL", 39.80, -89.64, ["Blue minivan"]),
    ("driver2", "Ann", "Lee", "Champaign, IL", 40.12, -88.25,
     ["White van (ramp)", "Grey sedan"]),
]
PICKUP_POINTS = [  # name, address, lat, lon
    ("St. Paul's church", "815 S 6th St, Springfield IL 62703", 39.7950, -89.6480),
    ("Champaign bus station", "45 E University Ave, Champaign IL 61820", 40.1164, -88.2420),
]
RIDES = {  # caregiver username -> facility, pickup label, lat, lon
    "rosa": (LAKEVIEW, "Springfield Amtrak station", 39.8028, -89.6515),
    "linda": (LAKEVIEW, "Champaign, 501 N Neil St", 40.1200, -88.2434),
    "carmen": (HIGH_DESERT, "Reno bus station", 39.5262, -119.8127),
}


class Command(BaseCommand):
    help = "Seed the rides demo (run after seed_demo): vehicles, drivers, rides, a planned day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-plan", action="store_true", help="do not plan the day")
        parser.add_argument("--time-limit", type=float, default=3.0,
                            help="seconds the planner may take (default 3)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Facility.objects.filter(name=LAKEVIEW).exists():
            raise CommandError("Run `manage.py seed_demo` first.")
        with transaction.atomic():
            self.program = program_ensure(name=DEMO_PROGRAM, facility_ids=list(
                Facility.objects.values_list("pk", flat=True)))
            vehicles = {name: self._vehicle(name, *rest) for name, *rest in VEHICLES}
            self._pickup_points()
            drivers = [self._driver(row, vehicles) for row in DRIVERS]
            coordinator_ok = get_user_model().objects.filter(username="coordinator").exists()
        days = self._ride_days()
        for day in days:
            for driver in drivers:
                self._availability(driver, day)
        rides = [self._ride(username, *spec) for username, spec in RIDES.items()]
        self.stdout.write(f"Vehicles: {len(vehicles)}, drivers: {len(drivers)}, "
                          f"rides asked for: {sum(r is not None for r in rides)}")
        if not coordinator_ok:
            self.stdout.write("No `coordinator` login: run seed_demo for the board.")
        ride_days = sorted({self._day_of(r.booking.session) for r in rides if r is not None})
        if not options["no_plan"]:
            for day in ride_days:
                # The same run the board's button queues, done here and now.
                run = PlanRun.objects.create(day=day, program=self.program)
                run = plan_run_execute(run_id=run.pk, time_limit=options["time_limit"])
                self.stdout.write(f"Planned {day}: {run.planned_count} rides on "
                                  f"{run.trips_count} trips, {run.unserved_count} legs not "
                                  f"planned.")
        for day in ride_days:
            self.stdout.write(f"Board: /rides/board/?date={day}  "
                              f"(login coordinator; drivers: driver, driver2)")
        self.stdout.write(f"Program {self.program.name}: administrator login programadmin "
                          f"(staff at /rides/staff/), coordinator, drivers driver, driver2")

    def _pickup_points(self) -> None:
        """Named places families can choose on the ride form."""
        for name, address, lat, lon in PICKUP_POINTS:
            PickupPoint.objects.get_or_create(program=self.program, name=name, defaults={
                "address": address, "latitude": lat, "longitude": lon})

    # --- pieces ---------------------------------------------------------------------------

    def _vehicle(self, name: str, seats: int, child_seats: int, wheelchair: int) -> Vehicle:
        vehicle, _ = Vehicle.objects.get_or_create(name=name, defaults={
            "program": self.program, "seats": seats, "child_seats": child_seats,
            "wheelchair_places": wheelchair})
        return vehicle

    def _driver(self, row: tuple, vehicles: dict[str, Vehicle]) -> Driver:
        username, first, last, base, lat, lon, names = row
        user, created = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Token.objects.get_or_create(user=user)
        driver, _ = Driver.objects.get_or_create(user=user, defaults={"program": self.program})
        driver.home_base, driver.latitude, driver.longitude = base, lat, lon
        driver.program = driver.program or self.program
        driver.save()
        driver.vehicles.add(*[vehicles[n] for n in names])
        return driver

    def _ride_days(self) -> list[dt.date]:
        """The weekend days of the next three weeks (the demo's visiting days)."""
        today = timezone.localdate()
        return [today + dt.timedelta(days=n) for n in range(1, 22)
                if (today + dt.timedelta(days=n)).weekday() >= 5]

    def _availability(self, driver: Driver, day: dt.date) -> None:
        tz = Facility.objects.get(name=LAKEVIEW).tz
        starts = dt.datetime.combine(day, dt.time(6, 0), tzinfo=tz)
        ends = dt.datetime.combine(day, dt.time(20, 0), tzinfo=tz)
        DriverAvailability.objects.get_or_create(driver=driver, starts_at=starts,
                                                 defaults={"ends_at": ends})

    @staticmethod
    def _day_of(session: Session) -> dt.date:
        return session.starts_at.astimezone(session.facility.tz).date()

    def _session(self, facility: Facility) -> Session | None:
        """The first afternoon in-person session at least a day ahead (a sane drive)."""
        soon = timezone.now() + dt.timedelta(days=1)
        for session in Session.objects.filter(
                facility=facility, kind=VisitKind.IN_PERSON, status="open",
                starts_at__gte=soon).order_by("starts_at")[:40]:
            if session.starts_at.astimezone(facility.tz).hour >= 12:
                return session
        return None

    def _ride(self, username: str, facility_name: str, label: str, lat: float,
              lon: float) -> RideRequest | None:
        household = Household.objects.filter(caregiver__username=username).first()
        facility = Facility.objects.filter(name=facility_name).first()
        if household is None or facility is None:
            return None
        booking = self._booking(household, facility)
        if booking is None:
            return None
        existing = RideRequest.objects.filter(booking=booking, status__in=LIVE_RIDE_STATUSES)
        if (ride := existing.first()) is not None:
            return ride
        visitors = list(booking.visitors.all())
        children = sum(v.is_child_on(self._day_of(booking.session)) for v in visitors)
        ask = RideAsk(pickup_label=label, pickup_latitude=lat, pickup_longitude=lon,
                      adults=len(visitors) - children, children=children,
                      child_seats=children,
                      earliest_pickup=booking.session.starts_at - dt.timedelta(hours=5))
        try:
            return ride_request_create(actor=household.caregiver, booking_id=booking.pk,
                                       ask=ask)
        except DomainError as error:
            self.stderr.write(f"Could not ask for a ride for {household}: {error.message}")
            return None

    def _booking(self, household: Household, facility: Facility) -> Booking | None:
        live = Booking.objects.filter(household=household, session__facility=facility,
                                      status__in=LIVE_STATUSES,
                                      session__starts_at__gte=timezone.now()).first()
        if live is not None:
            return live
        session = self._session(facility)
        if session is None:
            return None
        visitors = [v for v in household.visitors.all()
                    if v.approvals.filter(resident__facility=facility, status="approved")]
        resident = visitors[0].approvals.filter(resident__facility=facility).first().resident \
            if visitors else None
        if resident is None:
            return None
        try:
            return booking_create(actor=household.caregiver, session_id=session.pk,
                                  resident_id=resident.pk, visitor_ids=[v.pk for v in visitors],
                                  idempotency_key=f"seed-transport-{household.pk}").booking
        except DomainError as error:
            self.stderr.write(f"Could not book for {household}: {error.message}")
            return None
