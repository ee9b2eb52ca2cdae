"""The dial-a-ride solver, the Cordeau reader and `solve_darp`, checked by darp_checker.

Small problems are built by hand on a plane (travel time = distance); two real benchmark
instances run with a short time limit.
"""

from __future__ import annotations

import csv
import json
import math
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.transport.darp_checker import violations
from transport.routing.cordeau import read_cordeau
from transport.routing.problem import Node, Problem, Request, Solution, Vehicle
from transport.routing.solver import solve

# Two small instances and the best-known costs, copied from ../shared/benchmarks/darp/ so the
# suite runs wherever the repository is cloned (CI clones it elsewhere).
DARP_DIR = Path(__file__).resolve().parent / "darp_data"
QUICK = 0.5  # seconds of search for the hand-built problems


def plan(vehicles: list[dict], trips: list[dict], pinned: dict[int, int] | None = None,
         ) -> Problem:
    """Each vehicle starts and ends at its own depot; each trip is one party's pickup and drop.

    vehicle: {"at": (x, y), "cap": (seats, child seats, wheelchair), "window": (a, b)}
    trip: {"from": (x, y), "to": (x, y), "riders": (...), "pick": (a, b), "drop": (a, b),
           "max_ride": minutes}
    """
    nodes: list[Node] = []
    vehs, reqs = [], []
    for k, v in enumerate(vehicles):
        x, y = v["at"]
        window = v.get("window", (0.0, 1000.0))
        nodes += [Node(f"start:{k}", x, y), Node(f"end:{k}", x, y)]
        vehs.append(Vehicle(start=2 * k, end=2 * k + 1, capacity=v["cap"], earliest=window[0],
                            latest=window[1], max_duration=v.get("max_duration", math.inf)))
    for k, trip in enumerate(trips):
        riders = trip.get("riders", (1, 0, 0))
        pick, drop = trip.get("pick", (0.0, 1000.0)), trip.get("drop", (0.0, 1000.0))
        nodes.append(Node(f"pickup:{k}", *trip["from"], service=1.0, load=riders,
                          earliest=pick[0], latest=pick[1]))
        nodes.append(Node(f"drop:{k}", *trip["to"], service=1.0,
                          load=tuple(-x for x in riders), earliest=drop[0], latest=drop[1]))
        reqs.append(Request(pickup=len(nodes) - 2, delivery=len(nodes) - 1,
                            max_ride=trip.get("max_ride", 60.0), key=str(k)))
    travel = [[math.dist((a.x, a.y), (b.x, b.y)) for b in nodes] for a in nodes]
    return Problem(nodes=nodes, requests=reqs, vehicles=vehs, travel=travel,
                   pinned=pinned or {})


def riding(solution: Solution) -> dict[int, int]:
    """request index -> vehicle index, read off the routes' node keys."""
    out = {}
    for route in solution.routes:
        for node in route.nodes:
            out[node] = route.vehicle
    return out


def vehicle_of(problem: Problem, solution: Solution, request: int) -> int | None:
    return riding(solution).get(problem.requests[request].pickup)


VAN = {"at": (0, 0), "cap": (6, 2, 1)}


def test_a_small_day_is_planned_within_every_constraint() -> None:
    trips = [
        {"from": (2 * k, 1), "to": (10, 10), "riders": (2, 1, 0), "drop": (30 + 5 * k, 45 + 5 * k),
         "max_ride": 25} for k in range(5)
    ] + [
        {"from": (10, 10), "to": (-2 * k, 3), "riders": (1, 0, 0),
         "pick": (90 + 4 * k, 100 + 4 * k), "max_ride": 30} for k in range(4)
    ]
    problem = plan([VAN, {"at": (5, -5), "cap": (4, 1, 0)}], trips)
    solution = solve(problem, time_limit=QUICK)
    assert violations(problem, solution) == []
    assert solution.unserved == {}


def test_a_pickup_waits_so_the_ride_stays_short() -> None:
    # Reachable at minute 2, but the drop-off opens at 50 and the ride may last only 15:
    # driving at the earliest would break the ride limit, so the pickup must be delayed.
    problem = plan([VAN], [{"from": (2, 0), "to": (12, 0), "drop": (50, 55), "max_ride": 15}])
    solution = solve(problem, time_limit=QUICK)
    assert violations(problem, solution) == []
    route = solution.routes[0]
    ride = route.times[2] - route.times[1] - 1.0
    assert ride <= 15.0 + 1e-9
    assert route.times[1] >= 50 - 15 - 1 - 1e-9


