"""A day of rides around Lakeview (Decatur, IL): families, drivers, vehicles, one session.

Builds on the shared `world` (personas and the Lopez family's booking) and adds the transport
side. Places are real towns, so straight-line travel times are believable (an hour or two).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests import factories as f
from tests.conftest import World
from transport.models import Driver, DriverAvailability, RideRequest, Vehicle
from visits.models import Booking, BookingStatus, Session

LAKEVIEW = (39.84, -88.95)  # Decatur
TOWNS = {
    "Springfield": (39.78, -89.65),
    "Champaign": (40.11, -88.24),
    "Bloomington": (40.48, -88.99),
    "Peoria": (40.69, -89.59),
    "Effingham": (39.12, -88.54),
    "Mattoon": (39.48, -88.37),
    "Taylorville": (39.55, -89.29),
    "Clinton": (40.15, -88.96),
    "Los Angeles": (34.05, -118.24),
}
DANVILLE = (40.12, -87.63)  # a second prison, east of Champaign



@dataclass
class Rides:
    world: World
    day: dt.date
    session: Session
    tz: Any
    drivers: dict[str, Driver] = field(default_factory=dict)
    vehicles: dict[str, Vehicle] = field(default_factory=dict)

    def local(self, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(hour, minute), tzinfo=self.tz)

    def add_driver(self, username: str, town: str, vehicle: Vehicle, *,
                   start: int = 6, end: int = 21) -> Driver:
        user = f.make_user(username, first_name=username.capitalize())
        lat, lon = TOWNS[town]
        driver = Driver.objects.create(user=user, home_base=town, latitude=lat, longitude=lon)
        driver.vehicles.add(vehicle)
        DriverAvailability.objects.create(driver=driver, starts_at=self.local(start),
                                          ends_at=self.local(end))
        self.drivers[username] = driver
        return driver

    def add_vehicle(self, name: str, seats: int, child_seats: int = 0,
                    wheelchair_places: int = 0) -> Vehicle:
        vehicle = Vehicle.objects.create(name=name, seats=seats, child_seats=child_seats,
                                         wheelchair_places=wheelchair_places)
        self.vehicles[name] = vehicle
        return vehicle

    def add_family(self, name: str, *, children: int = 0, session: Session | None = None,
                   ) -> Booking:
        household = f.make_household(name=f"{name} family", adult_first_name=name,
                                     children=[(f"{name}kid{i}", 6 + i) for i in range(children)])
        resident = f.make_resident(self.world.facility, unit=self.world.unit_a)
        f.approve(household.visitors.all(), resident)
        return f.make_booking(session or self.session, resident, household,
                              list(household.visitors.all()), status=BookingStatus.CONFIRMED)

    def add_facility(self, name: str, point: tuple[float, float], *, hour: int) -> Session:
        """Another prison in the same zone, with a two-hour session at `hour` that day."""
        facility = f.make_facility(name, time_zone=self.world.facility.time_zone)
        facility.latitude, facility.longitude = point
        facility.save()
        rule = f.make_rule(facility)
        return f.make_session(rule, starts_at=self.local(hour), minutes=120, capacity=40)

    def add_family_at(self, name: str, session: Session) -> Booking:
        """A family visiting someone at `session`'s facility (one adult)."""
        household = f.make_household(name=f"{name} family", adult_first_name=name)
        resident = f.make_resident(session.facility)
        f.approve(household.visitors.all(), resident)
        return f.make_booking(session, resident, household, list(household.visitors.all()),
                              status=BookingStatus.CONFIRMED)

    def ride(self, booking: Booking, town: str, *, adults: int = 1, children: int = 0,
             child_seats: int = 0, wheelchair_places: int = 0, earliest: dt.datetime | None = None,
             outbound: bool = True, return_trip: bool = True) -> RideRequest:
        lat, lon = TOWNS[town]
        return RideRequest.objects.create(
            booking=booking, pickup_label=f"{town} bus station", pickup_latitude=lat,
            pickup_longitude=lon, adults=adults, children=children, child_seats=child_seats,
            wheelchair_places=wheelchair_places, outbound=outbound, return_trip=return_trip,
            earliest_pickup=earliest or self.local(6),
        )


