"""An independent check of a dial-a-ride Solution against its Problem.

Written apart from the solver (it imports only the problem's dataclasses) so that a test
does not take the solver's word for it. Returns the list of broken rules; empty means valid.
"""

from __future__ import annotations

from itertools import pairwise

from transport.routing.problem import Problem, Solution

TOL = 1e-6


def violations(problem: Problem, solution: Solution) -> list[str]:
    found: list[str] = []
    found += _coverage(problem, solution)
    for route in solution.routes:
        found += _route(problem, route)
    cost = sum(problem.travel[a][b] for r in solution.routes for a, b in pairwise(r.nodes))
    if abs(cost - solution.cost) > TOL * max(1.0, cost):
        found.append(f"reported cost {solution.cost} but the routes drive {cost}")
    return found


def _coverage(problem: Problem, solution: Solution) -> list[str]:
    found = []
    riding: dict[int, int] = {}
    owner = {node: i for i, rq in enumerate(problem.requests) for node in (rq.pickup, rq.delivery)}
    vehicles = [r.vehicle for r in solution.routes]
    if len(set(vehicles)) != len(vehicles):
        found.append("a vehicle has more than one route")
    for route in solution.routes:
        for node in route.nodes[1:-1]:
            if node not in owner:
                found.append(f"vehicle {route.vehicle} visits node {node}, which is no request's")
            elif problem.requests[owner[node]].pickup == node:
                if owner[node] in riding:
                    found.append(f"request {owner[node]} is picked up twice")
                riding[owner[node]] = route.vehicle
    for i in range(len(problem.requests)):
        if (i in riding) == (i in solution.unserved):
            found.append(f"request {i} is {'both served and unserved' if i in riding else 'lost'}")
        pinned = problem.pinned.get(i)
        if pinned is not None and i in riding and riding[i] != pinned:
            found.append(f"request {i} is pinned to vehicle {pinned} but rides {riding[i]}")
    return found


def _route(problem: Problem, route) -> list[str]:
    veh = problem.vehicles[route.vehicle]
    nodes, times = route.nodes, route.times
    name = f"vehicle {route.vehicle}"
    if len(times) != len(nodes) or len(nodes) < 2:
        return [f"{name}: {len(nodes)} nodes but {len(times)} times"]
    found = []
    if nodes[0] != veh.start or nodes[-1] != veh.end:
        found.append(f"{name} does not start at its start depot and end at its end depot")
    if times[0] < veh.earliest - TOL or times[-1] > veh.latest + TOL:
        found.append(f"{name} works outside its window")
    if times[-1] - times[0] > veh.max_duration + TOL:
        found.append(f"{name} works {times[-1] - times[0]:.2f}, over {veh.max_duration}")
    found += _timing(problem, route, name)
    found += _loads(problem, route, name)
    found += _rides(problem, route, name)
    return found


def _timing(problem: Problem, route, name: str) -> list[str]:
    found = []
    nodes, times = route.nodes, route.times
    for k, node in enumerate(nodes):
        spec = problem.nodes[node]
        if times[k] < spec.earliest - TOL or times[k] > spec.latest + TOL:
            found.append(f"{name} serves node {node} at {times[k]:.2f}, "
                         f"outside [{spec.earliest}, {spec.latest}]")
        if k and times[k] < times[k - 1] + problem.nodes[nodes[k - 1]].service \
                + problem.travel[nodes[k - 1]][node] - TOL:
            found.append(f"{name} cannot reach node {node} by {times[k]:.2f}")
    return found


def _loads(problem: Problem, route, name: str) -> list[str]:
    cap = problem.vehicles[route.vehicle].capacity
    on_board = [0] * len(cap)
    for node in route.nodes:
        load = problem.nodes[node].load
        for dim, amount in enumerate(load):
            if dim >= len(cap):
                if amount > 0:
                    return [f"{name} carries a load it has no room of that kind for"]
                continue
            on_board[dim] += amount
            if on_board[dim] > cap[dim] or on_board[dim] < 0:
                return [f"{name} carries {on_board[dim]} in dimension {dim}, capacity {cap[dim]}"]
    return []


def _rides(problem: Problem, route, name: str) -> list[str]:
    found = []
    at = {node: k for k, node in enumerate(route.nodes)}
    for i, rq in enumerate(problem.requests):
        if rq.pickup not in at and rq.delivery not in at:
            continue
        if rq.pickup not in at or rq.delivery not in at:
            found.append(f"request {i} is split across vehicles")
            continue
        kp, kd = at[rq.pickup], at[rq.delivery]
        if kd < kp:
            found.append(f"{name} drops request {i} off before picking it up")
        ride = route.times[kd] - route.times[kp] - problem.nodes[rq.pickup].service
        if ride > rq.max_ride + TOL:
            found.append(f"request {i} rides {ride:.2f}, over its limit {rq.max_ride}")
    return found