def test_an_unreachable_request_is_reported_and_the_rest_are_served() -> None:
    trips = [
        {"from": (1, 1), "to": (5, 5)},
        {"from": (200, 0), "to": (201, 0), "pick": (0, 20)},  # 200 away, must start by 20
        {"from": (2, 2), "to": (6, 1)},
    ]
    problem = plan([VAN], trips)
    solution = solve(problem, time_limit=QUICK)
    assert solution.unserved == {1: "no vehicle can reach the pickup inside its time window"}
    assert vehicle_of(problem, solution, 0) == 0 and vehicle_of(problem, solution, 2) == 0
    assert violations(problem, solution) == []


def test_a_party_larger_than_any_vehicle_is_reported() -> None:
    trips = [{"from": (1, 1), "to": (5, 5), "riders": (7, 0, 0)}, {"from": (1, 2), "to": (4, 4)}]
    problem = plan([VAN, {"at": (3, 3), "cap": (4, 0, 0)}], trips)
    solution = solve(problem, time_limit=QUICK)
    assert solution.unserved == {0: "it needs 7 seats but no vehicle has more than 6"}
    assert violations(problem, solution) == []


def test_too_many_riders_at_once_leaves_one_out_with_a_reason() -> None:
    # Two parties of 4 must both be at the facility in the same ten minutes; one van of 6.
    trips = [{"from": (k, 0), "to": (20, 0), "riders": (4, 0, 0), "drop": (25, 35)}
             for k in (1, 2)]
    problem = plan([VAN], trips)
    solution = solve(problem, time_limit=QUICK)
    assert len(solution.unserved) == 1
    assert "full or busy" in next(iter(solution.unserved.values()))
    assert violations(problem, solution) == []


def test_a_pinned_request_rides_its_vehicle() -> None:
    near, far = {"at": (0, 0), "cap": (6, 1, 0)}, {"at": (30, 30), "cap": (6, 1, 0)}
    trips = [{"from": (1, 0), "to": (2, 1)}]
    unpinned = plan([near, far], trips)
    assert vehicle_of(unpinned, solve(unpinned, time_limit=QUICK), 0) == 0
    pinned = plan([near, far], trips, pinned={0: 1})
    solution = solve(pinned, time_limit=QUICK)
    assert vehicle_of(pinned, solution, 0) == 1
    assert violations(pinned, solution) == []


def test_child_seats_are_a_capacity_of_their_own() -> None:
    # Plenty of seats in the near car, but no child seat: the family with a toddler must
    # ride the far van, and two such families at once need two child seats.
    car = {"at": (0, 0), "cap": (6, 0, 0)}
    van = {"at": (15, 0), "cap": (6, 1, 0)}
    trips = [{"from": (1, k), "to": (8, 8), "riders": (2, 1, 0), "drop": (40, 50)}
             for k in (0, 1)]
    problem = plan([car, van], trips)
    solution = solve(problem, time_limit=QUICK)
    assert violations(problem, solution) == []
    served = [r for r in range(2) if r not in solution.unserved]
    assert served and all(vehicle_of(problem, solution, r) == 1 for r in served)
    assert len(served) == 1  # the van has one child seat and both must arrive together
    lone = plan([car, van], trips[:1] + [{"from": (1, 0), "to": (3, 3), "riders": (1, 2, 0)}])
    assert solve(lone, time_limit=QUICK).unserved == {
        1: "it needs 2 child seats but no vehicle has more than 1"}


def test_a_driver_window_and_duration_limit_hold() -> None:
    short = {"at": (0, 0), "cap": (6, 0, 0), "window": (0, 60), "max_duration": 30}
    trips = [{"from": (5, 0), "to": (10, 0), "pick": (40, 45)},
             {"from": (1, 0), "to": (3, 0), "pick": (0, 5)}]
    problem = plan([short], trips)
    solution = solve(problem, time_limit=QUICK)
    assert violations(problem, solution) == []
    assert solution.unserved.keys() == {0} or solution.unserved.keys() == {1}