@pytest.fixture(autouse=True)
def fast_solver(settings: Any) -> None:
    """Short solver runs: the machine is shared and these instances are small."""
    settings.TRANSPORT_SOLVER_SECONDS = 1.5


@pytest.fixture
def rides(world: World) -> Rides:
    """Lakeview on the map; a session on a Saturday-like day 13:00–15:00 four days ahead."""
    facility = world.facility
    facility.latitude, facility.longitude = LAKEVIEW
    facility.save()
    tz = facility.tz
    day = (timezone.now().astimezone(tz) + dt.timedelta(days=4)).date()
    start = dt.datetime.combine(day, dt.time(13, 0), tzinfo=tz)
    session = f.make_session(world.rule, starts_at=start, minutes=120, capacity=40)
    return Rides(world=world, day=day, session=session, tz=tz)


@pytest.fixture
def on_trip_day(rides: Rides) -> Any:
    """The clock at 9 a.m. on the rides day, facility time: drivers mark stops only then."""
    with time_machine.travel(rides.local(9), tick=True):
        yield


@pytest.fixture
def family_booking(world: World, rides: Rides) -> Booking:
    """The Lopez family (Rosa and Sofia, 9) booked on the rides session."""
    return f.make_booking(rides.session, world.resident, world.household, world.family,
                          status=BookingStatus.CONFIRMED)


@pytest.fixture
def make_api(api: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return api


@dataclass
class TripSetup:
    trip: Any
    other_trip: Any
    driver_user: Any
    other_driver_user: Any
    request: RideRequest
    pickup: Any
    dropoff: Any


@pytest.fixture
def two_trips(world: World, rides: Rides, family_booking: Booking) -> TripSetup:
    """Two drivers' trips on the rides day, written as rows (no solver): Joe carries the
    Lopez family (Rosa and Sofia) there and back; Ann carries the Brooks family."""
    from transport.models import Stop, Trip

    van, car = rides.add_vehicle("Van", 6, 2), rides.add_vehicle("Sedan", 4, 1)
    joe, ann = rides.add_driver("joe", "Springfield", van), rides.add_driver("ann", "Champaign",
                                                                            car)
    lopez = rides.ride(family_booking, "Springfield", children=1, child_seats=1)
    brooks_booking = f.make_booking(rides.session, world.other_resident, world.other_household,
                                    list(world.other_household.visitors.all()),
                                    status=BookingStatus.CONFIRMED)
    brooks = rides.ride(brooks_booking, "Champaign", children=1)
    trips = []
    for driver, vehicle, request in ((joe, van, lopez), (ann, car, brooks)):
        trip = Trip.objects.create(day=rides.day, driver=driver, vehicle=vehicle,
                                   starts_at=rides.local(10), ends_at=rides.local(17))
        facility = rides.world.facility
        rows = [("outbound", "pickup", request.pickup_label, request.pickup_latitude,
                 request.pickup_longitude, rides.local(11)),
                ("outbound", "dropoff", facility.name, facility.latitude, facility.longitude,
                 rides.local(12, 20))]
        for i, (leg, kind, label, lat, lon, at) in enumerate(rows, start=1):
            Stop.objects.create(trip=trip, position=i, request=request, leg=leg, kind=kind,
                                label=label, latitude=lat, longitude=lon, planned_at=at)
        RideRequest.objects.filter(pk=request.pk).update(status="planned")
        trips.append(trip)
    stops = list(trips[0].stops.order_by("position"))
    return TripSetup(trip=trips[0], other_trip=trips[1], driver_user=joe.user,
                     other_driver_user=ann.user, request=lopez, pickup=stops[0],
                     dropoff=stops[1])
