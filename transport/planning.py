"""The day's rides as a dial-a-ride problem: plain inputs in, a solver-neutral Problem out.

No ORM here (the planner reads the rows and writes the result): each open leg becomes a
pickup and a drop-off with time windows, each available driver a vehicle from her home base.
Times are minutes after `origin`, the earliest moment anything may happen that day; travel
times are rounded up to whole minutes and windows inwards, so a solver that works in whole
minutes never plans a time the real drive cannot keep.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from transport.models import Leg, StopKind, UnservedReason
from transport.routing.problem import Node, Problem, Request, Vehicle
from transport.travel import Point, TravelTimes

EPSILON = 1e-6


@dataclass(frozen=True)
class Rules:
    """The planning settings, in minutes (see TRANSPORT_* in settings.py)."""

    check_in: int = 30
    arrival_window: int = 90
    return_after: int = 15
    return_wait: int = 60
    max_ride_factor: float = 1.6
    max_ride_cap: int = 240
    stop_minutes: int = 5

    def max_ride(self, direct: float) -> float:
        return math.floor(min(self.max_ride_factor * direct, self.max_ride_cap) + EPSILON)


@dataclass(frozen=True)
class RideInput:
    request_id: int
    legs: tuple[str, ...]
    home: Point
    home_label: str
    facility: Point | None
    facility_label: str
    load: tuple[int, int, int]
    earliest_pickup: dt.datetime
    session_starts: dt.datetime
    session_ends: dt.datetime
    pinned_driver_id: int | None = None
    # Legs held on a driver without a coordinator's pin: another facility's rides on a shared
    # driver's trip, which a one-facility re-plan keeps with her. (leg, driver id) pairs.
    leg_drivers: tuple[tuple[str, int], ...] = ()
    # ...and the times they were planned at, (leg, pickup, drop-off): those families and
    # that driver were told them, and another facility's re-plan is no reason to move them.
    held_times: tuple[tuple[str, dt.datetime, dt.datetime], ...] = ()

    def driver_for(self, leg: str) -> int | None:
        """The driver this leg must ride with, if any."""
        return dict(self.leg_drivers).get(leg, self.pinned_driver_id)


@dataclass(frozen=True)
class DriverInput:
    driver_id: int
    vehicle_id: int
    home: Point
    home_label: str
    capacity: tuple[int, int, int]
    starts: dt.datetime
    ends: dt.datetime


@dataclass(frozen=True)
class NodeInfo:
    """What a problem node stands for: a driver's home base, or one end of one leg."""

    kind: str  # "depot", StopKind.PICKUP or StopKind.DROPOFF
    point: Point
    label: str
    request_id: int | None = None
    leg: str = ""


@dataclass
class Built:
    problem: Problem
    origin: dt.datetime
    legs: list[tuple[int, str]]  # problem request index -> (ride request id, leg)
    drivers: list[DriverInput]  # problem vehicle index -> driver
    nodes: list[NodeInfo]
    # legs left out before solving: (ride request id, leg) -> reason
    unserved: dict[tuple[int, str], str] = field(default_factory=dict)

    def at(self, minutes: float) -> dt.datetime:
        return (self.origin + dt.timedelta(minutes=minutes)).replace(microsecond=0)


def _origin(rides: list[RideInput], drivers: list[DriverInput]) -> dt.datetime:
    moments = [d.starts for d in drivers] + [r.earliest_pickup for r in rides]
    moments += [r.session_starts - dt.timedelta(hours=12) for r in rides]
    earliest = min(moments)
    return earliest.replace(second=0, microsecond=0)


def _fits(load: tuple[int, ...], capacity: tuple[int, ...]) -> bool:
    return all(need <= room for need, room in zip(load, capacity, strict=True))


