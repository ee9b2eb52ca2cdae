"""A solver-neutral dial-a-ride problem: nodes, requests, vehicles and a travel-time matrix.

Units are the caller's: the DARP benchmark uses minutes and distance units (travel time equals
distance), the day planner uses minutes from local midnight and kilometres. Loads are vectors
so that seats, child seats and wheelchair places are separate capacity dimensions.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Node:
    """A place a vehicle visits: a depot, a pickup or a drop-off."""

    key: str  # the caller's name for it, e.g. "pickup:12" or "depot:3"
    x: float
    y: float
    service: float = 0.0  # time spent at the node (boarding, alighting)
    load: tuple[int, ...] = ()  # +riders at a pickup, -riders at a drop-off, () at a depot
    earliest: float = 0.0  # service may start no earlier (waiting is allowed)
    latest: float = float("inf")  # service must start no later


@dataclass(frozen=True)
class Request:
    """One party travelling from `pickup` to `delivery` (indexes into Problem.nodes)."""

    pickup: int
    delivery: int
    max_ride: float  # start at delivery - (start at pickup + service at pickup) <= max_ride
    key: str = ""


@dataclass(frozen=True)
class Vehicle:
    """A driver and vehicle: starts at `start`, ends at `end` (node indexes)."""

    start: int
    end: int
    capacity: tuple[int, ...]  # same dimensions as Node.load
    earliest: float = 0.0  # may leave `start` no earlier
    latest: float = float("inf")  # must reach `end` no later
    max_duration: float = float("inf")  # end time - start time
    key: str = ""


@dataclass
class Problem:
    nodes: list[Node]
    requests: list[Request]
    vehicles: list[Vehicle]
    travel: list[list[float]]  # travel[i][j]: time from node i to node j; cost is its sum
    # request index -> vehicle index: the request must ride with that vehicle
    pinned: dict[int, int] = field(default_factory=dict)
    # what each load dimension counts, used in the reasons for unserved requests
    load_names: tuple[str, ...] = ("seats", "child seats", "wheelchair places")


@dataclass
class Route:
    vehicle: int
    nodes: list[int]  # node indexes in visiting order, depots included
    times: list[float]  # start of service at each node in `nodes`


@dataclass
class Solution:
    routes: list[Route]
    unserved: dict[int, str]  # request index -> reason it could not be served
    cost: float  # sum of travel over all routes
    seconds: float = 0.0
