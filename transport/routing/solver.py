"""Solve a dial-a-ride problem: who rides with which vehicle, in what order, at what times.

Every constraint is hard: pickup before its drop-off on the same vehicle, capacity in each load
dimension, node time windows (waiting allowed), each request's maximum ride time, the
vehicle's window and maximum route duration, and pinned requests. Requests that cannot be
served are reported with a plain reason; the rest are still planned.

The method: tighten the windows by the ride limits, insert requests greedily into a first
plan, then improve it with a large-neighbourhood search until the time limit. Times come from
Cordeau's eight-step schedule, which shortens rides rather than just driving at the earliest.
Vehicles that end up serving nobody get no route in the solution.
"""

from __future__ import annotations

import random
import time
from itertools import pairwise

from .compiled import INF, Compiled, compile_problem
from .lns import Lns
from .problem import Problem, Route, Solution
from .schedule import schedule
from .search import Routes

NO_ROOM = "every vehicle that could take it is full or busy at the times it needs"
NO_ROOM_PINNED = "the vehicle it is pinned to is full or busy at the times it needs"


def solve(problem: Problem, time_limit: float = 10.0, seed: int = 0) -> Solution:
    """Plan `problem` within about `time_limit` seconds (wall clock).

    `seed` fixes the search's random choices; how far the search gets in the time, and so
    the plan, can still vary with the machine's load.

    Raises ValueError when the problem itself is malformed (e.g. a travel matrix of the wrong
    size), which is a programming error rather than an unservable request.
    """
    started = time.perf_counter()
    c = compile_problem(problem)
    reasons = {r: why for r in range(len(problem.requests))
               if (why := unservable_reason(problem, c, r)) is not None}
    routes = Routes(c, [r for r in range(len(problem.requests)) if r not in reasons])
    rng = random.Random(seed)
    _construct(routes, rng)
    best = Lns(routes, rng).run(started + time_limit)
    routes.restore(best)
    for r in routes.unserved:
        reasons[r] = NO_ROOM_PINNED if r in problem.pinned else NO_ROOM
    return _solution(problem, c, routes, reasons, time.perf_counter() - started)


def _construct(routes: Routes, rng: random.Random) -> None:
    """First plan: requests in order of their earliest pickup, each at its cheapest place."""
    c = routes.c
    for r in sorted(routes.unserved, key=lambda r: (c.e[c.pick[r]], c.l[c.deliv[r]], r)):
        routes.repair([r], rng, regret=1, noise=0.0)


def _solution(problem: Problem, c: Compiled, routes: Routes, reasons: dict[int, str],
              seconds: float) -> Solution:
    out = []
    for v, rd in enumerate(routes.data):
        if len(rd.nodes) <= 2:
            continue
        times = schedule(c, rd.nodes, v, minimise_rides=True) or schedule(c, rd.nodes, v)
        if times is None:  # the search only keeps routes this same function accepted
            raise RuntimeError(f"route of vehicle {v} lost its schedule")
        out.append(Route(vehicle=v, nodes=list(rd.nodes), times=times))
    cost = sum(problem.travel[a][b] for r in out for a, b in pairwise(r.nodes))
    return Solution(routes=out, unserved=dict(sorted(reasons.items())), cost=cost,
                    seconds=seconds)


# -------------------------------------------------------------------- reasons


def unservable_reason(problem: Problem, c: Compiled, r: int) -> str | None:
    """Why request r cannot be served even alone, or None when some vehicle could take it."""
    pinned = problem.pinned.get(r)
    if pinned is not None and not 0 <= pinned < len(problem.vehicles):
        return "it is pinned to a vehicle that is not in the plan"
    vehicles = c.allowed[r]
    if not vehicles:
        return "there is no vehicle to carry it"
    which = "the pinned vehicle has" if pinned is not None else "no vehicle has more than"
    for dim, need in enumerate(c.load[c.pick[r]]):
        most = max(c.v_cap[v][dim] for v in vehicles)
        if need > most:
            return f"it needs {need} {_dim_name(problem, dim)} but {which} {most}"
    p, d = c.pick[r], c.deliv[r]
    if any(schedule(c, [c.v_start[v], p, d, c.v_end[v]], v) is not None for v in vehicles):
        return None
    return _time_reason(problem, c, r, vehicles)


def _dim_name(problem: Problem, dim: int) -> str:
    names = problem.load_names
    return names[dim] if dim < len(names) else f"units of load {dim + 1}"


def _time_reason(problem: Problem, c: Compiled, r: int, vehicles: list[int]) -> str:
    req = problem.requests[r]
    pick, drop = problem.nodes[req.pickup], problem.nodes[req.delivery]
    t = c.t
    direct = t[req.pickup][req.delivery]
    reach = min(c.v_e[v] + c.s[c.v_start[v]] + t[c.v_start[v]][req.pickup] for v in vehicles)
    if reach == INF:
        return "no road reaches the pickup"
    if direct == INF:
        return "there is no road from the pickup to the drop-off"
    if direct > req.max_ride:
        return "the direct drive from pickup to drop-off is longer than the maximum ride time"
    if reach > pick.latest:
        return "no vehicle can reach the pickup inside its time window"
    if max(reach, pick.earliest) + pick.service + direct > drop.latest:
        return "no vehicle can reach the drop-off inside its time window"
    if drop.earliest - pick.latest - pick.service > req.max_ride:
        return "its pickup and drop-off windows are too far apart for the maximum ride time"
    return "the trip does not fit inside any vehicle's working hours or maximum duration"