def _pre_check(ride: RideInput, leg: str, drivers: list[DriverInput]) -> str:
    """A reason this leg cannot be planned whatever the others do, or ""."""
    if ride.facility is None:
        return UnservedReason.FACILITY_UNMAPPED
    if (pin := ride.driver_for(leg)) is not None:
        pinned = [d for d in drivers if d.driver_id == pin]
        if not pinned:
            return UnservedReason.PIN_UNAVAILABLE
        drivers = pinned
    if not drivers:
        return UnservedReason.NO_DRIVER
    if not any(_fits(ride.load, d.capacity) for d in drivers):
        return UnservedReason.NO_VEHICLE_FITS
    return ""


class _Builder:
    def __init__(self, rides: list[RideInput], drivers: list[DriverInput], rules: Rules,
                 travel: TravelTimes) -> None:
        self.rides, self.drivers, self.rules, self.travel = rides, drivers, rules, travel
        self.origin = _origin(rides, drivers) if (rides or drivers) else dt.datetime.now(dt.UTC)
        self.infos: list[NodeInfo] = []
        self.windows: list[tuple[float, float, float, tuple[int, ...]]] = []
        self.requests: list[Request] = []
        self.legs: list[tuple[int, str]] = []
        self.unserved: dict[tuple[int, str], str] = {}
        self.pinned_driver: dict[int, int] = {}  # problem request index -> driver id

    def minutes(self, moment: dt.datetime) -> float:
        return (moment - self.origin).total_seconds() / 60.0

    def direct(self, a: Point, b: Point) -> float:
        return self.travel.minutes_matrix([a, b])[0][1]

    def add_node(self, info: NodeInfo, earliest: float = 0.0, latest: float = math.inf,
                 load: tuple[int, ...] = (), service: float = 0.0) -> int:
        self.infos.append(info)
        self.windows.append((service, max(earliest, 0.0), latest, load))
        return len(self.infos) - 1

    def add_leg(self, ride: RideInput, leg: str) -> None:
        reason = _pre_check(ride, leg, self.drivers)
        if reason:
            self.unserved[(ride.request_id, leg)] = reason
            return
        direct = self.direct(ride.home, ride.facility)
        max_ride = self.rules.max_ride(direct)
        if direct > max_ride + EPSILON:
            self.unserved[(ride.request_id, leg)] = UnservedReason.TOO_FAR
            return
        windows = self._outbound(ride, direct) if leg == Leg.OUTBOUND else self._return(ride)
        if windows is None:
            self.unserved[(ride.request_id, leg)] = UnservedReason.TOO_LATE
            return
        self._add_pair(ride, leg, self._held(ride, leg, windows), max_ride)

    def _held(self, ride: RideInput, leg: str, windows: tuple[float, ...]) -> tuple[float, ...]:
        """A held leg's windows shrink to its planned times, if they still fit its windows."""
        for held_leg, pickup_at, dropoff_at in ride.held_times:
            if held_leg != leg:
                continue
            pickup, dropoff = self.minutes(pickup_at), self.minutes(dropoff_at)
            p_early, p_late, d_early, d_late = windows
            if p_early - EPSILON <= pickup <= p_late + EPSILON and (
                    d_early - EPSILON <= dropoff <= d_late + EPSILON):
                return (pickup, pickup, dropoff, dropoff)
        return windows

    def _outbound(self, ride: RideInput, direct: float) -> tuple[float, ...] | None:
        """(pickup earliest, pickup latest, arrive earliest, arrive latest), or None."""
        service = self.rules.stop_minutes
        arrive_latest = math.floor(self.minutes(
            ride.session_starts - dt.timedelta(minutes=self.rules.check_in)) + EPSILON)
        arrive_earliest = arrive_latest - self.rules.arrival_window
        pickup_earliest = math.ceil(self.minutes(ride.earliest_pickup) - EPSILON)
        pickup_latest = arrive_latest - service - math.ceil(direct - EPSILON)
        if pickup_earliest > pickup_latest:
            return None
        return (pickup_earliest, pickup_latest, arrive_earliest, arrive_latest)

    def _return(self, ride: RideInput) -> tuple[float, ...]:
        leave = math.ceil(self.minutes(
            ride.session_ends + dt.timedelta(minutes=self.rules.return_after)) - EPSILON)
        return (leave, leave + self.rules.return_wait, leave, math.inf)

    def _add_pair(self, ride: RideInput, leg: str, windows: tuple[float, ...],
                  max_ride: float) -> None:
        if ride.facility is None:  # _pre_check gives such a ride a reason before this
            raise ValueError(f"ride request {ride.request_id} has no facility to drive to")
        p_early, p_late, d_early, d_late = windows
        outbound = leg == Leg.OUTBOUND
        start, end = ((ride.home, ride.home_label), (ride.facility, ride.facility_label))
        if not outbound:
            start, end = end, start
        service = float(self.rules.stop_minutes)
        load = ride.load
        pickup = self.add_node(NodeInfo(StopKind.PICKUP, start[0], start[1], ride.request_id, leg),
                               p_early, p_late, load, service)
        dropoff = self.add_node(
            NodeInfo(StopKind.DROPOFF, end[0], end[1], ride.request_id, leg),
            d_early, d_late, tuple(-x for x in load), service)
        self.requests.append(Request(pickup=pickup, delivery=dropoff, max_ride=max_ride,
                                     key=f"{ride.request_id}:{leg}"))
        self.legs.append((ride.request_id, leg))
        if (pin := ride.driver_for(leg)) is not None:
            self.pinned_driver[len(self.requests) - 1] = pin

    def vehicles(self) -> list[Vehicle]:
        out = []
        for driver in self.drivers:
            info = NodeInfo("depot", driver.home, driver.home_label)
            start = self.add_node(info)
            end = self.add_node(info)
            out.append(Vehicle(
                start=start, end=end, capacity=driver.capacity,
                earliest=max(math.ceil(self.minutes(driver.starts) - EPSILON), 0),
                latest=math.floor(self.minutes(driver.ends) + EPSILON),
                key=f"driver:{driver.driver_id}",
            ))
        return out

    def build(self) -> Built:
        for ride in self.rides:
            for leg in ride.legs:
                self.add_leg(ride, leg)
        vehicles = self.vehicles()
        points = [info.point for info in self.infos]
        raw = self.travel.minutes_matrix(points) if points else []
        # Whole minutes, rounded up: a plan on these times is never faster than the road.
        travel = [[float(math.ceil(t - EPSILON)) if t > 0 else 0.0 for t in row] for row in raw]
        nodes = [
            Node(key=_node_key(i, info), x=info.point.longitude, y=info.point.latitude,
                 service=s, load=load, earliest=early, latest=late)
            for i, (info, (s, early, late, load)) in enumerate(
                zip(self.infos, self.windows, strict=True))
        ]
        # A driver with several windows a day has a route per window: her pinned rides go
        # on her longest one.
        vehicle_of_driver: dict[int, int] = {}
        for i, d in enumerate(self.drivers):
            best = vehicle_of_driver.get(d.driver_id)
            if best is None or d.ends - d.starts > (
                    self.drivers[best].ends - self.drivers[best].starts):
                vehicle_of_driver[d.driver_id] = i
        pinned = {r: vehicle_of_driver[d] for r, d in self.pinned_driver.items()}
        problem = Problem(nodes=nodes, requests=self.requests, vehicles=vehicles,
                          travel=travel, pinned=pinned)
        return Built(problem=problem, origin=self.origin, legs=self.legs,
                     drivers=list(self.drivers), nodes=self.infos, unserved=self.unserved)


def _node_key(index: int, info: NodeInfo) -> str:
    if info.kind == "depot":
        return f"depot:{index}"
    return f"{info.kind}:{info.request_id}:{info.leg}"


def build_problem(rides: list[RideInput], drivers: list[DriverInput], *, rules: Rules,
                  travel: TravelTimes) -> Built:
    """The day's open legs and available drivers as one pickup-and-delivery problem.

    Legs that cannot be served whatever the others do (no map location, no vehicle big
    enough, too far for the longest ride, picked up too late for check-in, pinned to a
    driver who is off) are left out with their reason in `Built.unserved`.
    """
    return _Builder(rides, drivers, rules, travel).build()