def test_open_windows_and_a_place_without_a_road() -> None:
    # Defaults everywhere (no windows, no ride limit, no end of day), and one pickup that no
    # road reaches (infinite travel time): that one is reported, the other still planned.
    nodes = [Node("depot", 0, 0), Node("end", 0, 0),
             Node("p0", 1, 0, load=(1,)), Node("d0", 5, 0, load=(-1,)),
             Node("p1", 2, 0, load=(1,)), Node("d1", 3, 0, load=(-1,))]
    travel = [[math.dist((a.x, a.y), (b.x, b.y)) for b in nodes] for a in nodes]
    for k in range(len(nodes)):
        if k != 4:
            travel[k][4] = travel[4][k] = math.inf
    problem = Problem(nodes=nodes, travel=travel, vehicles=[Vehicle(0, 1, capacity=(4,))],
                      requests=[Request(2, 3, max_ride=math.inf), Request(4, 5, math.inf)])
    solution = solve(problem, time_limit=QUICK)
    assert solution.unserved == {1: "no road reaches the pickup"}
    assert solution.cost == pytest.approx(10.0)
    assert violations(problem, solution) == []


def test_the_checker_catches_a_broken_plan() -> None:
    # The checks above are only worth something if the checker says no to a bad plan.
    problem = plan([VAN], [{"from": (2, 0), "to": (12, 0), "drop": (50, 55), "max_ride": 15}])
    good = solve(problem, time_limit=QUICK)
    route = good.routes[0]
    early = Solution(routes=[type(route)(route.vehicle, route.nodes,
                                         [route.times[0], 2.0, *route.times[2:]])],
                     unserved={}, cost=good.cost)
    assert any("rides" in v for v in violations(problem, early))
    swapped = Solution(routes=[type(route)(route.vehicle, [0, 3, 2, 1], route.times)],
                       unserved={}, cost=good.cost)
    assert any("before picking it up" in v for v in violations(problem, swapped))
    lost = Solution(routes=[], unserved={}, cost=0.0)
    assert violations(problem, lost) == ["request 0 is lost"]


@pytest.fixture(scope="module")
def bks() -> dict[str, float]:
    with open(DARP_DIR / "bks.csv", newline="") as fh:
        return {row["instance"]: float(row["bks"]) for row in csv.DictReader(fh)}


@pytest.mark.parametrize("name", ["a2-16", "b2-16"])
def test_a_benchmark_instance_is_solved_close_to_the_best_known(name: str, bks) -> None:
    problem = read_cordeau(DARP_DIR / f"{name}.txt")
    solution = solve(problem, time_limit=2.0)
    assert violations(problem, solution) == []
    assert solution.unserved == {}
    assert solution.cost <= bks[name] * 1.03


def test_solve_darp_prints_json_with_routes_and_distance() -> None:
    out = StringIO()
    call_command("solve_darp", str(DARP_DIR / "a2-16.txt"), "--time-limit", "1", "--json",
                 stdout=out)
    answer = json.loads(out.getvalue())
    problem = read_cordeau(DARP_DIR / "a2-16.txt")
    pickups = sorted(n for r in answer["routes"] for n in r["nodes"] if 1 <= n <= 16)
    assert pickups == list(range(1, 17))
    assert all(r["nodes"][0] == 0 and r["nodes"][-1] == 33 for r in answer["routes"])
    driven = sum(problem.travel[a][b] for r in answer["routes"]
                 for a, b in zip(r["nodes"], r["nodes"][1:], strict=False))
    assert answer["cost"] == pytest.approx(driven, abs=1e-4)
    assert answer["served"] == 16 and answer["unserved"] == []


def test_solve_darp_prints_routes_as_text() -> None:
    out = StringIO()
    call_command("solve_darp", str(DARP_DIR / "b2-16.txt"), "--time-limit", "0.5", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("vehicle ")
    assert lines[-1].startswith("total distance: ")


@pytest.mark.parametrize(("content", "message"), [
    ("", "the file is empty"),
    ("2 16 480\n", "line 1: the header needs 5 numbers"),
    ("2 x 480 3 30\n", "line 1: the header `K N T Q L` must be numbers"),
    ("1 1 480 3 30\n0 0 0 0 0 0 480\n", "expected 4 node rows"),
    ("1 1 480 3 30\n0 0 0 0 0 0 480\n1 1 1 3 1 0\n2 2 2 3 -1 0 100\n3 0 0 0 0 0 480\n",
     "line 3: a node row needs 7 values"),
    ("1 1 480 3 30\n0 0 0 0 0 0 480\n5 1 1 3 1 0 100\n2 2 2 3 -1 0 100\n3 0 0 0 0 0 480\n",
     "line 3: expected node id 1, found 5"),
])
def test_solve_darp_rejects_a_bad_file_with_a_clear_message(tmp_path: Path, content: str,
                                                             message: str) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text(content)
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("solve_darp", str(bad), "--time-limit", "0.2")


def test_solve_darp_reports_a_missing_file() -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("solve_darp", "/no/such/instance.txt")
