"""The day's rides as a problem (pure, no database): windows, ride limits, loads, pins, and
travel times from any source that implements TravelTimes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from transport.planning import DriverInput, RideInput, Rules, build_problem
from transport.travel import Point, StraightLine, haversine_km

UTC = dt.UTC
DAY = dt.datetime(2026, 12, 5, tzinfo=UTC)
HOME, FACILITY, DEPOT = Point(0.0, 0.0), Point(0.0, 1.0), Point(0.0, 0.5)


class Grid:
    """Travel times from a table: what a routing service would give back."""

    def __init__(self, minutes: dict[tuple[Point, Point], float]) -> None:
        self.table = minutes

    def minutes_matrix(self, points: Sequence[Point]) -> list[list[float]]:
        return [[0.0 if a == b else self.table.get((a, b), self.table.get((b, a), 30.0))
                 for b in points] for a in points]


def ride(**changes: object) -> RideInput:
    values: dict = dict(
        request_id=1, legs=("outbound", "return"), home=HOME, home_label="home",
        facility=FACILITY, facility_label="Lakeview", load=(3, 1, 0),
        earliest_pickup=DAY.replace(hour=7), session_starts=DAY.replace(hour=13),
        session_ends=DAY.replace(hour=15))
    values.update(changes)
    return RideInput(**values)


def driver(**changes: object) -> DriverInput:
    values: dict = dict(driver_id=7, vehicle_id=70, home=DEPOT, home_label="base",
                        capacity=(4, 1, 0), starts=DAY.replace(hour=6),
                        ends=DAY.replace(hour=20))
    values.update(changes)
    return DriverInput(**values)


GRID = Grid({(HOME, FACILITY): 100.4, (DEPOT, HOME): 20.0, (DEPOT, FACILITY): 80.0})
RULES = Rules(check_in=30, arrival_window=90, return_after=15, return_wait=60,
              max_ride_factor=1.5, max_ride_cap=240, stop_minutes=5)


def minutes(built, moment: dt.datetime) -> float:
    return (moment - built.origin).total_seconds() / 60


def test_outbound_arrives_by_check_in_and_return_leaves_after_the_visit():
    built = build_problem([ride()], [driver()], rules=RULES, travel=GRID)
    p = built.problem
    assert built.legs == [(1, "outbound"), (1, "return")]
    out, back = p.requests
    arrive = p.nodes[out.delivery]
    assert arrive.latest == minutes(built, DAY.replace(hour=12, minute=30))
    assert arrive.earliest == arrive.latest - 90
    pickup = p.nodes[out.pickup]
    assert pickup.earliest == minutes(built, DAY.replace(hour=7))
    # Latest pickup leaves time for the stop and the (rounded up) direct drive.
    assert pickup.latest == arrive.latest - 5 - 101
    assert p.nodes[back.pickup].earliest == minutes(built, DAY.replace(hour=15, minute=15))
    assert out.max_ride == 150  # floor(1.5 x 100.4)
    assert pickup.load == (3, 1, 0) and arrive.load == (-3, -1, 0)


def test_travel_times_are_rounded_up_to_whole_minutes():
    built = build_problem([ride()], [driver()], rules=RULES, travel=GRID)
    out = built.problem.requests[0]
    assert built.problem.travel[out.pickup][out.delivery] == 101.0
    assert all(t == int(t) for row in built.problem.travel for t in row)


def test_vehicles_start_and_end_at_home_inside_the_window():
    built = build_problem([ride()], [driver()], rules=RULES, travel=GRID)
    vehicle = built.problem.vehicles[0]
    assert built.nodes[vehicle.start].point == DEPOT == built.nodes[vehicle.end].point
    assert vehicle.earliest == minutes(built, DAY.replace(hour=6))
    assert vehicle.latest == minutes(built, DAY.replace(hour=20))
    assert vehicle.capacity == (4, 1, 0)


def test_rides_that_cannot_be_served_are_left_out_with_a_reason():
    rides = [
        ride(request_id=1, facility=None),
        ride(request_id=2, load=(2, 0, 1)),
        ride(request_id=3, home=Point(0.0, 9.0)),
        ride(request_id=4, earliest_pickup=DAY.replace(hour=11), legs=("outbound",)),
        ride(request_id=5, pinned_driver_id=99),
    ]
    far = Grid({**GRID.table, (Point(0.0, 9.0), FACILITY): 300.0})
    built = build_problem(rides, [driver()], rules=RULES, travel=far)
    assert built.unserved == {
        (1, "outbound"): "facility_unmapped", (1, "return"): "facility_unmapped",
        (2, "outbound"): "no_vehicle_fits", (2, "return"): "no_vehicle_fits",
        (3, "outbound"): "too_far", (3, "return"): "too_far",
        (4, "outbound"): "too_late",
        (5, "outbound"): "pin_unavailable", (5, "return"): "pin_unavailable",
    }
    assert built.problem.requests == []


def test_no_driver_at_all():
    built = build_problem([ride()], [], rules=RULES, travel=GRID)
    assert set(built.unserved.values()) == {"no_driver"}


def test_a_pin_names_the_pinned_drivers_vehicle():
    drivers = [driver(driver_id=7), driver(driver_id=8, vehicle_id=80)]
    built = build_problem([ride(pinned_driver_id=8)], drivers, rules=RULES, travel=GRID)
    assert built.problem.pinned == {0: 1, 1: 1}


def test_straight_line_travel_uses_road_factor_and_speed():
    springfield, decatur = Point(39.78, -89.65), Point(39.84, -88.95)
    km = haversine_km(springfield, decatur)
    assert 59 < km < 61
    line = StraightLine(road_factor=1.5, average_kmh=60)
    assert abs(line.minutes(springfield, decatur) - km * 1.5) < 1e-9
    matrix = line.minutes_matrix([springfield, decatur])
    assert matrix[0][0] == 0 and matrix[0][1] == matrix[1][0]
